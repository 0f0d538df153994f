// The digital periphery of the chip: every digital op of the lowered program on float32
// buffers (docs/chip-arithmetic.md §5). Values are IEEE binary32; inside an op the arithmetic
// is binary64 in the stated order, with one rounding to binary32 per output element. These
// are the same op boundaries the reference executor rounds at for quantized models.

import { clamp, fround, roundHalfEven } from "../arith/numeric.js";
import type { DigitalOp } from "../ir/hardware.js";
import { dataOf } from "../ir/tensor.js";
import { erf } from "../util/erf.js";

/** A per-sample buffer: `rows` time steps (1 after pooling) of `cols` channels, row-major. */
export interface Buffer {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function makeBuffer(rows: number, cols: number): Buffer {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

type Op<K extends DigitalOp["op"]> = Extract<DigitalOp, { op: K }>;

const weightCache = new WeakMap<Op<"linear">, { w: Float64Array; b: Float64Array | null }>();

/**
 * The op's weight and bias as binary64 arrays (exact: they are binary32 or binary64 values),
 * made once per op: tensors come in several element types, and a hot loop that meets more
 * than one loads through a generic path several times slower.
 */
function float64Weights(op: Op<"linear">): { w: Float64Array; b: Float64Array | null } {
  let cached = weightCache.get(op);
  if (cached === undefined) {
    const b = op.bias === null ? null : Float64Array.from(dataOf(op.bias));
    cached = { w: Float64Array.from(dataOf(op.weight)), b };
    weightCache.set(op, cached);
  }
  return cached;
}

/**
 * out[t, o] = f32(bias[o] + sum_i w[o, i] * x[t, i]), summed in i order from the bias.
 */
export function linear(op: Op<"linear">, x: Buffer): Buffer {
  const { w, b } = float64Weights(op);
  const [outF, inF] = op.weight.shape as [number, number];
  const out = makeBuffer(x.rows, outF);
  const rows = x.rows - (x.rows % 4);
  denseFourSteps(w, b, outF, inF, x.data, out.data, rows);
  for (let t = rows; t < x.rows; t++) {
    for (let o = 0; o < outF; o++) {
      let acc = b === null ? 0 : b[o]!;
      for (let i = 0; i < inF; i++) acc += w[o * inF + i]! * x.data[t * inF + i]!;
      out.data[t * outF + o] = acc;
    }
  }
  return out;
}

/**
 * linear's steps below `rows` (a multiple of four), four at a time, so that each weight is
 * loaded once for four products; every sum is still its own, in i order. A function of plain
 * arrays and numbers, so that its loop is compiled for exactly these array types.
 */
function denseFourSteps(
  w: Float64Array,
  b: Float64Array | null,
  outF: number,
  inF: number,
  xs: Float32Array,
  ys: Float32Array,
  rows: number,
): void {
  for (let t = 0; t < rows; t += 4) {
    const x0 = t * inF;
    for (let o = 0; o < outF; o++) {
      const bias = b === null ? 0 : b[o]!;
      let a0 = bias;
      let a1 = bias;
      let a2 = bias;
      let a3 = bias;
      for (let i = 0, wi = o * inF; i < inF; i++, wi++) {
        const wv = w[wi]!;
        a0 += wv * xs[x0 + i]!;
        a1 += wv * xs[x0 + inF + i]!;
        a2 += wv * xs[x0 + 2 * inF + i]!;
        a3 += wv * xs[x0 + 3 * inF + i]!;
      }
      ys[t * outF + o] = a0;
      ys[(t + 1) * outF + o] = a1;
      ys[(t + 2) * outF + o] = a2;
      ys[(t + 3) * outF + o] = a3;
    }
  }
}

export function layerNorm(op: Op<"layer-norm">, x: Buffer): Buffer {
  const w = dataOf(op.weight);
  const b = dataOf(op.bias);
  const n = x.cols;
  const out = makeBuffer(x.rows, n);
  for (let t = 0; t < x.rows; t++) {
    const row = x.data.subarray(t * n, (t + 1) * n);
    let mean = 0;
    for (let h = 0; h < n; h++) mean += row[h]!;
    mean /= n;
    let variance = 0;
    for (let h = 0; h < n; h++) variance += (row[h]! - mean) ** 2;
    variance /= n;
    const inv = 1 / Math.sqrt(variance + op.eps);
    for (let h = 0; h < n; h++) out.data[t * n + h] = (row[h]! - mean) * inv * w[h]! + b[h]!;
  }
  return out;
}

export function batchNorm(op: Op<"batch-norm">, x: Buffer): Buffer {
  const w = dataOf(op.weight);
  const b = dataOf(op.bias);
  const mean = dataOf(op.mean);
  const variance = dataOf(op.variance);
  const n = x.cols;
  const invStd = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + op.eps));
  const out = makeBuffer(x.rows, n);
  for (let i = 0; i < x.data.length; i++) {
    const h = i % n;
    out.data[i] = (x.data[i]! - mean[h]!) * invStd[h]! * w[h]! + b[h]!;
  }
  return out;
}

