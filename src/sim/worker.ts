// A Monte Carlo worker thread (monte-carlo.ts): is sent the chip prepared (its tables shared
// with the thread that started it) and the units, takes units until none is left (a counter
// shared by every thread) and posts each one's logits back, then `done`.
// Errors go back as data, diagnostics intact.

import { parentPort, workerData } from "node:worker_threads";
import { Qs4dError } from "../diag/error.js";
import {
  takeUnit,
  UnitRunner,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
} from "./monte-carlo.js";

const port = parentPort!;
const setup = workerData as WorkerSetup;
function reply(message: WorkerReply): void {
  port.postMessage(message);
}

port.on("message", ({ chip, work, next }: WorkerMessage) => {
  try {
    const runner = new UnitRunner(chip, setup);
    for (let unit = takeUnit(work, next); unit !== undefined; unit = takeUnit(work, next)) {
      const logits = runner.run(unit, () => reply({ kind: "progress" }));
      reply({ kind: "result", unit, logits });
    }
    reply({ kind: "done" });
  } catch (error) {
    fault(error);
  }
});

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
