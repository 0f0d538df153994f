// A batch of samples emulated on worker threads (emulate-worker.ts): the samples are independent
// (each sample's per-sample scales are its own), so the batch is cut into one contiguous range
// per thread and the ranges' logits and traces put back in order: the same numbers for any
// thread count. A worker lowers nothing: it is sent the lowered model (its tensors in shared
// memory) and builds its own arrays once (about 0.4 s for the sCIFAR-sized model, hence one
// range per thread rather than a sample at a time). The calling thread only waits: on the
// sCIFAR-sized model it emulated its own range a third slower than a fresh worker did (its heap
// and compiled code shaped by the lowering before), so two workers beat it and one worker.

import { availableParallelism, freemem } from "node:os";
import { RO_FIELDS, RO_POLARITY, RO_SLICE } from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { dataOf } from "../ir/tensor.js";
import { concatRanges, onWorkers, type SamplesJob, samplesJobs } from "../util/batch-ranges.js";
import { sharedTables } from "../util/shared-tables.js";
import { type WorkerFault, workerScript } from "../util/worker-script.js";
import { type EmulateOptions, type EmulateResult, emulate, loweredProgram } from "./index.js";

/** To a worker: its samples, [n, length, dIn]. */
export type EmulateJob = SamplesJob<Model, EmulateOptions>;

export type EmulateReply = ({ readonly kind: "emulated" } & EmulateResult) | WorkerFault;

/** Conversions a worker should have to do to be worth starting (about a second of work). */
const CONVERSIONS_PER_WORKER = 1e7;

/**
 * emulate() with the batch spread over `threads` threads (default: the machine's parallelism
 * when the work pays for starting workers); the same result for any thread count.
 */
export async function emulateBatch(
  model: Model,
  inputs: Float32Array | Float64Array,
  shape: readonly number[],
  options: EmulateOptions & { readonly threads?: number } = {},
): Promise<EmulateResult> {
  const { threads, ...emulateOptions } = options;
  const [batch, length, dIn] = shape as [number, number, number];
  const count = Math.min(batch, threads ?? defaultThreads(model, batch * length));
  const script = count > 1 ? workerScript(import.meta.url, "emulate-worker") : null;
  if (script === null) return emulate(model, inputs, shape, emulateOptions);
  const jobs = samplesJobs(sharedTables(model), inputs, [length, dIn], emulateOptions);
  const parts = await onWorkers<EmulateResult>(script, batch, count, jobs);
  return joined(parts);
}

/**
 * Threads worth starting: one per CONVERSIONS_PER_WORKER of the batch's conversions, at most
 * the machine's parallelism, and no more than half the free memory holds: each worker builds
 * its own arrays, about what this process holds now (250 MB for the sCIFAR-sized model).
 */
function defaultThreads(model: Model, steps: number): number {
  let perStep = 0;
  for (const c of loweredProgram(model).crossbars) {
    const ro = dataOf(c.readouts);
    for (let i = 0; i < ro.length; i += RO_FIELDS)
      if (ro[i + RO_POLARITY]! > 0 && ro[i + RO_SLICE] === 0) perStep++;
  }
  const worth = Math.floor((steps * perStep) / CONVERSIONS_PER_WORKER);
  const room = Math.floor(freemem() / (2 * process.memoryUsage().rss));
  return Math.max(1, Math.min(availableParallelism(), worth, room));
}

/** The ranges' results, in order, as one batch's. */
function joined(parts: readonly EmulateResult[]): EmulateResult {
  const first = parts[0]!;
  const traces =
    first.traces === null
      ? null
      : first.traces.map((t, i) => ({
          layer: t.layer,
          uq: concatRanges(parts.map((p) => p.traces![i]!.uq)),
          yq: concatRanges(parts.map((p) => p.traces![i]!.yq)),
        }));
  return {
    logits: concatRanges(parts.map((p) => p.logits)),
    batch: parts.reduce((n, p) => n + p.batch, 0),
    classes: first.classes,
    traces,
  };
}
