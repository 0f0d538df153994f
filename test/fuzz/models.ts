// Random small S4D classifiers built in code for the differential fuzzer: any layer count, H, N,
// norm, activation, mixing, residual, discretization; the SSM continuous (S4D or S4 naming with
// an explicit B), discrete or kernel-only; D on or off; modes with zero or tiny output energy
// (for the pruning criteria); and the training-time quantizers of the three schemes the
// importers produce (src/import/assemble.ts): none (float), qs4d-max (level quantizers, the
// QS4D authors' max quantizer) and qs4d-symmetric-v1 (QAT affine grids with their integer codes,
// as fixtures/models/*/weights.json `quantization` blocks carry them), complete or partial.

import type {
  Activation,
  AffineQuantizer,
  Layer,
  LevelsQuantizer,
  Linear,
  Model,
  Norm,
  Quantizer,
  QuantScheme,
  Ssm,
  SsmForm,
  SsmRole,
} from "../../src/ir/model.js";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import type { Rng } from "./rng.js";

export type SsmKind = "s4d" | "s4" | "discrete" | "kernel";

/** What a generated model is, in a few words (printed with every finding). */
export interface ModelSpec {
  readonly dIn: number;
  readonly channels: number;
  /** Complex modes per channel (N = 2 M). */
  readonly modes: number;
  readonly classes: number;
  readonly layers: number;
  /** Fixed sequence length, or null (any length). */
  readonly length: number | null;
  readonly scheme: QuantScheme;
  /** qs4d-symmetric-v1 with every SSM grid (u, x, y, lambda, Bbar, C, D), or only some. */
  readonly complete: boolean;
  readonly ssm: SsmKind;
  readonly norm: "layer" | "batch" | "none";
  readonly normPosition: "pre" | "post";
  readonly activation: Activation;
  readonly mixing: "glu" | "relu" | "linear" | "none";
  readonly residual: boolean;
  readonly discretization: "zoh" | "bilinear";
  readonly dOn: boolean;
  /** Largest |lambda| wanted: how long the memory is (close to 1: slow modes). */
  readonly slowest: number;
}

export function describeModel(s: ModelSpec): string {
  const scheme =
    s.scheme === "qs4d-symmetric-v1" && !s.complete ? `${s.scheme}(partial)` : s.scheme;
  return [
    `layers=${s.layers} dIn=${s.dIn} H=${s.channels} N=${2 * s.modes} classes=${s.classes}`,
    `L=${s.length ?? "any"} ssm=${s.ssm}/${s.discretization} scheme=${scheme}`,
    `norm=${s.norm}/${s.normPosition} act=${s.activation} mix=${s.mixing} res=${s.residual}`,
    `D=${s.dOn ? "on" : "off"} slowest=${s.slowest.toPrecision(4)}`,
  ].join(" ");
}

export function randomModelSpec(r: Rng): ModelSpec {
  const ssm = r.weighted<SsmKind>([
    ["s4d", 6],
    ["s4", 1.5],
    ["discrete", 1.5],
    ["kernel", 1],
  ]);
  const scheme = r.weighted<QuantScheme>([
    ["none", 4],
    ["qs4d-symmetric-v1", 4],
    ["qs4d-max", 2],
  ]);
  const length =
    ssm === "kernel" || r.chance(0.6) ? (r.chance(0.05) ? r.int(1, 3) : r.int(4, 24)) : null;
  return {
    dIn: r.weighted([
      [1, 8],
      [2, 1.5],
      [3, 0.5],
    ]),
    channels: r.int(1, 4),
    modes: r.int(1, 4),
    classes: r.int(2, 4),
    layers: r.weighted([
      [0, 0.3],
      [1, 5],
      [2, 4],
      [3, 0.7],
    ]),
    length,
    scheme,
    complete: r.chance(0.75),
    ssm,
    norm: r.pick(["layer", "batch", "none"] as const),
    normPosition: r.pick(["pre", "post"] as const),
    activation: r.pick(["gelu", "relu", "none"] as const),
    mixing: r.weighted([
      ["glu", 3],
      ["relu", 1],
      ["linear", 1],
      ["none", 1],
    ] as const),
    residual: r.chance(0.5),
    discretization: r.chance(0.8) ? "zoh" : "bilinear",
    dOn: r.chance(0.8),
    slowest: r.weighted([
      [0.9, 3],
      [0.99, 3],
      [0.999, 2],
      [0.9999, 1],
    ]),
  };
}

