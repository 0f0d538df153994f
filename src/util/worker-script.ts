// How the executors start a worker thread and read the errors it sends back: the simulator's
// (src/sim/worker.ts: Monte Carlo units, and the simulation with codes `qs4dc verify` runs
// beside the emulator), the emulator's and the reference executor's (src/emulate/emulate-worker.ts,
// src/run/run-worker.ts: a batch's samples).
// A worker script sits beside the module that starts it, under the same name in tsc's output
// (dist/src/...) and in the CLI bundle (dist/cli/, scripts/bundle-cli.mjs).

import { Worker } from "node:worker_threads";
import type { Diagnostic } from "../diag/diagnostic.js";
import { Qs4dError } from "../diag/error.js";

/** A built .js file, or the .ts source through tsx's ESM API. */
export interface WorkerScript {
  readonly source: string | URL;
  readonly eval: boolean;
}

/**
 * The worker script `name` (without extension) beside the module at `base` (its
 * import.meta.url): the built .js, or the .ts through tsx; null for TypeScript source
 * without tsx (the caller then works in its own thread).
 */
export function workerScript(base: string, name: string): WorkerScript | null {
  if (!base.endsWith(".ts")) return { source: new URL(`./${name}.js`, base), eval: false };
  let tsx: string;
  try {
    tsx = import.meta.resolve("tsx/esm/api");
  } catch {
    return null;
  }
  const worker = new URL(`./${name}.ts`, base).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`;
  return { source: boot, eval: true };
}

/** What a worker sends back when it fails: its diagnostic intact, or the error's text. */
export interface WorkerFault {
  readonly kind: "error";
  readonly diagnostic: Diagnostic | null;
  readonly exitCode: 1 | 2 | 3;
  readonly message: string;
}

/** The fault, as this thread throws it. */
export function workerError(reply: WorkerFault): Error {
  if (reply.diagnostic !== null) return new Qs4dError(reply.diagnostic, reply.exitCode);
  return new Error(`worker thread failed: ${reply.message}`);
}

/** A thrown value as a fault to post. */
export function faultOf(error: unknown): WorkerFault {
  if (error instanceof Qs4dError)
    return {
      kind: "error",
      diagnostic: error.diagnostic,
      exitCode: error.exitCode,
      message: error.message,
    };
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { kind: "error", diagnostic: null, exitCode: 3, message };
}

/** A worker given one job (see oneJob). */
export interface OneJob<T> {
  /** Its reply, once the worker has exited by itself; its fault as the error thrown. */
  readonly result: Promise<T>;
  /** Ends the worker whatever it is doing: for a caller that gives up. */
  stop(): void;
}

/**
 * Starts a worker on `script`, posts it `job` (`transfer`'s buffers moved, not copied) and
 * waits for its one reply and then its exit: the worker closes its port after replying, rather
 * than being terminated, since a worker terminated while V8 still compiles code for it can abort
 * the process (a race in Node's teardown of the worker's isolate).
 */
export function oneJob<T extends object>(
  script: WorkerScript,
  job: unknown,
  transfer: readonly ArrayBuffer[] = [],
): OneJob<T> {
  const worker = new Worker(script.source, { eval: script.eval });
  const result = new Promise<T>((resolve, reject) => {
    let reply: T | null = null;
    worker.on("message", (message: T | WorkerFault) => {
      if ("kind" in message && message.kind === "error") reject(workerError(message));
      else reply = message as T;
    });
    worker.on("error", reject);
    worker.on("exit", () =>
      reply === null ? reject(new Error("worker thread exited without a reply")) : resolve(reply),
    );
    worker.postMessage(job, [...transfer]);
  });
  return { result, stop: () => void worker.terminate() };
}
