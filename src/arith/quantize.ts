// The two training-time quantizer families (fixtures/models/README.md): the QS4D
// authors' max quantizer (all float32) and the uniform affine quantizer of qs4d-symmetric-v1 /
// QDQ exports. The reference executor (src/run) applies them and the passes (apply-qat) fold
// them into the IR: one definition for both.

import type { AffineQuantizer } from "../ir/model.js";
import { dataOf, numel, type Tensor } from "../ir/tensor.js";
import { clamp, fround, roundHalfEven } from "./numeric.js";

/** The max quantizer's float32 scale for a tensor whose max |x| is `maxAbs`, with Q levels. */
export function maxQuantScale(maxAbs: number, levels: number): number {
  // torch: m = clamp(max|x|, min=1e-5) in float32; s = (1/m) * (Q/2), reciprocal then multiply.
  const m = Math.max(fround(maxAbs), fround(1e-5));
  return fround(fround(1 / m) * (levels / 2));
}

/** Largest integer code of the max quantizer: Q//2. */
export function maxQuantBound(levels: number): number {
  return Math.floor(levels / 2);
}

/** Integer code of one value under scale s (float32 product, half-even rounding, clamp). */
export function maxQuantCode(x: number, scale: number, bound: number): number {
  return clamp(roundHalfEven(fround(fround(x) * scale)), -bound, bound);
}

/** Dequantized value of a code: a float32 division, as the authors' `q / s`. */
export function maxQuantValue(code: number, scale: number): number {
  return fround(code / scale);
}

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

export interface StaticMaxQuant {
  readonly scale: number;
  readonly codes: Int32Array;
  /** Dequantized values (float32 values held in float64). */
  readonly values: Float64Array;
}

/** The max quantizer over a whole static tensor (weights, A, log dt, C, the kernel). */
export function maxQuantize(values: ArrayLike<number>, levels: number): StaticMaxQuant {
  const f32 = Float64Array.from(values, (v) => fround(v));
  const scale = maxQuantScale(maxAbs(f32), levels);
  const bound = maxQuantBound(levels);
  const codes = new Int32Array(f32.length);
  const out = new Float64Array(f32.length);
  for (let i = 0; i < f32.length; i++) {
    codes[i] = maxQuantCode(f32[i]!, scale, bound);
    out[i] = maxQuantValue(codes[i]!, scale);
  }
  return { scale, codes, values: out };
}

/** [lo, hi] of an affine quantizer's integer codes. */
export function affineRange(q: AffineQuantizer): readonly [number, number] {
  if (!q.signed) return [0, 2 ** q.bits - 1];
  const hi = 2 ** (q.bits - 1) - 1;
  return [q.narrow ? -hi : -hi - 1, hi];
}

/** One scale per element of a tensor of `shape`, following the quantizer's axis. */
export function affineScaleAt(q: AffineQuantizer, shape: readonly number[]): (i: number) => number {
  if (typeof q.scale === "number" || q.axis === null) {
    const s = typeof q.scale === "number" ? q.scale : q.scale[0]!;
    return () => s;
  }
  const scales = q.scale;
  const stride = numel(shape.slice(q.axis + 1));
  const dim = shape[q.axis]!;
  return (i) => scales[Math.floor(i / stride) % dim]!;
}

export function affineCode(q: AffineQuantizer, x: number, scale: number): number {
  const [lo, hi] = affineRange(q);
  const v = x / scale;
  const r = q.rounding === "half-even" ? roundHalfEven(v) : Math.sign(v) * Math.round(Math.abs(v));
  return clamp(r + q.zeroPoint, lo, hi);
}

/**
 * The integer codes of a static tensor: the exported codes when the model carries them (the
 * only way to stay bit exact with the training export), else quantized from `values`.
 */
export function affineCodes(
  q: AffineQuantizer,
  values: ArrayLike<number>,
  shape: readonly number[],
) {
  const n = numel(shape);
  const scaleAt = affineScaleAt(q, shape);
  const codes = new Float64Array(n);
  if (q.codes !== undefined) {
    codes.set(dataOf(q.codes as Tensor));
  } else {
    for (let i = 0; i < n; i++) codes[i] = affineCode(q, values[i]!, scaleAt(i));
  }
  return { codes, scaleAt };
}

/** Dequantized static tensor, float32 products `(q - zp) * s` as the exports compute them. */
export function affineDequantize(
  q: AffineQuantizer,
  values: ArrayLike<number>,
  shape: readonly number[],
): Float64Array {
  const { codes, scaleAt } = affineCodes(q, values, shape);
  return codes.map((c, i) => fround((c - q.zeroPoint) * scaleAt(i)));
}