// ---- numbers ---------------------------------------------------------------------------------

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const fill = (r: Rng, n: number, scale: number, offset = 0): number[] =>
  Array.from({ length: n }, () => offset + scale * r.normal());

function maxAbs(values: readonly number[]): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** A positive finite scale for a grid of `bits` over values up to max (zero tensors too). */
function gridScale(max: number, bits: number): number {
  const q = 2 ** (bits - 1) - 1;
  return Math.fround((max > 0 ? max : 1) / q);
}

function codesOf(
  values: readonly number[],
  scaleAt: (i: number) => number,
  bits: number,
): number[] {
  const q = 2 ** (bits - 1) - 1;
  return values.map((v, i) => Math.max(-q, Math.min(q, roundHalfEven(v / scaleAt(i)))));
}

/**
 * A qs4d-symmetric-v1 grid on `values` (shape `shape`): one scale, or one per index of axis 0;
 * the codes as the export carries them.
 */
function symmetricGrid(
  r: Rng,
  values: readonly number[],
  shape: readonly number[],
  bits: number,
  perChannel: boolean,
): { quant: AffineQuantizer; dequantized: number[] } {
  const rows = shape[0]!;
  const size = values.length / rows;
  let scale: number | number[];
  let scaleAt: (i: number) => number;
  if (perChannel) {
    const scales = Array.from({ length: rows }, (_, h) =>
      gridScale(maxAbs(values.slice(h * size, (h + 1) * size)), bits),
    );
    scale = scales;
    scaleAt = (i) => scales[Math.floor(i / size)]!;
  } else {
    const s = gridScale(maxAbs(values) * (r.chance(0.2) ? r.uniform(0.5, 1) : 1), bits);
    scale = s;
    scaleAt = () => s;
  }
  const codes = codesOf(values, scaleAt, bits);
  const quant: AffineQuantizer = {
    kind: "affine",
    bits,
    scale,
    axis: perChannel ? 0 : null,
    zeroPoint: 0,
    signed: true,
    narrow: true,
    rounding: "half-even",
    codes: i32(shape, codes),
  };
  return { quant, dequantized: codes.map((c, i) => Math.fround(c * scaleAt(i))) };
}

/** An activation format (u, x, y of qs4d-symmetric-v1): a clip over 2^(b-1) - 1 codes. */
function activationFormat(bits: number, clip: number): AffineQuantizer {
  return {
    kind: "affine",
    bits,
    scale: gridScale(clip, bits),
    axis: null,
    zeroPoint: 0,
    signed: true,
    narrow: true,
    rounding: "half-even",
  };
}

function levels(r: Rng, choices: readonly number[], scope: "tensor" | "sample"): LevelsQuantizer {
  return { kind: "levels", levels: r.pick(choices), scope };
}

// ---- parts -----------------------------------------------------------------------------------

interface Complex {
  re: number;
  im: number;
}

const mul = (a: Complex, b: Complex): Complex => ({
  re: a.re * b.re - a.im * b.im,
  im: a.re * b.im + a.im * b.re,
});
const div = (a: Complex, b: Complex): Complex => {
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
};

/** (lambda, Bbar) of one mode: float64 ZOH or bilinear, close enough to make plausible grids. */
function discretizeMode(kind: "zoh" | "bilinear", dt: number, a: Complex, b: Complex) {
  const dtA = { re: dt * a.re, im: dt * a.im };
  if (kind === "bilinear") {
    const den = { re: 1 - dtA.re / 2, im: -dtA.im / 2 };
    const lambda = div({ re: 1 + dtA.re / 2, im: dtA.im / 2 }, den);
    return { lambda, bbar: div(mul({ re: dt, im: 0 }, b), den) };
  }
  const e = Math.exp(dtA.re);
  const lambda = { re: e * Math.cos(dtA.im), im: e * Math.sin(dtA.im) };
  return { lambda, bbar: mul(div({ re: lambda.re - 1, im: lambda.im }, a), b) };
}