export function gelu(x: Buffer): Buffer {
  const out = makeBuffer(x.rows, x.cols);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i]!;
    out.data[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
  return out;
}

export function relu(x: Buffer): Buffer {
  const out = makeBuffer(x.rows, x.cols);
  for (let i = 0; i < x.data.length; i++) out.data[i] = Math.max(0, x.data[i]!);
  return out;
}

/** a * sigmoid(b), a = the first half of the channels, sigmoid(b) = 1 / (1 + exp(-b)). */
export function glu(x: Buffer): Buffer {
  const h = x.cols / 2;
  const out = makeBuffer(x.rows, h);
  for (let t = 0; t < x.rows; t++) {
    for (let c = 0; c < h; c++) {
      const a = x.data[t * x.cols + c]!;
      const g = x.data[t * x.cols + h + c]!;
      out.data[t * h + c] = a * (1 / (1 + Math.exp(-g)));
    }
  }
  return out;
}

export function add(a: Buffer, b: Buffer): Buffer {
  const out = makeBuffer(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = a.data[i]! + b.data[i]!;
  return out;
}

export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]!));
  return m;
}

/** The QS4D max quantizer's scale s = f32(f32(1 / max(m, 1e-5)) * Q/2) (README, all float32). */
export function sampleScale(m: number, levels: number): number {
  const clipped = Math.max(fround(m), fround(1e-5));
  return fround(fround(1 / clipped) * (levels / 2));
}

/** Code of the max quantizer: clamp(rhe(f32(v * s)), -Q//2, Q//2). */
export function sampleCode(v: number, scale: number, levels: number): number {
  const bound = Math.floor(levels / 2);
  return clamp(roundHalfEven(fround(v * scale)), -bound, bound);
}

/**
 * Per-sample fake quantization (act_quant): code / s as a float32 division, s from
 * `sequenceMax`, the largest |x| of the whole sequence (by default x's own).
 */
export function fakeQuant(op: Op<"fake-quant">, x: Buffer, sequenceMax = maxAbs(x.data)): Buffer {
  const scale = sampleScale(sequenceMax, op.levels);
  const out = makeBuffer(x.rows, x.cols);
  for (let i = 0; i < x.data.length; i++)
    out.data[i] = sampleCode(x.data[i]!, scale, op.levels) / scale;
  return out;
}

/** out[c] = f32((sum_t x[t, c]) / rows), summed in t order. */
export function meanPool(x: Buffer): Buffer {
  const out = makeBuffer(1, x.cols);
  for (let c = 0; c < x.cols; c++) {
    let acc = 0;
    for (let t = 0; t < x.rows; t++) acc += x.data[t * x.cols + c]!;
    out.data[c] = acc / x.rows;
  }
  return out;
}
