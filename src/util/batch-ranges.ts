// A batch cut into contiguous ranges of samples, one per worker thread, each range a worker's
// one job, and the ranges' per-sample outputs ([n, ...] sample-major) put back together in
// order (src/emulate/batch.ts, src/run/batch.ts).

import { oneJob, type WorkerScript } from "./worker-script.js";

/** [0, batch) in `count` contiguous ranges, as even as can be. */
export function cutBatch(batch: number, count: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [
    Math.floor((i * batch) / count),
    Math.floor(((i + 1) * batch) / count),
  ]);
}

/** The parts one after the other, in a new array of their type. */
export function concatRanges<T extends Float32Array | Int32Array>(parts: readonly T[]): T {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new (parts[0]!.constructor as new (n: number) => T)(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A range's job for its worker, and the buffers it moves there rather than copies. */
export interface RangeJob {
  readonly job: unknown;
  readonly transfer: readonly ArrayBuffer[];
}

/**
 * One worker per range of [0, batch) (cutBatch), each given `jobOf(from, to)`: their replies
 * in range order. The first failure is thrown and every worker stopped.
 */
export async function onWorkers<R extends object>(
  script: WorkerScript,
  batch: number,
  count: number,
  jobOf: (from: number, to: number) => RangeJob,
): Promise<R[]> {
  const workers = cutBatch(batch, count).map(([from, to]) => {
    const { job, transfer } = jobOf(from, to);
    return oneJob<R>(script, job, transfer);
  });
  try {
    return await Promise.all(workers.map((w) => w.result));
  } finally {
    for (const w of workers) w.stop();
  }
}

/** A worker's samples [n, length, dIn] of a batch, what it runs them on, and how. */
export interface SamplesJob<M, O> {
  readonly model: M;
  readonly inputs: Float32Array | Float64Array;
  readonly shape: readonly [number, number, number];
  /** `firstSample`: the range's first sample in the batch, for diagnostics. */
  readonly options: O & { readonly firstSample: number };
}

/** The jobs of a batch `inputs` [batch, length, dIn]: each range's samples copied out, then moved. */
export function samplesJobs<M, O>(
  model: M,
  inputs: Float32Array | Float64Array,
  [length, dIn]: readonly [number, number],
  options: O,
): (from: number, to: number) => RangeJob {
  const size = length * dIn;
  return (from, to) => {
    const job: SamplesJob<M, O> = {
      model,
      inputs: inputs.slice(from * size, to * size),
      shape: [to - from, length, dIn],
      options: { ...options, firstSample: from },
    };
    return { job, transfer: [job.inputs.buffer as ArrayBuffer] };
  };
}
