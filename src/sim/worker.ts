// A Monte Carlo worker thread (monte-carlo.ts): gets the chip prepared (its tables shared with
// the thread that started it), runs the units it is sent and posts their logits back. Errors go
// back as data, diagnostics intact.

import { parentPort, workerData } from "node:worker_threads";
import { Qs4dError } from "../diag/error.js";
import { type Unit, UnitRunner, type WorkerReply, type WorkerSetup } from "./monte-carlo.js";

const port = parentPort!;
const setup = workerData as WorkerSetup;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

try {
  const runner = new UnitRunner(setup.chip, setup);
  port.on("message", (unit: Unit) => {
    try {
      const logits = runner.run(unit, () => reply({ kind: "progress" }));
      reply({ kind: "result", unit, logits });
    } catch (error) {
      fault(error);
    }
  });
} catch (error) {
  fault(error);
}

function fault(error: unknown): void {
  if (error instanceof Qs4dError) {
    reply({
      kind: "error",
      diagnostic: error.diagnostic,
      exitCode: error.exitCode,
      message: error.message,
    });
  } else {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    reply({ kind: "error", diagnostic: null, exitCode: 3, message });
  }
}
