// How the executors start a worker thread and read the errors it sends back: the simulator's
// (src/sim/worker.ts: Monte Carlo units, and the simulation with codes `qs4dc verify` runs
// beside the emulator) and the emulator's (src/emulate/emulate-worker.ts: a batch's samples).
// A worker script sits beside the module that starts it, under the same name in tsc's output
// (dist/src/...) and in the CLI bundle (dist/cli/, scripts/bundle-cli.mjs).

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
