// Tensors of the IR: a dtype, a shape and a typed array in row-major order.
// Complex quantities are never a dtype of their own: the IR keeps real and imaginary
// parts as two real tensors, the way both the ONNX graphs and the crossbar see them.

import { fail } from "../diag/error.js";

export type DType = "f32" | "f64" | "i8" | "i16" | "i32";

export type TensorData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array;

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Row-major values. `null` when the tensor was parsed from a digest-only text form. */
  readonly data: TensorData | null;
  /** SHA-256 (hex) of the little-endian bytes of `data`; kept when data is absent. */
  readonly digest?: string;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocate(dtype: DType, length: number): TensorData {
  switch (dtype) {
    case "f32":
      return new Float32Array(length);
    case "f64":
      return new Float64Array(length);
    case "i8":
      return new Int8Array(length);
    case "i16":
      return new Int16Array(length);
    case "i32":
      return new Int32Array(length);
  }
}

export function tensor(dtype: DType, shape: readonly number[], values?: ArrayLike<number>): Tensor {
  const data = allocate(dtype, numel(shape));
  if (values !== undefined) {
    if (values.length !== data.length) {
      throw new RangeError(`tensor: ${values.length} values for shape [${shape.join(",")}]`);
    }
    data.set(values);
  }
  return { dtype, shape: [...shape], data };
}

export function f32(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  return tensor("f32", shape, values);
}

export function f64(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  return tensor("f64", shape, values);
}

export function i32(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  return tensor("i32", shape, values);
}

/** The tensor's data; a coded error when it was parsed as a digest only (nothing to compute with). */
export function dataOf(t: Tensor): TensorData {
  if (t.data === null) fail("QS4D-E053", { dtype: t.dtype, shape: shapeText(t.shape) });
  return t.data;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
