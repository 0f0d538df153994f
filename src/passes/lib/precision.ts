// Precision analysis of one requantized SSM layer at the sequence length it will run: what
// each quantization costs, predicted without data (docs/lowering.md, "Precision analysis").
//
// Per channel, with everything in output codes per input code (white input of rms uLimit/2):
//   - kernel error: K[l] = Re(sum_n w_n b_n lambda_n^l) (+ D at l = 0) over l < L from the
//     cells' values against the trained ones: ||K_q - K||^2 rms_u^2;
//   - state rounding: each rounding of a mode's state (step q register codes: 1, or 2^shift
//     for a residual update) is white noise of variance q^2/12 per part, which the mode
//     integrates with power gain 1 / (1 - |lambda|^2) and C carries to the output;
//   - output and input rounding: 1/12 output code, and 1/12 input code through the kernel;
//   - a split channel's parts: the extra output variance of their fine conversions.
// Roundings the trained model does itself (a QAT model's own u, x, y grids) are part of the
// model and are not counted. The error is relative to the output's rms (signal power).

import type { IntegerSsm } from "./integer-ssm.js";

/** The trained layer (the reference): [H, M, 2] lambda, Bbar, C and [H] D. */
export interface TrainedSsm {
  readonly H: number;
  readonly M: number;
  readonly lambda: Float64Array;
  readonly bbar: Float64Array;
  readonly c: Float64Array;
  readonly d: Float64Array;
}

/** Which roundings the trained model does itself (QAT grids the chip keeps). */
export interface OwnRoundings {
  readonly u: boolean;
  /** The model's own state step in register codes (1: its grid; 0: a float model). */
  readonly xStep: number;
  readonly y: boolean;
}

/**
 * The white input every estimate assumes: rms = INPUT_RMS x the DAC's code limit (requantize
 * sizes uncalibrated ranges for the same input, so the two agree).
 */
export const INPUT_RMS = 1 / 2;

/** Relative errors (rms over the layer's output power); `total` combines them all. */
export interface ErrorParts {
  readonly lambda: number;
  /** Bbar and C: only their product enters the output. */
  readonly bbarC: number;
  readonly d: number;
  readonly state: number;
  readonly output: number;
  /** The extra roundings of split channels' parts (lib/split.ts); 0 when none is split. */
  readonly split: number;
  readonly input: number;
  readonly total: number;
}

export interface LayerPrecision {
  readonly length: number;
  /** At every frequency (white input). */
  readonly error: ErrorParts;
  /** At DC: the output's mean over time, which the model's pooling passes on. */
  readonly pooled: ErrorParts;
  /** The larger of the two totals: what the budget is checked against. */
  readonly total: number;
  /** The channel with the largest total relative error, and that error. */
  readonly worstChannel: number;
  readonly worstError: number;
}

/** Complex per-mode factors of y = Re(sum w x), x' = lambda x + b u, all in code units. */
interface Modes {
  readonly lambda: Float64Array;
  readonly w: Float64Array;
  readonly b: Float64Array;
  /** [H] D in output codes per input code. */
  readonly d: Float64Array;
  /**
   * [H] output variance (codes^2) the chip adds beyond one rounding per output: the parts of
   * a split channel (lib/split.ts). Absent: none.
   */
  readonly outputNoise?: Float64Array;
}

/** The chip's values in code units, as the arrays compute them. */
export function chipModes(
  s: IntegerSsm,
  digitalD: Float64Array | null,
  outputNoise: Float64Array | null = null,
): Modes {
  const { H, M } = s;
  const lambda = new Float64Array(2 * H * M);
  const w = new Float64Array(2 * H * M);
  const b = new Float64Array(2 * H * M);
  const r = s.residual;
  for (let m = 0; m < H * M; m++) {
    const h = Math.floor(m / M);
    const k = 2 * m;
    if (r === null) {
      lambda[k] = s.a[k]! * s.mA[h]!;
      lambda[k + 1] = s.a[k + 1]! * s.mA[h]!;
      b[k] = s.b[k]! * s.mB[h]!;
      b[k + 1] = s.b[k + 1]! * s.mB[h]!;
    } else {
      lambda[k] = 1 + r.delta[k]! * r.deltaScale[m]!;
      lambda[k + 1] = r.delta[k + 1]! * r.deltaScale[m]!;
      b[k] = r.bbar[k]! * r.bbarScale[m]!;
      b[k + 1] = r.bbar[k + 1]! * r.bbarScale[m]!;
    }
    // y = M_C (Cr xr - Ci xi) = Re((M_C C) x).
    w[k] = s.c[k]! * s.mC[h]!;
    w[k + 1] = s.c[k + 1]! * s.mC[h]!;
  }
  const d = Float64Array.from({ length: H }, (_, h) =>
    digitalD !== null ? digitalD[h]! : s.d === null ? 0 : s.d[h]! * s.mD[h]!,
  );
  return { lambda, w, b, d, ...(outputNoise === null ? {} : { outputNoise }) };
}