function linear(r: Rng, out: number, inp: number): Linear {
  return {
    inFeatures: inp,
    outFeatures: out,
    weight: f32([out, inp], fill(r, out * inp, 1 / Math.sqrt(inp))),
    bias: r.chance(0.85) ? f32([out], fill(r, out, 0.1)) : null,
    weightQuant: null,
  };
}

function norm(r: Rng, s: ModelSpec): Norm | null {
  const h = s.channels;
  if (s.norm === "none") return null;
  const weight = f32([h], fill(r, h, 0.2, 1));
  const bias = f32([h], fill(r, h, 0.1));
  if (s.norm === "layer") return { kind: "layer", weight, bias, eps: 1e-5 };
  const mean = f32([h], fill(r, h, 0.3));
  const variance = f32(
    [h],
    Array.from({ length: h }, () => r.logUniform(0.05, 4)),
  );
  return { kind: "batch", weight, bias, mean, variance, eps: 1e-5 };
}

/** Per mode: 1 normal, a small fraction 0 (prune zero) or tiny (prune energy). */
function modeGains(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () =>
    r.weighted([
      [1, 8],
      [0, 1],
      [1e-3, 1],
    ] as const),
  );
}

interface Discrete {
  lambda: Complex[];
  bbar: Complex[];
}

/** The SSM's form and, for the grids, its discrete (lambda, Bbar) per mode. */
function ssmForm(r: Rng, s: ModelSpec): { form: SsmForm; discrete: Discrete | null } {
  const H = s.channels;
  const M = s.modes;
  const n = H * M;
  const gains = modeGains(r, n);
  const cRe = fill(r, n, 0.7).map((v, i) => v * gains[i]!);
  const cIm = fill(r, n, 0.7).map((v, i) => v * gains[i]!);
  if (s.ssm === "kernel") {
    const taps = s.length ?? 16;
    const k: number[] = [];
    for (let h = 0; h < H; h++) {
      const poles = Array.from({ length: r.int(1, M) }, () => ({
        rho: r.uniform(0.3, s.slowest),
        theta: r.uniform(0, Math.PI),
        w: r.normal() * 0.5,
      }));
      for (let l = 0; l < taps; l++) {
        k.push(poles.reduce((sum, p) => sum + p.w * p.rho ** l * Math.cos(p.theta * l), 0));
      }
    }
    return { form: { kind: "kernel", k: f32([H, taps], k) }, discrete: null };
  }
  if (s.ssm === "discrete") {
    const lambda: Complex[] = [];
    const bbar: Complex[] = [];
    for (let i = 0; i < n; i++) {
      const rho = 1 - r.logUniform(1 - s.slowest, 0.7);
      const theta = r.chance(0.2) ? 0 : r.uniform(0, Math.PI);
      lambda.push({ re: rho * Math.cos(theta), im: rho * Math.sin(theta) });
      const scale = Math.sqrt(1 - rho * rho);
      bbar.push({ re: r.normal() * scale, im: r.normal() * scale });
    }
    const form: SsmForm = {
      kind: "discrete",
      lambdaRe: f64(
        [H, M],
        lambda.map((z) => z.re),
      ),
      lambdaIm: f64(
        [H, M],
        lambda.map((z) => z.im),
      ),
      bbarRe: f64(
        [H, M],
        bbar.map((z) => z.re),
      ),
      bbarIm: f64(
        [H, M],
        bbar.map((z) => z.im),
      ),
      cRe: f64([H, M], cRe),
      cIm: f64([H, M], cIm),
    };
    return { form, discrete: { lambda, bbar } };
  }
  // Continuous: dt log-uniform; Re A as S4D trains it (about -0.5, one spread for the whole
  // tensor, as a qs4d-max A_quant expects), or per mode such that |lambda| = exp(dt Re A) lies
  // between 0.3 and `slowest` (a spread of many decades: A_quant may round some Re A to 0).
  const logDt = Array.from({ length: H }, () => Math.log(r.logUniform(1e-3, 0.2)));
  const aRe: number[] = [];
  const aIm: number[] = [];
  const trained = r.chance(0.7);
  for (let h = 0; h < H; h++) {
    const dt = Math.exp(logDt[h]!);
    for (let m = 0; m < M; m++) {
      const decay = r.uniform(Math.log(0.3), Math.log(s.slowest));
      aRe.push(trained ? -0.5 * r.logUniform(0.2, 5) : Math.min(decay / dt, -1e-6));
      aIm.push(r.chance(0.7) ? Math.PI * m : r.uniform(-10, 10));
    }
  }
  const s4 = s.ssm === "s4";
  const bRe = s4 ? fill(r, n, 0.7) : null;
  const bIm = s4 ? fill(r, n, 0.7) : null;
  const lambda: Complex[] = [];
  const bbar: Complex[] = [];
  for (let i = 0; i < n; i++) {
    const dt = Math.exp(Math.fround(logDt[Math.floor(i / M)]!));
    const b = bRe === null || bIm === null ? { re: 1, im: 0 } : { re: bRe[i]!, im: bIm[i]! };
    const z = discretizeMode(s.discretization, dt, { re: aRe[i]!, im: aIm[i]! }, b);
    lambda.push(z.lambda);
    bbar.push(z.bbar);
  }
  const form: SsmForm = {
    kind: "continuous",
    logDt: f32([H], logDt),
    aRe: f64([H, M], aRe),
    aIm: f32([H, M], aIm),
    bRe: bRe === null ? null : f32([H, M], bRe),
    bIm: bIm === null ? null : f32([H, M], bIm),
    cRe: f32([H, M], cRe),
    cIm: f32([H, M], cIm),
  };
  return { form, discrete: { lambda, bbar } };
}

