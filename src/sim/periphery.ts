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
  const w = Float64Array.from(op.weight.data);
  const bias = op.bias?.data ?? null;
  const b = bias === null ? null : Float64Array.from(bias);
  const [outF, inF] = op.weight.shape as [number, number];
  return (x, out) => linearRow(w, b, outF, inF, x, out);
}

/**
 * out[o] = bias[o] + sum_i w[o, i] x[i], summed in i order. Four outputs at a time: four
 * independent sums in flight instead of one waiting on its own adds, each x[i] loaded once;
 * every sum is still its own, in its own order. Weights as binary64 (exact copies): one
 * element type for every op, so the loop is compiled once for it.
 */
function linearRow(
  w: Float64Array,
  b: Float64Array | null,
  outF: number,
  inF: number,
  x: Float32Array,
  out: Float32Array,
): void {
  let o = 0;
  for (; o + 4 <= outF; o += 4) {
    const row = o * inF;
    let a0 = b === null ? 0 : b[o]!;
    let a1 = b === null ? 0 : b[o + 1]!;
    let a2 = b === null ? 0 : b[o + 2]!;
    let a3 = b === null ? 0 : b[o + 3]!;
    for (let i = 0; i < inF; i++) {
      const v = x[i]!;
      a0 += w[row + i]! * v;
      a1 += w[row + inF + i]! * v;
      a2 += w[row + 2 * inF + i]! * v;
      a3 += w[row + 3 * inF + i]! * v;
    }
    out[o] = a0;
    out[o + 1] = a1;
    out[o + 2] = a2;
    out[o + 3] = a3;
  }
  for (; o < outF; o++) {
    let acc = b === null ? 0 : b[o]!;
    for (let i = 0; i < inF; i++) acc += w[o * inF + i]! * x[i]!;
    out[o] = acc;
  }
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