/** Output rounding variance (codes^2) of channel h: the model's own grid costs nothing. */
function outputVariance(own: OwnRoundings): number {
  return own.y ? 0 : 1 / 12;
}

/** The trained values in the chip's code units: w b = 2 C Bbar su / sy, D su / sy. */
function trainedModes(t: TrainedSsm, su: Float64Array, sy: Float64Array): Modes {
  const { H, M } = t;
  const w = new Float64Array(2 * H * M);
  const b = new Float64Array(2 * H * M);
  for (let m = 0; m < H * M; m++) {
    const h = Math.floor(m / M);
    const k = 2 * m;
    // Put the whole factor on w: only the product w b enters the kernel.
    w[k] = (2 * t.c[k]! * su[h]!) / sy[h]!;
    w[k + 1] = (2 * t.c[k + 1]! * su[h]!) / sy[h]!;
    b[k] = t.bbar[k]!;
    b[k + 1] = t.bbar[k + 1]!;
  }
  const d = Float64Array.from({ length: H }, (_, h) => (t.d[h]! * su[h]!) / sy[h]!);
  return { lambda: t.lambda, w, b, d };
}

/**
 * The trained kernels of a layer in physical units, 2 Re(sum C Bbar lambda^l) + D at l = 0,
 * computed once per layer and length: every candidate chip is compared with the same ones,
 * scaled to its code units (su / sy per channel).
 */
const referenceCache = new WeakMap<TrainedSsm, Map<number, Float64Array[]>>();

function referenceKernels(t: TrainedSsm, length: number): Float64Array[] {
  let byLength = referenceCache.get(t);
  if (byLength === undefined) {
    byLength = new Map();
    referenceCache.set(t, byLength);
  }
  const known = byLength.get(length);
  if (known !== undefined) return known;
  const ones = new Float64Array(t.H).fill(1);
  const physical = trainedModes(t, ones, ones);
  const kernels = Array.from({ length: t.H }, (_, h) => {
    const k = new Float64Array(length);
    kernel(physical, h, t.M, k);
    return k;
  });
  byLength.set(length, kernels);
  return kernels;
}

/** K[l] of channel h, l < L: Re(sum_n w_n b_n lambda_n^l) + D at l = 0. */
function kernel(p: Modes, h: number, M: number, out: Float64Array): void {
  out.fill(0);
  for (let n = 0; n < M; n++) {
    const k = 2 * (h * M + n);
    const [lr, li] = [p.lambda[k]!, p.lambda[k + 1]!];
    // z = w b, then z lambda^l.
    let zr = p.w[k]! * p.b[k]! - p.w[k + 1]! * p.b[k + 1]!;
    let zi = p.w[k]! * p.b[k + 1]! + p.w[k + 1]! * p.b[k]!;
    for (let l = 0; l < out.length; l++) {
      out[l] = out[l]! + zr;
      const r = zr * lr - zi * li;
      zi = zr * li + zi * lr;
      zr = r;
    }
  }
  out[0] = out[0]! + p.d[h]!;
}