const interleave = (re: readonly number[], im: readonly number[]): number[] =>
  re.flatMap((v, i) => [v, im[i]!]);

function valuesOf(t: { data: ArrayLike<number> | null }): number[] {
  return Array.from(t.data ?? []);
}

/** The quantizers of one SSM under the model's scheme; the tensors they rewrite (C, D). */
function ssmQuant(
  r: Rng,
  s: ModelSpec,
  form: SsmForm,
  discrete: Discrete | null,
  d: number[],
): { quant: Partial<Record<SsmRole, Quantizer>>; form: SsmForm; d: number[] } {
  const H = s.channels;
  const M = s.modes;
  const quant: Partial<Record<SsmRole, Quantizer>> = {};
  const want = (p: number) => s.complete || r.chance(p);
  if (s.scheme === "qs4d-max") {
    if (form.kind === "continuous") {
      if (r.chance(0.8)) quant.logDt = levels(r, [8, 16, 32], "tensor");
      if (r.chance(0.8)) {
        const a = levels(r, [4, 16, 32, 64], "tensor");
        quant.aRe = a;
        quant.aIm = a;
      }
      if (r.chance(0.8)) quant.c = levels(r, [4, 16, 64, 256], "tensor");
    }
    if (r.chance(0.5)) quant.kernel = levels(r, [16, 32, 64], "tensor");
    if (r.chance(0.8)) quant.u = levels(r, [8, 16, 32, 64, 128], "sample");
    return { quant, form, d };
  }
  if (s.scheme !== "qs4d-symmetric-v1" || form.kind === "kernel" || discrete === null) {
    return { quant, form, d };
  }
  const view = [H, M, 2];
  let next: SsmForm = form;
  if (want(0.6)) {
    const c = interleave(valuesOf(form.cRe), valuesOf(form.cIm));
    const g = symmetricGrid(r, c, view, r.int(3, 10), r.chance(0.3));
    quant.c = g.quant;
    const re = g.dequantized.filter((_, i) => i % 2 === 0);
    const im = g.dequantized.filter((_, i) => i % 2 === 1);
    next = { ...form, cRe: f32([H, M], re), cIm: f32([H, M], im) };
  }
  if (want(0.6)) {
    const lam = interleave(
      discrete.lambda.map((z) => z.re),
      discrete.lambda.map((z) => z.im),
    );
    quant.lambda = symmetricGrid(r, lam, view, r.int(4, 14), r.chance(0.2)).quant;
  }
  if (want(0.6)) {
    const bb = interleave(
      discrete.bbar.map((z) => z.re),
      discrete.bbar.map((z) => z.im),
    );
    quant.bbar = symmetricGrid(r, bb, view, r.int(3, 12), r.chance(0.7)).quant;
  }
  let dOut = d;
  if (want(0.6)) {
    const g = symmetricGrid(r, d, [H], r.int(3, 10), false);
    quant.d = g.quant;
    dOut = g.dequantized;
  }
  if (want(0.7)) quant.u = activationFormat(r.int(3, 12), r.logUniform(0.5, 6));
  if (want(0.7)) quant.x = activationFormat(r.int(3, 16), r.logUniform(0.2, 8));
  if (want(0.7)) quant.y = activationFormat(r.int(3, 12), r.logUniform(0.5, 12));
  return { quant, form: next, d: dOut };
}

