// The reference executor: the whole stack, one time step after another. Between steps it
// keeps each layer's SSM state ([H, M] complex, or a window of `taps` inputs for a FIR
// kernel) and the running sum of the mean pool: memory independent of the sequence length
// for recurrent SSMs.
//
// Per-sample dynamic quantizers (qs4d-max: u and the layer output, scale from the max over the
// sample's whole [H, L] block) are not causal: step t needs a maximum over all steps. They are
// resolved honestly by re-running: pass p streams the sample up to dynamic point p (with the
// scales of points 0..p-1 known) and records its max; a final pass produces the logits. This
// keeps memory O(1) in L at the price of P + 1 partial passes for P dynamic points.

import { maxQuantScale } from "../arith/quantize.js";
import { dense, layerBody, layerInput, layerOutput, maxAbsOf, quantizeDynamic } from "./block.js";
import { roundToF32 } from "./numeric.js";
import type { Plan } from "./plan.js";
import { type SsmStepper, stepperFor } from "./ssm-step.js";
import type { TraceRecorder } from "./trace.js";

type StepTrace = (layer: number, uq: Float64Array | null, yq: Float64Array | null) => void;

/** The stack's per-step buffers and SSM states. */
class Stack {
  private readonly steppers: SsmStepper[];
  private readonly x: Float64Array;
  private readonly z: Float64Array;
  private readonly y: Float64Array;
  private readonly mixed: Float64Array;
  private readonly scratch: Float64Array;
  private readonly codes: Float64Array;

  constructor(private readonly plan: Plan) {
    const H = plan.channels;
    this.steppers = plan.layers.map((layer) => stepperFor(layer.ssm));
    this.x = new Float64Array(H);
    this.z = new Float64Array(H);
    this.y = new Float64Array(H);
    this.mixed = new Float64Array(H);
    this.scratch = new Float64Array(2 * H);
    this.codes = new Float64Array(H);
  }

  /** The last layer's output after a complete step. */
  get top(): Float64Array {
    return this.x;
  }

  reset(): void {
    for (const s of this.steppers) s.reset();
  }

  /**
   * Step t (the input row at `offset`). With probe >= 0 the step stops at that dynamic point
   * and returns max |.| there; otherwise it runs to the top and returns -1.
   */
  step(
    input: Float64Array,
    offset: number,
    scales: Float64Array,
    probe: number,
    trace: StepTrace | null,
  ): number {
    const { plan, x, z, y, mixed } = this;
    const f32 = plan.f32;
    dense(plan.encoder, input, offset, x);
    if (f32) roundToF32(x);
    for (const layer of plan.layers) {
      layerInput(layer, x, z, f32);
      const iq = layer.inputQuant;
      if (iq !== null) {
        if (probe === iq.point) return maxAbsOf(z);
        quantizeDynamic(z, scales[iq.point]!, iq.levels, trace === null ? null : this.codes);
      }
      const stepper = this.steppers[layer.index]!;
      stepper.step(z, y);
      trace?.(layer.index, stepper.uq ?? (iq === null ? null : this.codes), stepper.yq);
      const out = layerBody(layer, y, this.scratch, mixed, f32);
      const oq = layer.outputQuant;
      if (oq?.kind === "dynamic") {
        if (probe === oq.point) return maxAbsOf(out);
        quantizeDynamic(out, scales[oq.point]!, oq.levels, null);
      }
      layerOutput(layer, out, x, f32);
    }
    return -1;
  }
}

/** Mean pool and decoder: logits [classes] from the summed top outputs. */
export function decode(
  plan: Plan,
  pooled: Float64Array,
  length: number,
  logits: Float64Array,
): void {
  for (let h = 0; h < pooled.length; h++) pooled[h] = pooled[h]! / length;
  if (plan.f32) roundToF32(pooled);
  dense(plan.decoder, pooled, 0, logits);
  if (plan.f32) roundToF32(logits);
}

/**
 * Logits [batch, classes] of `input` ([batch, plan.length, dIn] row-major), one sample at a time.
 */
export function runStreaming(
  plan: Plan,
  input: Float64Array,
  batch: number,
  trace: TraceRecorder | null,
): Float64Array {
  const { dIn, channels: H, classes, length } = plan;
  const stack = new Stack(plan);
  const logits = new Float64Array(batch * classes);
  const scales = new Float64Array(plan.points.length);
  const pooled = new Float64Array(H);
  for (let b = 0; b < batch; b++) {
    const base = b * length * dIn;
    plan.points.forEach((point, p) => {
      stack.reset();
      let max = 0;
      for (let t = 0; t < length; t++) {
        max = Math.max(max, stack.step(input, base + t * dIn, scales, p, null));
      }
      scales[p] = maxQuantScale(max, point.levels);
    });
    stack.reset();
    pooled.fill(0);
    for (let t = 0; t < length; t++) {
      const record: StepTrace | null =
        trace === null ? null : (layer, uq, yq) => trace.record(b, layer, t, uq, yq);
      stack.step(input, base + t * dIn, scales, -1, record);
      const top = stack.top;
      for (let h = 0; h < H; h++) pooled[h] = pooled[h]! + top[h]!;
    }
    decode(plan, pooled, length, logits.subarray(b * classes, (b + 1) * classes));
  }
  return logits;
}