function sumSquares(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

function diffSquares(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

/**
 * Power gain sum_{l < L} |lambda|^(2 l) of a mode to white noise: 1 / (1 - |lambda|^2) for a
 * memory shorter than L, at most L (a sequence integrates no more than its own length).
 */
function powerGain(re: number, im: number, length: number): number {
  const mag2 = re * re + im * im;
  if (mag2 >= 1) return length;
  return -Math.expm1(length * Math.log(mag2)) / (1 - mag2);
}

/** |sum_{l < L} lambda^l|^2: the mode's gain at DC over a sequence of length L. */
function dcGain(re: number, im: number, length: number): number {
  // lambda^L in polar form, then |1 - lambda^L|^2 / |1 - lambda|^2.
  const r = Math.hypot(re, im) ** length;
  const a = Math.atan2(im, re) * length;
  const num = (1 - r * Math.cos(a)) ** 2 + (r * Math.sin(a)) ** 2;
  const den = (1 - re) ** 2 + im * im;
  return den > 0 ? Math.min(num / den, length * length) : length * length;
}

/** Output variance (codes^2) of the state roundings of channel h. */
function stateNoise(s: IntegerSsm, chip: Modes, h: number, xStep: number, length: number): number {
  let v = 0;
  for (let n = 0; n < s.M; n++) {
    const m = h * s.M + n;
    const k = 2 * m;
    const q = s.residual === null ? 1 : 2 ** s.residual.shift[m]!;
    const extra = Math.max(0, q * q - xStep * xStep) / 12;
    if (extra === 0) continue;
    const gain = powerGain(chip.lambda[k]!, chip.lambda[k + 1]!, length);
    // Two parts of variance `extra` each; Re(w z) carries |w|^2 E|z|^2 / 2 of it.
    v += (chip.w[k]! ** 2 + chip.w[k + 1]! ** 2) * extra * gain;
  }
  return v;
}

/** The trained modes with one of the chip's factors swapped in: the cost of it alone. */
function mixed(trained: Modes, chip: Modes, from: "lambda" | "wb" | "d"): Modes {
  if (from === "lambda") return { ...trained, lambda: chip.lambda };
  if (from === "d") return { ...trained, d: chip.d };
  // Only the product w b enters the kernel (requantize balances the two factors).
  return { ...trained, w: chip.w, b: chip.b };
}

/** Error powers of one channel (or their sums): what each quantization adds to the output. */
interface Powers {
  signal: number;
  kernel: number;
  lambda: number;
  bbarC: number;
  d: number;
  state: number;
  out: number;
  split: number;
  inp: number;
}

const zeroPowers = (): Powers => ({
  signal: 0,
  kernel: 0,
  lambda: 0,
  bbarC: 0,
  d: 0,
  state: 0,
  out: 0,
  split: 0,
  inp: 0,
});

function addPowers(into: Powers, p: Powers): void {
  for (const k of Object.keys(into) as (keyof Powers)[]) into[k] += p[k];
}

function relative(p: Powers): ErrorParts {
  const rel = (v: number) => (p.signal > 0 ? Math.sqrt(v / p.signal) : 0);
  return {
    lambda: rel(p.lambda),
    bbarC: rel(p.bbarC),
    d: rel(p.d),
    state: rel(p.state),
    output: rel(p.out),
    split: rel(p.split),
    input: rel(p.inp),
    total: rel(p.kernel + p.state + p.out + p.split + p.inp),
  };
}

function sum(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

/** Output variance (codes^2) of the state roundings of channel h at DC (the pooled output). */
function stateNoiseDc(
  s: IntegerSsm,
  chip: Modes,
  h: number,
  xStep: number,
  length: number,
): number {
  let v = 0;
  for (let n = 0; n < s.M; n++) {
    const m = h * s.M + n;
    const k = 2 * m;
    const q = s.residual === null ? 1 : 2 ** s.residual.shift[m]!;
    const extra = Math.max(0, q * q - xStep * xStep) / 12;
    v +=
      (chip.w[k]! ** 2 + chip.w[k + 1]! ** 2) *
      extra *
      dcGain(chip.lambda[k]!, chip.lambda[k + 1]!, length);
  }
  return v;
}

/** The roundings' errors alone (the input's through the trained kernel): a lower bound. */
function noiseBound(
  s: IntegerSsm,
  references: readonly Float64Array[],
  scale: { readonly su: Float64Array; readonly sy: Float64Array },
  chip: Modes,
  own: OwnRoundings,
  length: number,
  uRms2: number,
): LayerPrecision {
  const white = zeroPowers();
  const dc = zeroPowers();
  for (let h = 0; h < s.H; h++) {
    const toCodes = scale.su[h]! / scale.sy[h]!;
    const power = sumSquares(references[h]!) * toCodes * toCodes;
    const refDc = sum(references[h]!) * toCodes;
    const out = outputVariance(own);
    const split = chip.outputNoise?.[h] ?? 0;
    addPowers(white, {
      ...zeroPowers(),
      split,
      signal: power * uRms2,
      state: stateNoise(s, chip, h, own.xStep, length),
      out,
      inp: own.u ? 0 : power / 12,
    });
    addPowers(dc, {
      ...zeroPowers(),
      signal: Math.max(refDc * refDc, power) * uRms2,
      state: stateNoiseDc(s, chip, h, own.xStep, length),
      out,
      split,
      inp: own.u ? 0 : (refDc * refDc) / 12,
    });
  }
  const error = relative(white);
  const pooled = relative(dc);
  const total = Math.max(error.total, pooled.total);
  return { length, error, pooled, total, worstChannel: 0, worstError: total };
}

/**
 * The layer's predicted errors at length L: at every frequency (`error`: white input) and at
 * DC (`pooled`: what the mean over time that ends the model sees, where a slow mode's error
 * of 1 - lambda weighs most), each error's spectral density there against the signal's (or
 * its mean density, when larger). `parts` also splits the kernel error by tensor (each quantized
 * alone), which costs three more kernel evaluations per channel.
 */
export function analyzeLayer(
  s: IntegerSsm,
  layer: TrainedSsm,
  scale: { readonly su: Float64Array; readonly sy: Float64Array },
  chip: Modes,
  own: OwnRoundings,
  length: number,
  parts: boolean,
  budget = Number.POSITIVE_INFINITY,
): LayerPrecision {
  const { H, M } = s;
  const trained = trainedModes(layer, scale.su, scale.sy);
  const references = referenceKernels(layer, length);
  const uRms2 = (s.uLimit * INPUT_RMS) ** 2;
  // The roundings alone cost O(H M); a candidate they already put over the budget needs no
  // kernel (O(H M L)): its lower bound is reported instead.
  const bound = noiseBound(s, references, scale, chip, own, length, uRms2);
  if (bound.total > budget) return bound;
  const kRef = new Float64Array(length);
  const kChip = new Float64Array(length);
  const kOne = new Float64Array(length);
  const white = zeroPowers();
  const dc = zeroPowers();
  const variants = parts
    ? ([
        ["lambda", mixed(trained, chip, "lambda")],
        ["bbarC", mixed(trained, chip, "wb")],
        ["d", mixed(trained, chip, "d")],
      ] as const)
    : [];
  let worstChannel = 0;
  let worstError = 0;
  for (let h = 0; h < H; h++) {
    const toCodes = scale.su[h]! / scale.sy[h]!;
    const physical = references[h]!;
    for (let l = 0; l < length; l++) kRef[l] = physical[l]! * toCodes;
    kernel(chip, h, M, kChip);
    const [refDc, chipDc] = [sum(kRef), sum(kChip)];
    const w: Powers = {
      ...zeroPowers(),
      signal: sumSquares(kRef) * uRms2,
      kernel: diffSquares(kChip, kRef) * uRms2,
      state: stateNoise(s, chip, h, own.xStep, length),
      out: outputVariance(own),
      split: chip.outputNoise?.[h] ?? 0,
      inp: own.u ? 0 : sumSquares(kChip) / 12,
    };
    const d: Powers = {
      ...zeroPowers(),
      // Spectral densities at DC against the signal's there, or its mean density (Parseval:
      // its power) when larger: a channel with little DC gain still carries its power into
      // the pooled features through the nonlinear layers.
      signal: Math.max(refDc * refDc * uRms2, w.signal),
      kernel: (chipDc - refDc) ** 2 * uRms2,
      state: stateNoiseDc(s, chip, h, own.xStep, length),
      out: w.out,
      split: w.split,
      inp: own.u ? 0 : (chipDc * chipDc) / 12,
    };
    for (const [name, p] of variants) {
      kernel(p, h, M, kOne);
      w[name] = diffSquares(kOne, kRef) * uRms2;
      d[name] = (sum(kOne) - refDc) ** 2 * uRms2;
    }
    addPowers(white, w);
    addPowers(dc, d);
    const e = Math.max(relative(w).total, relative(d).total);
    if (e > worstError) {
      worstError = e;
      worstChannel = h;
    }
  }
  const error = relative(white);
  const pooled = relative(dc);
  return {
    length,
    error,
    pooled,
    total: Math.max(error.total, pooled.total),
    worstChannel,
    worstError,
  };
}

/**
 * A chip's own modes as a trained layer in physical units (su, sy its scales), so that
 * another chip can be measured against it: what a change after requantize (pruning) costs.
 */
export function chipAsTrained(s: IntegerSsm, modes: Modes, su: Float64Array, sy: Float64Array) {
  const { H, M } = s;
  const c = new Float64Array(2 * H * M);
  for (let m = 0; m < H * M; m++) {
    const h = Math.floor(m / M);
    const k = 2 * m;
    c[k] = (modes.w[k]! * sy[h]!) / (2 * su[h]!);
    c[k + 1] = (modes.w[k + 1]! * sy[h]!) / (2 * su[h]!);
  }
  const d = Float64Array.from(modes.d, (v, h) => (v * sy[h]!) / su[h]!);
  return { H, M, lambda: modes.lambda, bbar: modes.b, c, d } satisfies TrainedSsm;
}

/** Every rounding the same in both chips: only the kernel differs. */
export const SAME_ROUNDINGS: OwnRoundings = {
  u: true,
  xStep: Number.POSITIVE_INFINITY,
  y: true,
};

/** The kernel error of chip `after` against chip `before` (same scales), at length L. */
export function changeError(before: IntegerSsm, after: IntegerSsm, length: number): number {
  const su =
    before.inputQuant.kind === "static"
      ? Float64Array.from(before.inputQuant.scale.data ?? [])
      : new Float64Array(before.H).fill(1);
  const scale = { su, sy: before.sy };
  const reference = chipAsTrained(before, chipModes(before, null), su, before.sy);
  return analyzeLayer(
    after,
    reference,
    scale,
    chipModes(after, null),
    SAME_ROUNDINGS,
    length,
    false,
  ).total;
}
