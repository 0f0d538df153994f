// The calibration forwards on worker threads (node:worker_threads), called from the passes'
// synchronous pipeline: each worker gets its job in workerData, posts its statistics on a
// MessagePort and counts itself done in a shared Int32Array; this thread sleeps in
// Atomics.wait until every worker has counted, then takes the replies with
// receiveMessageOnPort. The worker script is calibrate-worker.js next to this module when
// built; under tsx or vitest the TypeScript source, loaded through tsx's ESM API; without
// tsx, the jobs run in this thread.

import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { SsmStats } from "../passes/lib/calibrate.js";
import type { StatsJob } from "./calibrate.js";
import { jobStats } from "./calibrate.js";

/** What a worker posts: its statistics, or why it has none. */
export type StatsReply =
  | { readonly kind: "stats"; readonly stats: SsmStats[] }
  | { readonly kind: "error"; readonly message: string };

/**
 * The code a worker evaluates: import the worker module, and if even that fails, still post
 * the error and count itself done, so that this thread never waits for a worker that died.
 */
function bootScript(): string | null {
  const here = import.meta.url;
  let module = new URL("./calibrate-worker.js", here).href;
  let load = `import(${JSON.stringify(module)})`;
  if (here.endsWith(".ts")) {
    let tsx: string;
    try {
      tsx = import.meta.resolve("tsx/esm/api");
    } catch {
      return null;
    }
    module = new URL("./calibrate-worker.ts", here).href;
    load = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module)}); })`;
  }
  return `${load}.catch((error) => {
    const { workerData } = require("node:worker_threads");
    workerData.port.postMessage({ kind: "error", message: String(error && error.stack || error) });
    Atomics.add(workerData.done, 0, 1);
    Atomics.notify(workerData.done, 0);
  });`;
}

/**
 * The statistics of the samples each thread took: this thread's first, then those of
 * `workers` worker threads working on the same job beside it.
 */
export function statsOnWorkers(job: StatsJob, workers: number): SsmStats[][] {
  const boot = bootScript();
  if (boot === null) return [jobStats(job)];
  const done = new Int32Array(new SharedArrayBuffer(4));
  const started = Array.from({ length: workers }, () => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(boot, {
      eval: true,
      workerData: { job, port: port2, done },
      transferList: [port2],
    });
    return { worker, port: port1 };
  });
  const own = jobStats(job);
  for (let seen = Atomics.load(done, 0); seen < workers; seen = Atomics.load(done, 0))
    Atomics.wait(done, 0, seen);
  const others = started.map(({ worker, port }) => {
    const reply = receiveMessageOnPort(port)?.message as StatsReply | undefined;
    port.close();
    void worker.terminate();
    if (reply?.kind !== "stats")
      throw new Error(`calibration worker failed: ${reply?.message ?? "no reply"}`);
    return reply.stats;
  });
  return [own, ...others];
}
