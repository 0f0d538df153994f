// The reference executor: the whole stack, one block of BLOCK time steps after another (each
// layer takes the block's steps in order, then the next layer; every step's numbers are those
// of one step at a time). Between blocks it keeps each layer's SSM state ([H, M] complex, or a
// window of `taps` inputs for a FIR kernel) and the running sum of the mean pool: memory
// independent of the sequence length for recurrent SSMs.
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

/** A layer's integers at step t of the current block ([H] each; null when it has none). */
type StepTrace = (
  layer: number,
  t: number,
  uq: Float64Array | null,
  yq: Float64Array | null,
) => void;

/**
 * Time steps run in blocks of this many: each layer takes the whole block before the next
 * layer does (the weights of a layer stay in cache over the block's steps); the buffers are
 * [BLOCK, H], memory still independent of the sequence length.
 */
const BLOCK = 32;

/** The per-block buffers, [steps, H] (scratch [steps, 2H]), for blocks of `steps` steps. */
interface Buffers {
  readonly x: Float64Array;
  readonly z: Float64Array;
  readonly y: Float64Array;
  readonly mixed: Float64Array;
  readonly scratch: Float64Array;
  readonly codes: Float64Array;
}

function buffers(H: number, steps: number, of: Buffers | null = null): Buffers {
  const take = (full: Float64Array | undefined, size: number) =>
    full === undefined ? new Float64Array(size) : full.subarray(0, size);
  return {
    x: take(of?.x, steps * H),
    z: take(of?.z, steps * H),
    y: take(of?.y, steps * H),
    mixed: take(of?.mixed, steps * H),
    scratch: take(of?.scratch, steps * 2 * H),
    codes: take(of?.codes, steps * H),
  };
}

/** The stack's per-block buffers and SSM states. */
class Stack {
  private readonly steppers: SsmStepper[];
  private readonly full: Buffers;
  /** The buffers of the block that ran last. */
  private current: Buffers;

  constructor(private readonly plan: Plan) {
    this.steppers = plan.layers.map((layer) => stepperFor(layer.ssm, BLOCK));
    this.full = buffers(plan.channels, BLOCK);
    this.current = this.full;
  }

  /** The last layer's outputs [steps, H] after a complete block. */
  get top(): Float64Array {
    return this.current.x;
  }

  reset(): void {
    for (const s of this.steppers) s.reset();
  }

  /**
   * Steps [t, t + steps) (input rows from `offset`), steps <= BLOCK. With probe >= 0 the block
   * stops at that dynamic point and returns max |.| there; otherwise it runs to the top and
   * returns -1.
   */
  block(
    input: Float64Array,
    offset: number,
    steps: number,
    scales: Float64Array,
    probe: number,
    trace: StepTrace | null,
  ): number {
    const { plan } = this;
    const H = plan.channels;
    const f32 = plan.f32;
    if (this.current.x.length !== steps * H)
      this.current = steps === BLOCK ? this.full : buffers(H, steps, this.full);
    const { x, z, y, mixed, scratch, codes } = this.current;
    dense(plan.encoder, input, offset, x, steps);
    if (f32) roundToF32(x);
    for (const layer of plan.layers) {
      layerInput(layer, x, z, f32);
      const iq = layer.inputQuant;
      if (iq !== null) {
        if (probe === iq.point) return maxAbsOf(z);
        quantizeDynamic(z, scales[iq.point]!, iq.levels, trace === null ? null : codes);
      }
      const stepper = this.steppers[layer.index]!;
      stepper.step(z, y);
      if (trace !== null) {
        const uq = stepper.uq ?? (iq === null ? null : codes);
        for (let t = 0; t < steps; t++) trace(layer.index, t, row(uq, t, H), row(stepper.yq, t, H));
      }
      const out = layerBody(layer, y, scratch, mixed, f32);
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

function row(a: Float64Array | null, t: number, H: number): Float64Array | null {
  return a === null ? null : a.subarray(t * H, (t + 1) * H);
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
      for (let t = 0; t < length; t += BLOCK) {
        const steps = Math.min(BLOCK, length - t);
        max = Math.max(max, stack.block(input, base + t * dIn, steps, scales, p, null));
      }
      scales[p] = maxQuantScale(max, point.levels);
    });
    stack.reset();
    pooled.fill(0);
    for (let t0 = 0; t0 < length; t0 += BLOCK) {
      const steps = Math.min(BLOCK, length - t0);
      const record: StepTrace | null =
        trace === null ? null : (layer, t, uq, yq) => trace.record(b, layer, t0 + t, uq, yq);
      stack.block(input, base + t0 * dIn, steps, scales, -1, record);
      const top = stack.top;
      for (let t = 0; t < steps; t++)
        for (let h = 0; h < H; h++) pooled[h] = pooled[h]! + top[t * H + h]!;
    }
    decode(plan, pooled, length, logits.subarray(b * classes, (b + 1) * classes));
  }
  return logits;
}
