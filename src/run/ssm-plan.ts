// The three executable SSM forms and how each is built from the IR:
//   diagonal: float64 complex diagonal recurrence (continuous or discrete IR form), with the
//             qs4d-max static quantizers on log dt, Re A, Im A and C applied before discretization;
//   fir:      a lag-ordered kernel k[h, l] (kernel-only models and quantized kernels);
//   integer:  the bit-exact integer core of qs4d-symmetric-v1 (README 'Quantized forward semantics').

import { discretizeModes } from "../arith/discretize.js";
import { affineCodes, affineRange, maxQuantize } from "../arith/quantize.js";
import { fail } from "../diag/error.js";
import type {
  AffineQuantizer,
  Quantizer,
  Ssm,
  SsmContinuous,
  SsmDiscrete,
  SsmRole,
} from "../ir/model.js";
import type { Tensor } from "../ir/tensor.js";
import { floats } from "./tensors.js";

export interface DiagonalSsm {
  readonly kind: "diagonal";
  readonly channels: number;
  readonly modes: number;
  /** [H, M] each: lambda, Bbar (B included) and C as real and imaginary parts. */
  readonly lamRe: Float64Array;
  readonly lamIm: Float64Array;
  readonly bRe: Float64Array;
  readonly bIm: Float64Array;
  readonly cRe: Float64Array;
  readonly cIm: Float64Array;
  readonly d: Float64Array;
}

export interface FirSsm {
  readonly kind: "fir";
  readonly channels: number;
  /** Kernel length; the filter sees at most this many past inputs. */
  readonly taps: number;
  /** [H, taps], lag order: k[h, 0] multiplies the current input. */
  readonly k: Float64Array;
  readonly d: Float64Array;
}

export interface IntegerSsm {
  readonly kind: "integer";
  readonly channels: number;
  readonly modes: number;
  /** Integer codes [H, M] of dA, dB (per channel scale), C; [H] of D. */
  readonly ar: Float64Array;
  readonly ai: Float64Array;
  readonly br: Float64Array;
  readonly bi: Float64Array;
  readonly cr: Float64Array;
  readonly ci: Float64Array;
  readonly dq: Float64Array;
  /** Scales per channel h (a per-tensor scale repeated). */
  readonly sA: Float64Array;
  readonly sB: Float64Array;
  readonly sC: Float64Array;
  readonly sD: Float64Array;
  readonly su: number;
  readonly sx: number;
  readonly sy: number;
  /** Multipliers per channel, float64, in the README's order of operations. */
  readonly mA: Float64Array;
  readonly mB: Float64Array;
  readonly mC: Float64Array;
  readonly mD: Float64Array;
  /** Code ranges [lo, hi] of u, x, y. */
  readonly uRange: readonly [number, number];
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
}

export type SsmPlan = DiagonalSsm | FirSsm | IntegerSsm;

type QuantMap = Readonly<Partial<Record<SsmRole, Quantizer>>>;

function staticLevels(
  q: Quantizer | undefined,
  values: Float64Array,
  role: SsmRole,
  prefix: string,
) {
  if (q === undefined) return values;
  if (q.kind !== "levels") {
    fail("QS4D-E305", { where: prefix, role, reason: "is not a max quantizer (scheme qs4d-max)" });
  }
  return maxQuantize(values, q.levels).values;
}

/** C quantized as the real view [H, M, 2]: one max over real and imaginary parts. */
function quantizeComplex(
  q: Quantizer | undefined,
  re: Float64Array,
  im: Float64Array,
  prefix: string,
) {
  if (q === undefined) return { re, im };
  const joined = staticLevels(q, interleave(re, im), "c", prefix);
  return { re: joined.filter((_, i) => i % 2 === 0), im: joined.filter((_, i) => i % 2 === 1) };
}

function interleave(re: Float64Array, im: Float64Array): Float64Array {
  const out = new Float64Array(re.length * 2);
  for (let i = 0; i < re.length; i++) {
    out[2 * i] = re[i]!;
    out[2 * i + 1] = im[i]!;
  }
  return out;
}

export function continuousSsm(
  ssm: Ssm,
  form: SsmContinuous,
  d: Float64Array,
  prefix: string,
  quant: QuantMap,
): DiagonalSsm {
  const H = ssm.channels;
  const M = ssm.modes;
  const n = H * M;
  const levels = (role: "logDt" | "aRe" | "aIm", t: Tensor, name: string, count: number) =>
    staticLevels(quant[role], floats(t, `${prefix}.kernel.${name}`, count), role, prefix);
  const logDt = levels("logDt", form.logDt, "log_dt", H);
  const aRe = levels("aRe", form.aRe, "A_real", n);
  const aIm = levels("aIm", form.aIm, "A_imag", n);
  const c = quantizeComplex(
    quant.c,
    floats(form.cRe, `${prefix}.kernel.C (real)`, n),
    floats(form.cIm, `${prefix}.kernel.C (imag)`, n),
    prefix,
  );
  const bRe = form.bRe === null ? null : floats(form.bRe, `${prefix}.kernel.B (real)`, n);
  const bIm = form.bIm === null ? null : floats(form.bIm, `${prefix}.kernel.B (imag)`, n);
  const out = discretizeModes(ssm.discretization, H, M, logDt, aRe, aIm, bRe, bIm);
  return { kind: "diagonal", channels: H, modes: M, ...out, cRe: c.re, cIm: c.im, d };
}