/** A dense layer's weight grid: qs4d-max levels, or qs4d-symmetric-v1 codes (per output row). */
function quantizeLinear(r: Rng, s: ModelSpec, l: Linear, q: readonly number[]): Linear {
  if (s.scheme === "qs4d-max") {
    return r.chance(0.85) ? { ...l, weightQuant: levels(r, q, "tensor") } : l;
  }
  if (s.scheme !== "qs4d-symmetric-v1" || !(s.complete || r.chance(0.7))) return l;
  const g = symmetricGrid(
    r,
    valuesOf(l.weight),
    [l.outFeatures, l.inFeatures],
    r.int(2, 8),
    r.chance(0.7),
  );
  return { ...l, weight: f32([l.outFeatures, l.inFeatures], g.dequantized), weightQuant: g.quant };
}

function layer(r: Rng, s: ModelSpec): Layer {
  const H = s.channels;
  const { form, discrete } = ssmForm(r, s);
  const d0 = s.dOn ? fill(r, H, 0.8) : new Array<number>(H).fill(0);
  const q = ssmQuant(r, s, form, discrete, d0);
  const ssm: Ssm = {
    channels: H,
    modes: s.ssm === "kernel" ? 0 : s.modes,
    discretization: s.discretization,
    form: q.form,
    d: f32([H], q.d),
    quant: q.quant,
  };
  const rows = s.mixing === "glu" ? 2 * H : H;
  const mixing =
    s.mixing === "none"
      ? null
      : { kind: s.mixing, linear: quantizeLinear(r, s, linear(r, rows, H), [4, 16, 64]) };
  const outputQuant: Quantizer | null =
    s.scheme === "qs4d-max" && r.chance(0.7) ? levels(r, [16, 64, 256], "sample") : null;
  return {
    norm: norm(r, s),
    normPosition: s.normPosition,
    ssm,
    activation: s.activation,
    mixing,
    residual: s.residual,
    outputQuant,
  };
}

export function randomModel(r: Rng, s: ModelSpec): Model {
  const H = s.channels;
  const meta: Record<string, string> = s.scheme === "none" ? {} : { "qs4d.scheme": s.scheme };
  return {
    name: "fuzz",
    config: {
      dIn: s.dIn,
      channels: H,
      state: 2 * s.modes,
      classes: s.classes,
      length: s.length,
    },
    quantScheme: s.scheme,
    encoder: quantizeLinear(r, s, linear(r, H, s.dIn), [8, 16, 32]),
    layers: Array.from({ length: s.layers }, () => layer(r, s)),
    pooling: "mean",
    decoder: quantizeLinear(r, s, linear(r, s.classes, H), [8, 16, 32]),
    meta,
    hardware: null,
  };
}
