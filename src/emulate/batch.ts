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
import { sharedTables } from "../util/shared-tables.js";
import { oneJob, type WorkerFault, workerScript } from "../util/worker-script.js";
import { type EmulateOptions, type EmulateResult, emulate, loweredProgram } from "./index.js";

/** To a worker: its samples, [n, length, dIn]. */
export interface EmulateJob {
  readonly model: Model;
  readonly inputs: Float32Array | Float64Array;
  readonly shape: readonly [number, number, number];
  readonly options: EmulateOptions;
}

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
  const ranges = cut(batch, count);
  const size = length * dIn;
  const shared = sharedTables(model);
  const workers = ranges.map(([from, to]) => {
    const job: EmulateJob = {
      model: shared,
      inputs: inputs.slice(from * size, to * size),
      shape: [to - from, length, dIn],
      options: { ...emulateOptions, firstSample: from },
    };
    return oneJob<EmulateResult>(script, job, [job.inputs.buffer as ArrayBuffer]);
  });
  try {
    return joined(await Promise.all(workers.map((w) => w.result)));
  } finally {
    for (const w of workers) w.stop();
  }
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

/** [0, batch) in `count` contiguous ranges, as even as can be. */
function cut(batch: number, count: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [
    Math.floor((i * batch) / count),
    Math.floor(((i + 1) * batch) / count),
  ]);
}

/** The ranges' results, in order, as one batch's. */
function joined(parts: readonly EmulateResult[]): EmulateResult {
  const classes = parts[0]!.classes;
  const batch = parts.reduce((n, p) => n + p.batch, 0);
  const logits = new Float32Array(batch * classes);
  let at = 0;
  for (const p of parts) {
    logits.set(p.logits, at * classes);
    at += p.batch;
  }
  const first = parts[0]!.traces;
  const traces =
    first === null
      ? null
      : first.map((t, i) => ({
          layer: t.layer,
          uq: concat(parts.map((p) => p.traces![i]!.uq)),
          yq: concat(parts.map((p) => p.traces![i]!.yq)),
        }));
  return { logits, batch, classes, traces };
}

function concat(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
