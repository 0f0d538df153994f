// Elementwise ops of the constant evaluator with numpy broadcasting. One loop per op (a switch
// outside the loop, no callbacks): the in-graph kernel of a large model is millions of elements
// per op, and a polymorphic callback in the inner loop costs seconds.

import type { Arr } from "./tensor.js";

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
  const out = new Float64Array(n);
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

/** `a` materialised in the (broadcast-compatible) `shape`, by a strided copy. */
function broadcastTo(a: Arr, shape: readonly number[]): Float64Array {
  const n = size(shape);
  if (a.data.length === n) return a.data;
  const rank = shape.length;
  const out = new Float64Array(n);
  if (rank === 0 || a.data.length === 1) return out.fill(a.data[0]!);
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = a.shape.length - 1; d >= 0; d--) {
    const od = d + rank - a.shape.length;
    strides[od] = a.shape[d] === 1 ? 0 : s;
    s *= a.shape[d]!;
  }
  const last = shape[rank - 1]!;
  const lastStride = strides[rank - 1]!;
  const pos = new Array<number>(rank).fill(0);
  let base = 0;
  for (let o = 0; o < n / last; o++) {
    for (let k = 0; k < last; k++) out[o * last + k] = a.data[base + k * lastStride]!;
    for (let d = rank - 2; d >= 0; d--) {
      pos[d]!++;
      base += strides[d]!;
      if (pos[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      pos[d] = 0;
    }
  }
  return out;
}

/** An elementwise binary op with broadcasting; null when the shapes do not broadcast. */
export function binaryOp(op: BinaryOp, a: Arr, b: Arr): Arr | null {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape === null) return null;
  const x = broadcastTo(a, shape);
  const y = broadcastTo(b, shape);
  const n = x.length;
  const out = new Float64Array(n);
  switch (op) {
    case "Add":
      for (let i = 0; i < n; i++) out[i] = x[i]! + y[i]!;
      break;
    case "Sub":
      for (let i = 0; i < n; i++) out[i] = x[i]! - y[i]!;
      break;
    case "Mul":
      for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!;
      break;
    case "Div":
      for (let i = 0; i < n; i++) out[i] = x[i]! / y[i]!;
      break;
    case "Pow":
      for (let i = 0; i < n; i++) out[i] = x[i]! ** y[i]!;
      break;
    case "Max":
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i]!, y[i]!);
      break;
    case "Min":
      for (let i = 0; i < n; i++) out[i] = Math.min(x[i]!, y[i]!);
      break;
  }
  return { shape, data: out };
}
