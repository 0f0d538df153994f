// How the simulator starts a worker thread (worker.ts) and reads the errors it sends back: the
// Monte Carlo units (monte-carlo.ts) and the ideal simulation with codes that `qs4dc verify`
// runs beside the emulator (codes.ts).

import type { Diagnostic } from "../diag/diagnostic.js";
import { Qs4dError } from "../diag/error.js";

/** A built .js file, or the .ts source through tsx's ESM API. */
export interface WorkerScript {
  readonly source: string | URL;
  readonly eval: boolean;
}

/** The worker script next to this module; null for TypeScript source without tsx. */
export function workerScript(): WorkerScript | null {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return { source: new URL("./worker.js", here), eval: false };
  let tsx: string;
  try {
    tsx = import.meta.resolve("tsx/esm/api");
  } catch {
    return null; // TypeScript source without tsx: run in this thread
  }
  const worker = new URL("./worker.ts", here).href;
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
  return new Error(`simulation worker failed: ${reply.message}`);
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
