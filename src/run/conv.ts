// The convolution-form twin of the reference executor, for cross-checks: layer by layer over
// whole sequences ([L, H] buffers), each SSM as y = causal_conv(u, K) + D u with the kernel
// K[h, l] = 2 Re(sum_n C Bbar lambda^l) computed from its parameters, and per-sample maxima
// taken directly over the [H, L] block. Memory O(L H); time O(L^2 H) per layer.
//
// For qs4d-symmetric-v1 the conv form is the exported ONNX graph's semantics (README
// 'Quantization in the ONNX files'): dequantized dA, dB, C, D and quantized u and y, but no
// state quantization, which only exists in the recurrence.

import { clamp, fround, roundHalfEven } from "../arith/numeric.js";
import { maxQuantScale } from "../arith/quantize.js";
import { dense, layerBody, layerInput, layerOutput, maxAbsOf, quantizeDynamic } from "./block.js";
import { diagonalKernel } from "./kernel.js";
import { roundToF32 } from "./numeric.js";
import type { LayerPlan, Plan } from "./plan.js";
import type { DiagonalSsm, IntegerSsm, SsmPlan } from "./ssm-plan.js";
import { decode } from "./stream.js";
import type { TraceRecorder } from "./trace.js";

/** y[t, h] = sum_{l <= min(t, taps-1)} k[h, l] u[t-l, h] + d[h] u[t, h], time-major [L, H]. */
function causalConv(
  k: Float64Array,
  taps: number,
  d: Float64Array,
  u: Float64Array,
  length: number,
) {
  const H = d.length;
  const y = new Float64Array(length * H);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < length; t++) {
      let acc = 0;
      const span = Math.min(t + 1, taps);
      for (let l = 0; l < span; l++) acc += k[h * taps + l]! * u[(t - l) * H + h]!;
      y[t * H + h] = acc + d[h]! * u[t * H + h]!;
    }
  }
  return y;
}

/** The integer core's parameters dequantized (float32 values), as the ONNX graph sees them. */
function dequantized(ssm: IntegerSsm): DiagonalSsm {
  const M = ssm.modes;
  const perMode = (codes: Float64Array, scale: Float64Array) =>
    codes.map((c, m) => fround(c * scale[Math.floor(m / M)]!));
  return {
    kind: "diagonal",
    channels: ssm.channels,
    modes: M,
    lamRe: perMode(ssm.ar, ssm.sA),
    lamIm: perMode(ssm.ai, ssm.sA),
    bRe: perMode(ssm.br, ssm.sB),
    bIm: perMode(ssm.bi, ssm.sB),
    cRe: perMode(ssm.cr, ssm.sC),
    cIm: perMode(ssm.ci, ssm.sC),
    d: ssm.dq.map((c, h) => fround(c * ssm.sD[h]!)),
  };
}

interface ConvOutput {
  readonly y: Float64Array;
  /** [L, H] codes for the trace, when the SSM quantizes them. */
  readonly uq: Float64Array | null;
  readonly yq: Float64Array | null;
}

function integerConv(ssm: IntegerSsm, u: Float64Array, length: number): ConvOutput {
  const [uLo, uHi] = ssm.uRange;
  const [yLo, yHi] = ssm.yRange;
  const uq = u.map((v) => clamp(roundHalfEven(fround(fround(v) / ssm.su)), uLo, uHi));
  const ud = uq.map((q) => fround(q * ssm.su));
  const diag = dequantized(ssm);
  const y = causalConv(diagonalKernel(diag, length), length, diag.d, ud, length);
  const yq = y.map((v) => clamp(roundHalfEven(fround(fround(v) / ssm.sy)), yLo, yHi));
  return { y: yq.map((q) => fround(q * ssm.sy)), uq, yq };
}

function ssmConv(ssm: SsmPlan, u: Float64Array, length: number): ConvOutput {
  switch (ssm.kind) {
    case "diagonal":
      return {
        y: causalConv(diagonalKernel(ssm, length), length, ssm.d, u, length),
        uq: null,
        yq: null,
      };
    case "fir":
      return { y: causalConv(ssm.k, ssm.taps, ssm.d, u, length), uq: null, yq: null };
    case "integer":
      return integerConv(ssm, u, length);
  }
}

/** Apply `f` to each time step's [H] row of a time-major buffer. */
function eachStep(buf: Float64Array, H: number, f: (row: Float64Array, t: number) => void): void {
  for (let t = 0; t < buf.length / H; t++) f(buf.subarray(t * H, (t + 1) * H), t);
}

function dynamicQuantize(buf: Float64Array, levels: number, codes: Float64Array | null): void {
  quantizeDynamic(buf, maxQuantScale(maxAbsOf(buf), levels), levels, codes);
}

function runLayer(
  plan: Plan,
  layer: LayerPlan,
  x: Float64Array,
  length: number,
  record: ((t: number, uq: Float64Array | null, yq: Float64Array | null) => void) | null,
): void {
  const H = plan.channels;
  const f32 = plan.f32;
  const z = new Float64Array(x.length);
  eachStep(z, H, (row, t) => layerInput(layer, x.subarray(t * H, (t + 1) * H), row, f32));
  let codes: Float64Array | null = null;
  if (layer.inputQuant !== null) {
    codes = record === null ? null : new Float64Array(z.length);
    dynamicQuantize(z, layer.inputQuant.levels, codes);
  }
  const out = ssmConv(layer.ssm, z, length);
  if (record !== null) {
    const uq = out.uq ?? codes;
    for (let t = 0; t < length; t++) {
      const at = (a: Float64Array | null) => a?.subarray(t * H, (t + 1) * H) ?? null;
      record(t, at(uq), at(out.yq));
    }
  }
  const body = new Float64Array(length * H);
  const scratch = new Float64Array(2 * H);
  const mixed = new Float64Array(H);
  eachStep(out.y, H, (row, t) => {
    body.set(layerBody(layer, row, scratch, mixed, f32), t * H);
  });
  const oq = layer.outputQuant;
  if (oq?.kind === "dynamic") dynamicQuantize(body, oq.levels, null);
  eachStep(body, H, (row, t) => layerOutput(layer, row, x.subarray(t * H, (t + 1) * H), f32));
}

/** Logits [batch, classes] of `input` ([batch, plan.length, dIn]) in convolution form. */
export function runConvolution(
  plan: Plan,
  input: Float64Array,
  batch: number,
  trace: TraceRecorder | null,
): Float64Array {
  const { dIn, channels: H, classes, length } = plan;
  const logits = new Float64Array(batch * classes);
  for (let b = 0; b < batch; b++) {
    const x = new Float64Array(length * H);
    eachStep(x, H, (row, t) => {
      dense(plan.encoder, input, (b * length + t) * dIn, row);
      if (plan.f32) roundToF32(row);
    });
    for (const layer of plan.layers) {
      const record =
        trace === null
          ? null
          : (t: number, uq: Float64Array | null, yq: Float64Array | null) =>
              trace.record(b, layer.index, t, uq, yq);
      runLayer(plan, layer, x, length, record);
    }
    const pooled = new Float64Array(H);
    eachStep(x, H, (row) => {
      for (let h = 0; h < H; h++) pooled[h] = pooled[h]! + row[h]!;
    });
    decode(plan, pooled, length, logits.subarray(b * classes, (b + 1) * classes));
  }
  return logits;
}
