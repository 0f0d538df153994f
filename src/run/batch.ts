// The reference executor's batch on worker threads (run-worker.ts), as the emulator's
// (src/emulate/batch.ts): the samples are independent (a per-sample quantizer scales its own
// sample; the kernel's quantization is the model's), so the batch is cut into one contiguous
// range per worker and the ranges' logits and traces joined in order: the same numbers for any
// thread count. The input is checked whole first, so that a bad value is named by its index
// in the whole batch.

import { availableParallelism } from "node:os";
import type { Model } from "../ir/model.js";
import { concatRanges, onWorkers, type SamplesJob, samplesJobs } from "../util/batch-ranges.js";
import { sharedTables } from "../util/shared-tables.js";
import { type WorkerFault, workerScript } from "../util/worker-script.js";
import { checkInput, type RunInput, type RunOptions, type RunResult, runModel } from "./index.js";

/** To a worker: its samples, [n, length, dIn]. */
export type RunJob = SamplesJob<Model, RunOptions>;

export type RunReply = ({ readonly kind: "ran" } & RunResult) | WorkerFault;

/**
 * Multiply-adds a worker should have to do to be worth starting: about a third of a second of
 * work (the sCIFAR-sized model runs 5.7e8 a second), three times what starting it costs.
 */
const WORK_PER_WORKER = 2e8;

/**
 * runModel() with the batch spread over `threads` worker threads (default: the machine's
 * parallelism when the work pays for starting them); the same result for any thread count.
 */
export async function runBatch(
  model: Model,
  inputs: RunInput,
  shape: readonly number[],
  options: RunOptions & { readonly threads?: number } = {},
): Promise<RunResult> {
  const { threads, ...runOptions } = options;
  const { batch, length, data } = checkInput(model, inputs, shape, runOptions.inputName);
  const count = Math.min(batch, threads ?? defaultThreads(model, batch * length));
  const script = count > 1 ? workerScript(import.meta.url, "run-worker") : null;
  if (script === null) return runModel(model, inputs, shape, runOptions);
  const sampleShape = [length, model.config.dIn] as const;
  const jobs = samplesJobs(sharedTables(model), data, sampleShape, runOptions);
  const parts = await onWorkers<RunResult>(script, batch, count, jobs);
  return joined(parts);
}

/** One per WORK_PER_WORKER of the batch's state updates and channel mixing, at most the cores. */
function defaultThreads(model: Model, steps: number): number {
  const { channels } = model.config;
  let perStep = 0;
  for (const layer of model.layers) perStep += channels * (layer.ssm.modes + channels);
  const worth = Math.floor((steps * perStep) / WORK_PER_WORKER);
  return Math.max(1, Math.min(availableParallelism(), worth));
}

/** The ranges' results, in order, as one batch's. */
function joined(parts: readonly RunResult[]): RunResult {
  const first = parts[0]!;
  const codes = (pick: (p: RunResult) => Int32Array | null) =>
    pick(first) === null ? null : concatRanges(parts.map((p) => pick(p)!));
  const traces =
    first.traces === null
      ? null
      : first.traces.map((t, i) => ({
          layer: t.layer,
          uq: codes((p) => p.traces![i]!.uq),
          yq: codes((p) => p.traces![i]!.yq),
          int8: parts.every((p) => p.traces![i]!.int8),
        }));
  return {
    logits: concatRanges(parts.map((p) => p.logits)),
    batch: parts.reduce((n, p) => n + p.batch, 0),
    classes: first.classes,
    length: first.length,
    traces,
  };
}
