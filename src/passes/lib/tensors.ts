// Small tensor helpers shared by the lowering passes.

import { fail } from "../../diag/error.js";
import { f32, f64, i32, type Tensor } from "../../ir/tensor.js";

/** The values of a tensor as float64; a digest-only tensor cannot be lowered (coded error). */
export function values(t: Tensor, name: string): Float64Array {
  if (t.data === null) fail("QS4D-E404", { tensor: name }, { tensor: name });
  return Float64Array.from(t.data);
}

/** The values of an integer tensor as Int32Array. */
export function ints(t: Tensor, name: string): Int32Array {
  if (t.data === null) fail("QS4D-E404", { tensor: name }, { tensor: name });
  return Int32Array.from(t.data);
}

export function f32Tensor(shape: readonly number[], data: ArrayLike<number>): Tensor {
  return f32(shape, data);
}

export function f64Tensor(shape: readonly number[], data: ArrayLike<number>): Tensor {
  return f64(shape, data);
}

export function i32Tensor(shape: readonly number[], data: ArrayLike<number>): Tensor {
  return i32(shape, data);
}

/** [H, M] real and imaginary parts -> the real view [H, M, 2] (re, im interleaved). */
export function interleave(re: Float64Array, im: Float64Array): Float64Array {
  const out = new Float64Array(re.length * 2);
  for (let i = 0; i < re.length; i++) {
    out[2 * i] = re[i]!;
    out[2 * i + 1] = im[i]!;
  }
  return out;
}

/** The real view [H, M, 2] -> real and imaginary parts [H, M]. */
export function split(view: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = view.length / 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = view[2 * i]!;
    im[i] = view[2 * i + 1]!;
  }
  return { re, im };
}