export function discreteSsm(
  ssm: Ssm,
  form: SsmDiscrete,
  d: Float64Array,
  prefix: string,
): DiagonalSsm {
  const n = ssm.channels * ssm.modes;
  const get = (t: typeof form.lambdaRe, name: string) => floats(t, `${prefix}.${name}`, n);
  return {
    kind: "diagonal",
    channels: ssm.channels,
    modes: ssm.modes,
    lamRe: get(form.lambdaRe, "lambda (real)"),
    lamIm: get(form.lambdaIm, "lambda (imag)"),
    bRe: get(form.bbarRe, "bbar (real)"),
    bIm: get(form.bbarIm, "bbar (imag)"),
    cRe: get(form.cRe, "C (real)"),
    cIm: get(form.cIm, "C (imag)"),
    d,
  };
}

function affine(ssm: Ssm, role: SsmRole, prefix: string): AffineQuantizer {
  const q = ssm.quant[role];
  if (q === undefined || q.kind !== "affine") {
    const reason = q === undefined ? "is missing" : "is not an affine quantizer";
    fail("QS4D-E305", { where: prefix, role, reason });
  }
  if (q.zeroPoint !== 0 || !q.signed) {
    fail("QS4D-E305", { where: prefix, role, reason: "is not symmetric (signed, zero point 0)" });
  }
  if (q.axis !== null && q.axis !== 0) {
    fail("QS4D-E305", { where: prefix, role, reason: `has scales along axis ${q.axis}` });
  }
  return q;
}

/** Activation scale of u, x or y: one float32 scale, half-even rounding (the README's). */
function activation(ssm: Ssm, role: "u" | "x" | "y", prefix: string) {
  const q = affine(ssm, role, prefix);
  if (typeof q.scale !== "number" && q.scale.length !== 1) {
    fail("QS4D-E305", { where: prefix, role, reason: "has more than one scale" });
  }
  if (q.rounding !== "half-even") {
    fail("QS4D-E305", { where: prefix, role, reason: "does not round half to even" });
  }
  return { scale: typeof q.scale === "number" ? q.scale : q.scale[0]!, range: affineRange(q) };
}

/** The float values a code tensor quantizes, used only when the export carries no codes. */
function floatValues(ssm: Ssm, prefix: string) {
  const d = floats(ssm.d, `${prefix}.D`, ssm.channels);
  if (ssm.form.kind === "kernel") {
    fail("QS4D-E305", { where: prefix, role: "lambda", reason: "quantizes a kernel-only SSM" });
  }
  const diag =
    ssm.form.kind === "continuous"
      ? continuousSsm(ssm, ssm.form, d, prefix, {})
      : discreteSsm(ssm, ssm.form, d, prefix);
  return {
    lambda: interleave(diag.lamRe, diag.lamIm),
    bbar: interleave(diag.bRe, diag.bIm),
    c: interleave(diag.cRe, diag.cIm),
    d,
  };
}

/** Codes of a complex role as [H, M, 2] (re, im) pairs and one scale per channel. */
function complexCodes(
  ssm: Ssm,
  role: "lambda" | "bbar" | "c",
  values: () => Float64Array,
  prefix: string,
) {
  const q = affine(ssm, role, prefix);
  const shape = [ssm.channels, ssm.modes, 2];
  const n = ssm.channels * ssm.modes;
  if (q.codes !== undefined && q.codes.data?.length !== 2 * n) {
    fail("QS4D-E305", { where: prefix, role, reason: `carries codes of shape [${q.codes.shape}]` });
  }
  const { codes, scaleAt } = affineCodes(q, q.codes === undefined ? values() : [], shape);
  const perChannel = Float64Array.from({ length: ssm.channels }, (_, h) =>
    scaleAt(h * 2 * ssm.modes),
  );
  return {
    re: codes.filter((_, i) => i % 2 === 0),
    im: codes.filter((_, i) => i % 2 === 1),
    scale: perChannel,
  };
}

export function integerSsm(ssm: Ssm, prefix: string): IntegerSsm {
  const H = ssm.channels;
  let cache: ReturnType<typeof floatValues> | null = null;
  const values = () => {
    cache ??= floatValues(ssm, prefix);
    return cache;
  };
  const a = complexCodes(ssm, "lambda", () => values().lambda, prefix);
  const b = complexCodes(ssm, "bbar", () => values().bbar, prefix);
  const c = complexCodes(ssm, "c", () => values().c, prefix);
  const dQuant = affine(ssm, "d", prefix);
  if (dQuant.codes !== undefined && dQuant.codes.data?.length !== H) {
    fail("QS4D-E305", {
      where: prefix,
      role: "d",
      reason: `carries codes of shape [${dQuant.codes.shape}]`,
    });
  }
  const d = affineCodes(dQuant, dQuant.codes === undefined ? values().d : [], [H]);
  const sD = Float64Array.from({ length: H }, (_, h) => d.scaleAt(h));
  const u = activation(ssm, "u", prefix);
  const x = activation(ssm, "x", prefix);
  const y = activation(ssm, "y", prefix);
  // README step 2, float64, in exactly this order.
  const mA = a.scale.slice();
  const mB = b.scale.map((sB) => (sB * u.scale) / x.scale);
  const mC = c.scale.map((sC) => (2 * sC * x.scale) / y.scale);
  const mD = sD.map((s) => (s * u.scale) / y.scale);
  return {
    kind: "integer",
    channels: H,
    modes: ssm.modes,
    ar: a.re,
    ai: a.im,
    br: b.re,
    bi: b.im,
    cr: c.re,
    ci: c.im,
    dq: d.codes,
    sA: a.scale,
    sB: b.scale,
    sC: c.scale,
    sD,
    su: u.scale,
    sx: x.scale,
    sy: y.scale,
    mA,
    mB,
    mC,
    mD,
    uRange: u.range,
    xRange: x.range,
    yRange: y.range,
  };
}
