// The digital periphery, one time step (row) at a time, as docs/chip-arithmetic.md §6 states
// it: binary64 inside an op in the stated order, one rounding to binary32 per output element
// (the Float32Array store). Rows are the unit so that a sample streams through the program
// with memory independent of its length.

import type { ChipOp } from "../emit/chip-image.js";
import { erf } from "../util/erf.js";

type Op<K extends ChipOp["op"]> = Extract<ChipOp, { op: K }>;

/** A row-wise op: reads one row (two for `add`), writes one row. */
export type RowKernel = (x: Float32Array, out: Float32Array, other: Float32Array | null) => void;

export function linearKernel(op: Op<"linear">): RowKernel {
  const w = op.weight.data;
  const b = op.bias?.data ?? null;
  const [outF, inF] = op.weight.shape as [number, number];
  return (x, out) => {
    for (let o = 0; o < outF; o++) {
      let acc = b === null ? 0 : b[o]!;
      const row = o * inF;
      for (let i = 0; i < inF; i++) acc += w[row + i]! * x[i]!;
      out[o] = acc;
    }
  };
}

export function layerNormKernel(op: Op<"layer-norm">): RowKernel {
  const w = op.weight.data;
  const b = op.bias.data;
  const eps = op.eps;
  return (x, out) => {
    const n = x.length;
    let mean = 0;
    for (let h = 0; h < n; h++) mean += x[h]!;
    mean /= n;
    let variance = 0;
    for (let h = 0; h < n; h++) {
      const d = x[h]! - mean;
      variance += d * d;
    }
    variance /= n;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let h = 0; h < n; h++) out[h] = (x[h]! - mean) * inv * w[h]! + b[h]!;
  };
}

export function batchNormKernel(op: Op<"batch-norm">): RowKernel {
  const w = op.weight.data;
  const b = op.bias.data;
  const mean = op.mean.data;
  const inv = Float64Array.from(op.variance.data, (v) => 1 / Math.sqrt(v + op.eps));
  return (x, out) => {
    for (let h = 0; h < x.length; h++) out[h] = (x[h]! - mean[h]!) * inv[h]! * w[h]! + b[h]!;
  };
}

export const geluKernel: RowKernel = (x, out) => {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
};

export const reluKernel: RowKernel = (x, out) => {
  for (let i = 0; i < x.length; i++) out[i] = Math.max(0, x[i]!);
};

/** a * sigmoid(g): a the first half of the row, g the second. */
export const gluKernel: RowKernel = (x, out) => {
  const h = out.length;
  for (let c = 0; c < h; c++) out[c] = x[c]! * (1 / (1 + Math.exp(-x[h + c]!)));
};

export const addKernel: RowKernel = (x, out, other) => {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + other![i]!;
};
