// Scalar arithmetic of the reference executor on top of the shared rounding rules
// (src/arith/numeric.ts) and erf (src/util/erf.ts): float32 rounding of whole vectors, the
// exact-erf GELU and the logistic sigmoid.

import { erf } from "../util/erf.js";

/**
 * Round the first `length` elements (all by default) to float32 in place (the float32 op
 * boundaries of a quantized model).
 */
export function roundToF32(v: Float64Array, length = v.length): void {
  for (let i = 0; i < length; i++) v[i] = Math.fround(v[i]!);
}

/** Exact (erf) GELU, torch.nn.GELU(approximate="none"): x * Phi(x). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
