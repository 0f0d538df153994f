// The digital periphery, one time step (row) at a time, as docs/chip-arithmetic.md §6 states
// it: binary64 inside an op in the stated order, one rounding to binary32 per output element
// (the Float32Array store). Rows are the unit so that a sample streams through the program
// with memory independent of its length.

import type { ChipOp } from "../emit/chip-image.js";
import { erf } from "../run/numeric.js";

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

/** The QS4D max quantizer's scale: s = f32(f32(1 / max(f32(m), f32(1e-5))) * Q/2). */
export function sampleScale(maxAbs: number, levels: number): number {
  const clipped = Math.max(Math.fround(maxAbs), Math.fround(1e-5));
  return Math.fround(Math.fround(1 / clipped) * (levels / 2));
}

/** Code of the max quantizer: clamp(rhe(f32(v * s)), -floor(Q/2), floor(Q/2)). */
export function sampleCode(v: number, scale: number, levels: number): number {
  return roundClamp(Math.fround(v * scale), Math.floor(levels / 2));
}

/** Static DAC code of the SSM input: clamp(rhe(f32(u / s_h)), -Q, Q). */
export function staticCode(u: number, scale: number, limit: number): number {
  return roundClamp(Math.fround(u / scale), limit);
}

function roundClamp(x: number, bound: number): number {
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return Math.min(Math.max(r, -bound), bound);
}

/** Running max |x| of rows fed one by one (the per-sample quantizers' statistic). */
export function maxAbsOf(rows: readonly Float32Array[]): number {
  let m = 0;
  for (const row of rows) for (let i = 0; i < row.length; i++) m = Math.max(m, Math.abs(row[i]!));
  return m;
}
