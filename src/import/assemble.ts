// assemble: ImportSpec -> IR Model. Both front ends end here, so that the ONNX file and the
// weights.json of one model give the same IR, and every import check runs once, in one place:
// values finite, dt > 0, Re A < 0 and |lambda| < 1 (also on exported grids), shapes consistent
// with the config and with each other, no missing and no unexpected parameter or quantizer.
//
// Imported float32 parameters stay f32 tensors with their exact values; derived ones
// (Re A = -exp(log_A_real)) are computed and stored in float64. Integer codes an export carries
// are kept as i32 tensors in the IR layout of the tensor they quantize: [out, in] for weights,
// the real view [H, M, 2] (re, im interleaved) for c, lambda and bbar, [H] for d, and the lag
// order [H, L] for a kernel.

import type { DiagnosticLocation } from "../diag/diagnostic.js";
import { fail } from "../diag/error.js";
import type {
  AffineQuantizer,
  Layer,
  Linear,
  Mixing,
  Model,
  Norm,
  Quantizer,
  QuantScheme,
  Ssm,
  SsmForm,
  SsmRole,
} from "../ir/model.js";
import { dataOf, sameShape, shapeText, type Tensor, tensor } from "../ir/tensor.js";
import { detectGrid } from "./grid.js";
import type { ArchSpec, ImportSpec, TensorQuantSpec } from "./spec.js";

type Origin = ReturnType<ImportSpec["origin"]>;

function location(origin: Origin, name: string): DiagnosticLocation {
  const loc: { file: string; tensor: string; path?: string } = {
    file: origin.file,
    tensor: origin.tensor ?? name,
  };
  if (origin.path !== undefined) loc.path = origin.path;
  return loc;
}

// ---------------------------------------------------------------------------------------------
// Parameter access: every parameter is taken once; what is never taken is an error at the end.

class Params {
  private readonly used = new Set<string>();

  constructor(private readonly spec: ImportSpec) {}

  where(name: string): DiagnosticLocation {
    return location(this.spec.origin(name), name);
  }

  /** Where a quantizer came from (its own block when the front end says so). */
  whereQuant(key: string): DiagnosticLocation {
    return location((this.spec.quantOrigin ?? this.spec.origin)(key), key);
  }

  /** The shape a parameter has, unchecked (to read a free dimension such as a kernel's L). */
  shapeOf(name: string): readonly number[] | undefined {
    return this.spec.params.get(name)?.shape;
  }

  /** A parameter that must exist, with the expected shape, finite. */
  take(name: string, shape: readonly number[], why: string): Tensor {
    const t = this.spec.params.get(name);
    if (t === undefined) fail("QS4D-E234", { tensor: name, why }, this.where(name));
    return this.accept(name, t, shape, why);
  }

  /** A parameter the architecture allows to be absent (a Linear without bias). */
  optional(name: string, shape: readonly number[], why: string): Tensor | null {
    const t = this.spec.params.get(name);
    return t === undefined ? null : this.accept(name, t, shape, why);
  }

  private accept(name: string, t: Tensor, shape: readonly number[], why: string): Tensor {
    this.used.add(name);
    if (!sameShape(t.shape, shape)) {
      fail(
        "QS4D-E233",
        { tensor: name, got: shapeText(t.shape), expected: shapeText(shape), why },
        this.where(name),
      );
    }
    return t;
  }

  unused(): string[] {
    return [...this.spec.params.keys()].filter((n) => !this.used.has(n)).sort();
  }
}

/** Every value finite; `-Infinity` passes when a later check gives it a better message. */
function checkFinite(p: Params, name: string, t: Tensor, allowNegInf = false): void {
  const data = dataOf(t);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v) || (allowNegInf && v === -Infinity)) continue;
    fail("QS4D-E230", { tensor: name, index: i, value: v }, p.where(name));
  }
}

function reshaped(t: Tensor, shape: readonly number[]): Tensor {
  return { dtype: t.dtype, shape: [...shape], data: dataOf(t) };
}

