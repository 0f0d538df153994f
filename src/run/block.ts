// The pointwise-in-time parts of the network: dense layers, norms, activations, channel mixing
// and activation quantizers, on one time step's vector or on a block of consecutive steps
// ([steps, H], time-major): each step's numbers are computed by the same operations in the same
// order either way. Both engines use these, so they differ only where they should: in how the
// SSM and the per-sample maxima are computed.

import { fround } from "../arith/numeric.js";
import { affineCode, maxQuantBound, maxQuantCode, maxQuantValue } from "../arith/quantize.js";
import { gelu, roundToF32, sigmoid } from "./numeric.js";
import type { DensePlan, LayerPlan, MixingPlan, NormPlan, StaticActQuant } from "./plan.js";

/**
 * out[s] = W x[offset + s cols ..] + b for `steps` consecutive input vectors (out: [steps, rows]),
 * each row summed in column order from its bias. Four rows at a time over every step, so that
 * those rows of W stay in the nearest cache while the steps go by and each x[c] is loaded once
 * for four products; every sum is still its own, in its own order.
 */
export function dense(
  p: DensePlan,
  x: Float64Array,
  offset: number,
  out: Float64Array,
  steps = 1,
): void {
  const { rows, cols, w, b } = p;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const row = r * cols;
    const b0 = b === null ? 0 : b[r]!;
    const b1 = b === null ? 0 : b[r + 1]!;
    const b2 = b === null ? 0 : b[r + 2]!;
    const b3 = b === null ? 0 : b[r + 3]!;
    for (let s = 0; s < steps; s++) {
      const at = offset + s * cols;
      let a0 = b0;
      let a1 = b1;
      let a2 = b2;
      let a3 = b3;
      for (let c = 0; c < cols; c++) {
        const v = x[at + c]!;
        a0 += w[row + c]! * v;
        a1 += w[row + cols + c]! * v;
        a2 += w[row + 2 * cols + c]! * v;
        a3 += w[row + 3 * cols + c]! * v;
      }
      const o = s * rows + r;
      out[o] = a0;
      out[o + 1] = a1;
      out[o + 2] = a2;
      out[o + 3] = a3;
    }
  }
  for (; r < rows; r++) {
    for (let s = 0; s < steps; s++) {
      const at = offset + s * cols;
      let acc = b === null ? 0 : b[r]!;
      for (let c = 0; c < cols; c++) acc += w[r * cols + c]! * x[at + c]!;
      out[s * rows + r] = acc;
    }
  }
}

/** Normalizes each [n] row of v (n = the norm's width) into out. */
function normalize(p: NormPlan, v: Float64Array, out: Float64Array): void {
  const n = p.weight.length;
  for (let at = 0; at < v.length; at += n) normalizeRow(p, v, out, at, n);
}

function normalizeRow(p: NormPlan, v: Float64Array, out: Float64Array, at: number, n: number) {
  if (p.kind === "batch") {
    for (let h = 0; h < n; h++) {
      out[at + h] = (v[at + h]! - p.mean[h]!) * p.invStd[h]! * p.weight[h]! + p.bias[h]!;
    }
    return;
  }
  let mean = 0;
  for (let h = 0; h < n; h++) mean += v[at + h]!;
  mean /= n;
  let variance = 0;
  for (let h = 0; h < n; h++) variance += (v[at + h]! - mean) ** 2;
  variance /= n; // biased, as LayerNorm
  const inv = 1 / Math.sqrt(variance + p.eps);
  for (let h = 0; h < n; h++) out[at + h] = (v[at + h]! - mean) * inv * p.weight[h]! + p.bias[h]!;
}

function activate(kind: LayerPlan["activation"], v: Float64Array): void {
  if (kind === "gelu") for (let h = 0; h < v.length; h++) v[h] = gelu(v[h]!);
  else if (kind === "relu") for (let h = 0; h < v.length; h++) v[h] = Math.max(0, v[h]!);
}

/**
 * Conv1d(k=1) then GLU (a * sigmoid(b), a = first half), ReLU, or nothing, on each step of y
 * ([steps, H]); scratch holds the dense outputs ([steps, rows] at its start).
 */
function mix(
  p: MixingPlan,
  y: Float64Array,
  scratch: Float64Array,
  out: Float64Array,
  f32: boolean,
): void {
  const width = p.dense.rows;
  const steps = y.length / p.dense.cols;
  const H = out.length / steps;
  dense(p.dense, y, 0, scratch, steps);
  if (f32) roundToF32(scratch, steps * width);
  for (let s = 0; s < steps; s++) {
    const at = s * width;
    const o = s * H;
    for (let h = 0; h < H; h++) {
      const a = scratch[at + h]!;
      if (p.kind === "glu") out[o + h] = a * sigmoid(scratch[at + H + h]!);
      else if (p.kind === "relu") out[o + h] = Math.max(0, a);
      else out[o + h] = a;
    }
  }
}

export function maxAbsOf(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** The max quantizer with a known scale, in place; codes go to `codes` when given. */
export function quantizeDynamic(
  v: Float64Array,
  scale: number,
  levels: number,
  codes: Float64Array | null,
): void {
  const bound = maxQuantBound(levels);
  for (let h = 0; h < v.length; h++) {
    const q = maxQuantCode(v[h]!, scale, bound);
    if (codes !== null) codes[h] = q;
    v[h] = maxQuantValue(q, scale);
  }
}

/** A static affine fake-quantizer, in place (float32 dequantized values). */
function quantizeStatic(v: Float64Array, p: StaticActQuant): void {
  const zp = p.quantizer.zeroPoint;
  for (let h = 0; h < v.length; h++) {
    v[h] = fround((affineCode(p.quantizer, v[h]!, p.scale) - zp) * p.scale);
  }
}

// A layer around its SSM, in three parts: what comes before the SSM, what comes after it up to
// the (dynamic) output quantizer, and the rest. Both engines call these per time step or per
// block of steps ([steps, H] buffers of one length).

/** The SSM input: the pre-norm of the layer input x, or x itself. */
export function layerInput(layer: LayerPlan, x: Float64Array, z: Float64Array, f32: boolean): void {
  if (layer.norm === null || layer.normPosition !== "pre") {
    z.set(x);
    return;
  }
  normalize(layer.norm, x, z);
  if (f32) roundToF32(z);
}

/** Activation and mixing of the SSM output y (in place); returns the buffer holding the result. */
export function layerBody(
  layer: LayerPlan,
  y: Float64Array,
  scratch: Float64Array,
  mixed: Float64Array,
  f32: boolean,
): Float64Array {
  if (f32) roundToF32(y);
  activate(layer.activation, y);
  if (f32) roundToF32(y);
  if (layer.mixing === null) return y;
  mix(layer.mixing, y, scratch, mixed, f32);
  if (f32) roundToF32(mixed);
  return mixed;
}

/** A static output quantizer, the residual of the layer input x, the post-norm; result in x. */
export function layerOutput(
  layer: LayerPlan,
  out: Float64Array,
  x: Float64Array,
  f32: boolean,
): void {
  if (layer.outputQuant?.kind === "affine") quantizeStatic(out, layer.outputQuant);
  if (layer.residual) {
    for (let h = 0; h < out.length; h++) out[h] = out[h]! + x[h]!;
    if (f32) roundToF32(out);
  }
  if (layer.norm !== null && layer.normPosition === "post") {
    normalize(layer.norm, out, x);
    if (f32) roundToF32(x);
  } else {
    x.set(out);
  }
}
