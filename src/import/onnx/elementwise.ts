// Elementwise ops of the constant evaluator with numpy broadcasting. One loop per op (a switch
// outside the loop, no callbacks): the in-graph kernel of a large model is millions of elements
// per op, and a polymorphic callback in the inner loop costs seconds.

import { type Arr, allocateValues } from "./tensor.js";

export type UnaryOp =
  | "Neg"
  | "Abs"
  | "Exp"
  | "Log"
  | "Sqrt"
  | "Reciprocal"
  | "Cos"
  | "Sin"
  | "Round"
  | "Floor"
  | "Ceil"
  | "ToFloat32"
  | "Trunc"
  | "ToBool";

export type BinaryOp = "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Max" | "Min";

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function roundHalfEven(x: number): number {
  return x - Math.floor(x) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
}

export function unaryOp(op: UnaryOp, a: Arr): Arr {
  const x = a.data;
  const n = x.length;
  const out = allocateValues(n);
  switch (op) {
    case "Neg":
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      break;
    case "Abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!);
      break;
    case "Exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      break;
    case "Log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      break;
    case "Sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      break;
    case "Reciprocal":
      for (let i = 0; i < n; i++) out[i] = 1 / x[i]!;
      break;
    case "Cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!);
      break;
    case "Sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!);
      break;
    case "Round":
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(x[i]!);
      break;
    case "Floor":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]!);
      break;
    case "Ceil":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]!);
      break;
    case "ToFloat32":
      for (let i = 0; i < n; i++) out[i] = Math.fround(x[i]!);
      break;
    case "Trunc":
      for (let i = 0; i < n; i++) out[i] = Math.trunc(x[i]!);
      break;
    case "ToBool":
      for (let i = 0; i < n; i++) out[i] = x[i] !== 0 ? 1 : 0;
      break;
  }
  return { shape: a.shape, data: out };
}

export function clip(a: Arr, lo: number, hi: number): Arr {
  const x = a.data;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i]!, lo), hi);
  return { shape: a.shape, data: out };
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element strides of `a` read in the (broadcast-compatible) `shape`: 0 along broadcast axes. */
function broadcastStrides(a: readonly number[], shape: readonly number[]): number[] {
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = a.length - 1; d >= 0; d--) {
    strides[d + rank - a.length] = a[d] === 1 ? 0 : s;
    s *= a[d]!;
  }
  return strides;
}

/** out[o + k] = x[i + k * xs] op y[j + k * ys] for k < len: one loop per op. */
function row(
  op: BinaryOp,
  x: Float64Array,
  i: number,
  xs: number,
  y: Float64Array,
  j: number,
  ys: number,
  out: Float64Array,
  o: number,
  len: number,
): void {
  switch (op) {
    case "Add":
      for (let k = 0; k < len; k++) out[o + k] = x[i + k * xs]! + y[j + k * ys]!;
      break;
    case "Sub":
      for (let k = 0; k < len; k++) out[o + k] = x[i + k * xs]! - y[j + k * ys]!;
      break;
    case "Mul":
      for (let k = 0; k < len; k++) out[o + k] = x[i + k * xs]! * y[j + k * ys]!;
      break;
    case "Div":
      for (let k = 0; k < len; k++) out[o + k] = x[i + k * xs]! / y[j + k * ys]!;
      break;
    case "Pow":
      for (let k = 0; k < len; k++) out[o + k] = x[i + k * xs]! ** y[j + k * ys]!;
      break;
    case "Max":
      for (let k = 0; k < len; k++) out[o + k] = Math.max(x[i + k * xs]!, y[j + k * ys]!);
      break;
    case "Min":
      for (let k = 0; k < len; k++) out[o + k] = Math.min(x[i + k * xs]!, y[j + k * ys]!);
      break;
  }
}

/**
 * An elementwise binary op with broadcasting; null when the shapes do not broadcast. Broadcast
 * operands are read in place (strides 0), row by row along the last axis, not copied.
 */
export function binaryOp(op: BinaryOp, a: Arr, b: Arr): Arr | null {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape === null) return null;
  const n = size(shape);
  const out = allocateValues(n);
  const x = a.data;
  const y = b.data;
  if (x.length === n && y.length === n) {
    row(op, x, 0, 1, y, 0, 1, out, 0, n);
    return { shape, data: out };
  }
  if (n === 0) return { shape, data: out };
  const rank = shape.length;
  const sx = broadcastStrides(a.shape, shape);
  const sy = broadcastStrides(b.shape, shape);
  const last = shape[rank - 1]!;
  const pos = new Array<number>(rank).fill(0);
  let i = 0;
  let j = 0;
  for (let o = 0; o < n; o += last) {
    row(op, x, i, sx[rank - 1]!, y, j, sy[rank - 1]!, out, o, last);
    for (let d = rank - 2; d >= 0; d--) {
      pos[d]!++;
      i += sx[d]!;
      j += sy[d]!;
      if (pos[d]! < shape[d]!) break;
      i -= sx[d]! * shape[d]!;
      j -= sy[d]! * shape[d]!;
      pos[d] = 0;
    }
  }
  return { shape, data: out };
}