/** The f32/f64 tensor of the same dtype holding `map(values)`. */
function mapped(
  t: Tensor,
  shape: readonly number[],
  map: (v: number, i: number) => number,
): Tensor {
  const data = dataOf(t);
  const out = tensor(t.dtype, shape);
  const target = dataOf(out);
  for (let i = 0; i < target.length; i++) target[i] = map(data[i]!, i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Quantizers: spec entries are consumed by name; an entry no tensor takes is an error.

/** How a parameter's source layout maps to its IR layout (for integer codes and the axis). */
interface Layout {
  /** The source shape of codes (the exported tensor's shape). */
  readonly source: readonly number[];
  /** The IR shape of the quantized tensor. */
  readonly target: readonly number[];
  /** Source axis -> IR axis, null when a per-axis scale cannot follow the transform. */
  readonly axis: (sourceAxis: number) => number | null;
  /** Source codes -> IR codes (same values, IR order). */
  readonly codes: (source: Tensor) => Tensor;
}

function sameLayout(shape: readonly number[]): Layout {
  return { source: shape, target: shape, axis: (a) => a, codes: (c) => c };
}

class Quant {
  private readonly used = new Set<string>();

  constructor(
    private readonly spec: ImportSpec,
    private readonly p: Params,
  ) {}

  /** Set when grid detection annotated a tensor of an otherwise unquantized model. */
  gridFound = false;

  get scheme(): QuantScheme {
    return this.spec.quant.scheme;
  }

  /** The grid a float tensor of an unquantized model sits on (grid.ts); null otherwise. */
  grid(t: Tensor): AffineQuantizer | null {
    if (this.scheme !== "none") return null;
    const found = detectGrid(t);
    if (found !== null) this.gridFound = true;
    return found;
  }

  /** The quantizer of `key`, converted to the IR; null when the export has none. */
  take(key: string, layout: Layout, scope: "tensor" | "sample"): Quantizer | null {
    const q = this.spec.quant.tensors.get(key);
    if (q === undefined) return null;
    this.used.add(key);
    if (q.levels !== undefined) return this.levels(key, q.levels, scope);
    return this.affine(key, q, layout);
  }

  private levels(key: string, levels: number, scope: "tensor" | "sample"): Quantizer {
    if (!Number.isInteger(levels) || levels < 1) {
      this.invalid(key, `level count ${levels} is not a positive integer`);
    }
    return { kind: "levels", levels, scope };
  }

  private affine(key: string, q: TensorQuantSpec, layout: Layout): AffineQuantizer {
    const bits = q.bits;
    if (bits === undefined || !Number.isInteger(bits) || bits < 2 || bits > 16) {
      this.invalid(key, `bits ${bits} is not an integer in 2..16`);
    }
    const scale = q.scale;
    if (scale === undefined) this.invalid(key, "no scale");
    const axis = this.axis(key, q, layout);
    const scales = typeof scale === "number" ? [scale] : scale;
    for (const s of scales) {
      if (!(Number.isFinite(s) && s > 0))
        this.invalid(key, `scale ${s} is not positive and finite`);
    }
    const result: AffineQuantizer = {
      kind: "affine",
      bits,
      scale: typeof scale === "number" ? scale : [...scale],
      axis,
      zeroPoint: 0,
      signed: true,
      narrow: true,
      rounding: "half-even",
    };
    if (q.codes === undefined) return result;
    return { ...result, codes: this.codes(key, q.codes, bits, layout) };
  }

  private axis(key: string, q: TensorQuantSpec, layout: Layout): number | null {
    const scale = q.scale;
    const axis = q.axis ?? null;
    if (typeof scale === "number") {
      if (axis !== null) this.invalid(key, `axis ${axis} given with a single scale`);
      return null;
    }
    if (axis === null) this.invalid(key, "a list of scales needs an axis");
    if (!Number.isInteger(axis) || axis < 0 || axis >= layout.source.length) {
      this.invalid(key, `axis ${axis} is outside shape ${shapeText(layout.source)}`);
    }
    if (scale !== undefined && scale.length !== layout.source[axis]) {
      this.invalid(
        key,
        `${scale.length} scales for axis ${axis} of length ${layout.source[axis]} (shape ${shapeText(layout.source)})`,
      );
    }
    const target = layout.axis(axis);
    if (target === null)
      this.invalid(key, `a per-axis scale on axis ${axis} is not supported here`);
    return target;
  }

  private codes(key: string, codes: Tensor, bits: number, layout: Layout): Tensor {
    if (!sameShape(codes.shape, layout.source)) {
      this.invalid(
        key,
        `integer codes have shape ${shapeText(codes.shape)}, the tensor ${shapeText(layout.source)}`,
      );
    }
    const limit = 2 ** (bits - 1) - 1;
    const data = dataOf(codes);
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (!Number.isInteger(c) || Math.abs(c) > limit) {
        this.invalid(key, `code ${c} at flat index ${i} is outside [-${limit}, ${limit}]`);
      }
    }
    const ir = codes.dtype === "i32" ? codes : tensor("i32", codes.shape, data);
    return layout.codes(ir);
  }

  private invalid(key: string, reason: string): never {
    return fail("QS4D-E237", { tensor: key, reason }, this.p.whereQuant(key));
  }

  unused(): string[] {
    return [...this.spec.quant.tensors.keys()].filter((k) => !this.used.has(k)).sort();
  }
}

// ---------------------------------------------------------------------------------------------
// Architecture

function checkArch(arch: ArchSpec, file: string): void {
  const positive: [string, number][] = [
    ["d_in", arch.dIn],
    ["d_model", arch.channels],
    ["n_classes", arch.classes],
  ];
  for (const [key, v] of positive) {
    if (!Number.isInteger(v) || v < 1) {
      fail("QS4D-E238", { reason: `${key} = ${v} is not a positive integer` }, { file });
    }
  }
  if (!Number.isInteger(arch.layers) || arch.layers < 0) {
    fail("QS4D-E238", { reason: `n_layers = ${arch.layers} is not an integer >= 0` }, { file });
  }
  if (
    arch.kernel !== "kernel" &&
    (!Number.isInteger(arch.state) || arch.state < 2 || arch.state % 2)
  ) {
    fail(
      "QS4D-E238",
      { reason: `d_state = ${arch.state} is not an even integer >= 2 (N/2 complex modes)` },
      { file },
    );
  }
  if (arch.length !== null && (!Number.isInteger(arch.length) || arch.length < 1)) {
    fail("QS4D-E238", { reason: `seq_len = ${arch.length} is not a positive integer` }, { file });
  }
  if (!(arch.normEps > 0)) {
    fail("QS4D-E238", { reason: `norm eps = ${arch.normEps} is not positive` }, { file });
  }
}

function linear(
  p: Params,
  q: Quant,
  prefix: string,
  out: number,
  inp: number,
  why: string,
  conv: boolean,
): Linear {
  const source = conv ? [out, inp, 1] : [out, inp];
  const w = p.take(`${prefix}.weight`, source, why);
  checkFinite(p, `${prefix}.weight`, w);
  const weight = conv ? reshaped(w, [out, inp]) : w;
  const bias = p.optional(`${prefix}.bias`, [out], why);
  if (bias !== null) checkFinite(p, `${prefix}.bias`, bias);
  const layout: Layout = {
    source,
    target: [out, inp],
    axis: (a) => (a < 2 ? a : null),
    codes: (c) => reshaped(c, [out, inp]),
  };
  return {
    inFeatures: inp,
    outFeatures: out,
    weight,
    bias,
    weightQuant: q.take(`${prefix}.weight`, layout, "tensor") ?? q.grid(weight),
  };
}

function norm(p: Params, arch: ArchSpec, i: number): Norm | null {
  if (arch.norm === "none") return null;
  const h = arch.channels;
  const why = `${arch.norm} norm over d_model = ${h} channels`;
  const get = (field: string) => {
    const t = p.take(`norms.${i}.${field}`, [h], why);
    checkFinite(p, `norms.${i}.${field}`, t);
    return t;
  };
  const weight = get("weight");
  const bias = get("bias");
  if (arch.norm === "layer") return { kind: "layer", weight, bias, eps: arch.normEps };
  const mean = get("running_mean");
  const variance = get("running_var");
  const name = `norms.${i}.running_var`;
  dataOf(variance).forEach((v, index) => {
    if (v < 0) {
      fail(
        "QS4D-E239",
        { tensor: name, index, value: v, reason: "a variance is >= 0" },
        p.where(name),
      );
    }
  });
  return { kind: "batch", weight, bias, mean, variance, eps: arch.normEps };
}

// ---------------------------------------------------------------------------------------------
// SSM

interface SsmParts {
  readonly form: SsmForm;
  readonly modes: number;
  readonly quant: Partial<Record<SsmRole, Quantizer>>;
}

function maybeSet(quant: Partial<Record<SsmRole, Quantizer>>, role: SsmRole, q: Quantizer | null) {
  if (q !== null) quant[role] = q;
}

/** log dt [H] (S4D `log_dt`, S4 `inv_dt`): finite, dt = exp(.) > 0 in float64. */
function logDt(p: Params, name: string, h: number): Tensor {
  const t = p.take(name, [h], "one dt per channel");
  checkFinite(p, name, t, true);
  dataOf(t).forEach((v, index) => {
    const dt = Math.exp(v);
    if (!(dt > 0)) fail("QS4D-E231", { tensor: name, index, value: v, dt }, p.where(name));
  });
  return t;
}

/** Re A = -exp(x) in float64; must be finite and < 0 (exp underflows to 0 below about -745). */
function reA(p: Params, name: string, t: Tensor): Tensor {
  checkFinite(p, name, t);
  return mapped({ ...t, dtype: "f64" }, t.shape, (v, index) => {
    const re = -Math.exp(v);
    if (!Number.isFinite(re)) {
      fail("QS4D-E230", { tensor: `Re A = -exp(${name})`, index, value: re }, p.where(name));
    }
    if (!(re < 0)) {
      fail(
        "QS4D-E232",
        { tensor: name, index, reason: `Re A = -exp(${v}) = ${re} is not negative` },
        p.where(name),
      );
    }
    return re;
  });
}

/**
 * |lambda| = exp(dt * Re A) < 1 in float64: Re A < 0 and dt > 0 are not enough when their
 * product is so small that the decay rounds away and the mode never forgets.
 */
function checkDecay(p: Params, name: string, logDtT: Tensor, aRe: Tensor, modes: number): void {
  const logDts = dataOf(logDtT);
  dataOf(aRe).forEach((re, index) => {
    const dt = Math.exp(logDts[Math.floor(index / modes)]!);
    const decay = Math.exp(dt * re);
    if (!(decay < 1)) {
      const reason = `|lambda| = exp(dt * Re A) = exp(${dt} * ${re}) rounds to ${decay}`;
      fail("QS4D-E232", { tensor: name, index, reason }, p.where(name));
    }
  });
}

/** The (re, im) halves of a real view [H, M, 2]. */
function complexHalves(t: Tensor, h: number, m: number): [Tensor, Tensor] {
  const re = mapped(t, [h, m], (_, i) => dataOf(t)[2 * i]!);
  const im = mapped(t, [h, m], (_, i) => dataOf(t)[2 * i + 1]!);
  return [re, im];
}

function continuous(p: Params, q: Quant, arch: ArchSpec, i: number): SsmParts {
  const h = arch.channels;
  const m = arch.state / 2;
  const k = `layers.${i}.kernel`;
  const modes = `[d_model, d_state/2] = [${h}, ${m}]`;
  const s4 = arch.kernel === "s4";
  const dtName = s4 ? `${k}.inv_dt` : `${k}.log_dt`;
  const aReName = s4 ? `${k}.A_real` : `${k}.log_A_real`;
  const logDtT = logDt(p, dtName, h);
  const aRe = reA(p, aReName, p.take(aReName, [h, m], `one Re A per mode, ${modes}`));
  checkDecay(p, aReName, logDtT, aRe, m);
  const aImSource = p.take(`${k}.A_imag`, [h, m], `one Im A per mode, ${modes}`);
  checkFinite(p, `${k}.A_imag`, aImSource);
  // S4 stores A = -exp(A_real) - i*A_imag; the IR keeps A = aRe + i*aIm (negation is exact).
  const aIm = s4 ? mapped(aImSource, [h, m], (v) => -v) : aImSource;
  const realView = `complex real view ${shapeText([h, m, 2])}`;
  const c = p.take(`${k}.C`, [h, m, 2], realView);
  checkFinite(p, `${k}.C`, c);
  const [cRe, cIm] = complexHalves(c, h, m);
  let bRe: Tensor | null = null;
  let bIm: Tensor | null = null;
  if (s4) {
    const b = p.take(`${k}.B`, [h, m, 2], realView);
    checkFinite(p, `${k}.B`, b);
    [bRe, bIm] = complexHalves(b, h, m);
  }
  const quant: Partial<Record<SsmRole, Quantizer>> = {};
  const view = sameLayout([h, m, 2]);
  maybeSet(quant, "logDt", q.take(`${k}.log_dt`, sameLayout([h]), "tensor"));
  maybeSet(quant, "logDt", q.take(`${k}.inv_dt`, sameLayout([h]), "tensor"));
  maybeSet(quant, "aRe", q.take(`${k}.A_real`, sameLayout([h, m]), "tensor"));
  const aImLayout: Layout = {
    ...sameLayout([h, m]),
    codes: (codes) => (s4 ? mapped(codes, codes.shape, (v) => -v) : codes),
  };
  maybeSet(quant, "aIm", q.take(`${k}.A_imag`, aImLayout, "tensor"));
  maybeSet(quant, "c", q.take(`${k}.C`, view, "tensor") ?? q.grid(c));
  maybeSet(quant, "lambda", q.take(`${k}.dA`, view, "tensor"));
  maybeSet(quant, "bbar", q.take(`${k}.dB`, view, "tensor"));
  maybeSet(quant, "kernel", q.take(`${k}.K`, kernelCodesLayout(h, arch.length), "tensor"));
  checkQuantizedStability(p, q, i, aRe, aReName, quant);
  return {
    form: { kind: "continuous", logDt: logDtT, aRe, aIm, bRe, bIm, cRe, cIm },
    modes: m,
    quant,
  };
}

/** Codes of a kernel quantizer on a parametrised SSM come in lag order [H, L]. */
function kernelCodesLayout(h: number, length: number | null): Layout {
  return sameLayout([h, length ?? 0]);
}

/** The scale of element `flat` (row-major in `shape`) of a per-tensor or per-axis quantizer. */
function scaleOf(q: AffineQuantizer, shape: readonly number[], flat: number): number {
  if (typeof q.scale === "number" || q.axis === null) return q.scale as number;
  const stride = shape.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  return q.scale[Math.floor(flat / stride) % shape[q.axis]!]!;
}

/**
 * Stability as the exported grids state it. A qs4d-symmetric-v1 dA grid may put a stable
 * |lambda| just below 1 onto a point just above 1 (the trained models do: rounding moves each
 * part by at most s/2, the modulus by at most s/sqrt(2)); only a point farther out than rounding
 * can explain comes from |lambda| >= 1. Under qs4d-max, an A_quant grid on which Re A rounds to 0
 * leaves lambda = exp(i*dt*Im A) undamped, or A = 0 and the ZOH factor (exp(dt*A) - 1)/A is 0/0.
 */
function checkQuantizedStability(
  p: Params,
  q: Quant,
  i: number,
  aRe: Tensor,
  aReName: string,
  quant: Partial<Record<SsmRole, Quantizer>>,
): void {
  const lambda = quant.lambda;
  if (lambda?.kind === "affine" && lambda.codes !== undefined) {
    const codes = dataOf(lambda.codes);
    const shape = lambda.codes.shape;
    for (let j = 0; j < codes.length / 2; j++) {
      const sRe = scaleOf(lambda, shape, 2 * j);
      const sIm = scaleOf(lambda, shape, 2 * j + 1);
      const modulus = Math.hypot(codes[2 * j]! * sRe, codes[2 * j + 1]! * sIm);
      if (modulus >= 1 + Math.hypot(sRe, sIm) / 2) {
        const name = `layers.${i}.kernel.dA`;
        const reason = `|dA| = ${modulus} on the exported grid: |lambda| >= 1 before rounding`;
        fail("QS4D-E232", { tensor: name, index: j, reason }, p.whereQuant(name));
      }
    }
  }
  const a = quant.aRe;
  if (a?.kind === "levels" && q.scheme === "qs4d-max") {
    const values = dataOf(aRe);
    const scale = maxQuantScale(values, a.levels);
    values.forEach((v, index) => {
      if (Math.round(Math.fround(Math.fround(v) * scale)) === 0) {
        const reason = `Re A = ${v} rounds to 0 under A_quant = ${a.levels} (max |Re A| = ${(a.levels / 2 / scale).toPrecision(6)})`;
        fail("QS4D-E232", { tensor: aReName, index, reason }, p.where(aReName));
      }
    });
  }
}

/** The qs4d-max scale s = fl32(fl32(1 / max(max|x|, 1e-5)) * Q/2) of a static tensor. */
function maxQuantScale(values: ArrayLike<number>, levels: number): number {
  let max = 0;
  for (let j = 0; j < values.length; j++) max = Math.max(max, Math.abs(Math.fround(values[j]!)));
  const m = Math.max(max, Math.fround(1e-5));
  return Math.fround(Math.fround(1 / m) * (levels / 2));
}

function kernelOnly(p: Params, q: Quant, arch: ArchSpec, i: number): SsmParts {
  const h = arch.channels;
  const name = `layers.${i}.kernel.K`;
  const length = arch.length ?? p.shapeOf(name)?.[2] ?? 0;
  const source = [h, 1, length];
  const why =
    arch.length === null
      ? "grouped Conv1d weight [d_model, 1, L]"
      : `grouped Conv1d weight [d_model, 1, seq_len] = ${shapeText(source)}`;
  const kt = p.take(name, source, why);
  checkFinite(p, name, kt);
  // K is the cross-correlation weight: time reversed. k[h, l] = K[h, 0, L-1-l].
  const reverse = (t: Tensor) =>
    mapped(t, [h, length], (_, j) => {
      const row = Math.floor(j / length);
      return dataOf(t)[row * length + (length - 1 - (j % length))]!;
    });
  const k = reverse(kt);
  const layout: Layout = {
    source,
    target: [h, length],
    axis: (a) => (a === 0 ? 0 : null),
    codes: reverse,
  };
  const quant: Partial<Record<SsmRole, Quantizer>> = {};
  maybeSet(quant, "kernel", q.take(name, layout, "tensor") ?? q.grid(k));
  return { form: { kind: "kernel", k }, modes: 0, quant };
}

function ssm(p: Params, q: Quant, arch: ArchSpec, i: number): Ssm {
  const h = arch.channels;
  const parts = arch.kernel === "kernel" ? kernelOnly(p, q, arch, i) : continuous(p, q, arch, i);
  const dName = `layers.${i}.D`;
  const d = p.take(dName, [h], "one skip weight per channel");
  checkFinite(p, dName, d);
  const quant = { ...parts.quant };
  maybeSet(quant, "d", q.take(dName, sameLayout([h]), "tensor") ?? q.grid(d));
  maybeSet(quant, "u", q.take(`layers.${i}.u`, sameLayout([h]), "sample"));
  maybeSet(quant, "x", q.take(`layers.${i}.x`, sameLayout([h]), "sample"));
  maybeSet(quant, "y", q.take(`layers.${i}.y`, sameLayout([h]), "sample"));
  return {
    channels: h,
    modes: parts.modes,
    discretization: arch.discretization,
    form: parts.form,
    d,
    quant,
  };
}

function mixing(p: Params, q: Quant, arch: ArchSpec, i: number): Mixing | null {
  if (arch.mixing === "none") return null;
  const h = arch.channels;
  const out = arch.mixing === "glu" ? 2 * h : h;
  const why = `${arch.mixing} mixing: Conv1d(d_model = ${h} -> ${out}, kernel 1)`;
  const prefix = `layers.${i}.output_linear`;
  const conv = (p.shapeOf(`${prefix}.weight`)?.length ?? 3) === 3;
  return { kind: arch.mixing, linear: linear(p, q, prefix, out, h, why, conv) };
}

/**
 * One architecture gives every layer's mixing the same Linear: with a bias in every layer or
 * in none. A bias missing from one layer only is a parameter lost from the export.
 */
function checkMixingBiases(p: Params, layers: readonly Layer[]): void {
  const withBias = layers.findIndex((l) => l.mixing !== null && l.mixing.linear.bias !== null);
  if (withBias < 0) return;
  const without = layers.findIndex((l) => l.mixing !== null && l.mixing.linear.bias === null);
  if (without < 0) return;
  const tensor = `layers.${without}.output_linear.bias`;
  const why = `layer ${withBias}'s mixing has a bias, so every layer's has`;
  fail("QS4D-E234", { tensor, why }, p.where(tensor));
}

function layer(p: Params, q: Quant, arch: ArchSpec, i: number): Layer {
  const normI = norm(p, arch, i);
  return {
    norm: normI,
    normPosition: arch.normPosition,
    ssm: ssm(p, q, arch, i),
    activation: arch.activation,
    mixing: mixing(p, q, arch, i),
    residual: arch.residual,
    outputQuant: q.take(`layers.${i}.out`, sameLayout([arch.channels]), "sample"),
  };
}

// ---------------------------------------------------------------------------------------------

/** Why a leftover parameter is unexpected: a layer beyond n_layers, or not in the architecture. */
function unexpectedWhy(name: string, arch: ArchSpec): string {
  const index = /^(?:layers|norms)\.(\d+)\./.exec(name)?.[1];
  if (index !== undefined && Number(index) >= arch.layers) {
    return `layer ${index} is beyond n_layers = ${arch.layers}`;
  }
  return `not part of the architecture the config describes (kernel ${arch.kernel}, norm ${arch.norm}, mixing ${arch.mixing})`;
}

/** The IR of an imported model; throws a coded Qs4dError on the first failed import check. */
export function assemble(spec: ImportSpec): Model {
  const arch = spec.arch;
  const p = new Params(spec);
  const q = new Quant(spec, p);
  checkArch(arch, spec.origin("config").file);
  const h = arch.channels;
  const encoder = linear(
    p,
    q,
    "encoder",
    h,
    arch.dIn,
    `Linear(d_in = ${arch.dIn} -> d_model = ${h})`,
    false,
  );
  const layers: Layer[] = [];
  for (let i = 0; i < arch.layers; i++) layers.push(layer(p, q, arch, i));
  checkMixingBiases(p, layers);
  const decoder = linear(
    p,
    q,
    "decoder",
    arch.classes,
    h,
    `Linear(d_model = ${h} -> n_classes = ${arch.classes})`,
    false,
  );
  const extra = p.unused()[0];
  if (extra !== undefined)
    fail("QS4D-E235", { tensor: extra, why: unexpectedWhy(extra, arch) }, p.where(extra));
  const stray = q.unused()[0];
  if (stray !== undefined) {
    fail(
      "QS4D-E237",
      { tensor: stray, reason: "no tensor of the model has this name" },
      p.whereQuant(stray),
    );
  }
  return {
    name: spec.name,
    config: {
      dIn: arch.dIn,
      channels: h,
      state: arch.state,
      classes: arch.classes,
      length: arch.length,
    },
    quantScheme: q.gridFound ? "grid" : spec.quant.scheme,
    encoder,
    layers,
    pooling: "mean",
    decoder,
    meta: Object.fromEntries(Object.entries(spec.meta).sort(([a], [b]) => (a < b ? -1 : 1))),
    hardware: null,
  };
}

// ---------------------------------------------------------------------------------------------
// qs4d-max: where each of the QS4D authors' flags applies (fixtures/models/README.md, family 2).
// Shared by both front ends so that the same level counts give the same quantizers.

export interface Qs4dMaxLevels {
  readonly A_quant?: number | null;
  readonly C_quant?: number | null;
  readonly dt_quant?: number | null;
  readonly state_quant?: number | null;
  readonly act_quant?: number | null;
  readonly linear_quant?: number | null;
  readonly coder_quant?: number | null;
}

/**
 * The canonical QuantSpec keys the qs4d-max flags quantize in a model of `arch`, each with its
 * level count and the flag it comes from. A null, absent or 0 flag is off. state_quant is
 * applied, as in the authors' convolution mode, to the kernel and to the SSM input u with
 * int(state_quant / 2) levels.
 */
export function qs4dMaxQuant(
  levels: Qs4dMaxLevels,
  arch: Pick<ArchSpec, "layers" | "kernel" | "mixing">,
): Map<string, { readonly quant: TensorQuantSpec; readonly flag: keyof Qs4dMaxLevels }> {
  const out = new Map<string, { quant: TensorQuantSpec; flag: keyof Qs4dMaxLevels }>();
  const put = (key: string, flag: keyof Qs4dMaxLevels, divide = 1) => {
    const q = levels[flag];
    if (q !== undefined && q !== null && q !== 0) {
      out.set(key, { quant: { levels: Math.trunc(q / divide) }, flag });
    }
  };
  put("encoder.weight", "coder_quant");
  for (let i = 0; i < arch.layers; i++) {
    const k = `layers.${i}.kernel`;
    if (arch.kernel !== "kernel") {
      put(`${k}.log_dt`, "dt_quant");
      put(`${k}.A_real`, "A_quant");
      put(`${k}.A_imag`, "A_quant");
      put(`${k}.C`, "C_quant");
    }
    put(`${k}.K`, "state_quant", 2);
    put(`layers.${i}.u`, "state_quant", 2);
    if (arch.mixing !== "none") put(`layers.${i}.output_linear.weight`, "linear_quant");
    put(`layers.${i}.out`, "act_quant");
  }
  put("decoder.weight", "coder_quant");
  return out;
}
