// A Monte Carlo worker thread (monte-carlo.ts): is sent the chip prepared (its tables shared
// with the thread that started it), then runs the units it is sent and posts their logits back.
// Errors go back as data, diagnostics intact.

import { parentPort, workerData } from "node:worker_threads";
import { Qs4dError } from "../diag/error.js";
import {
  UnitRunner,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
} from "./monte-carlo.js";

const port = parentPort!;
const setup = workerData as WorkerSetup;
let runner: UnitRunner | null = null;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

port.on("message", (message: WorkerMessage) => {
  try {
    if (message.kind === "chip") {
      runner = new UnitRunner(message.chip, setup);
      return;
    }
    const logits = runner!.run(message.unit, () => reply({ kind: "progress" }));
    reply({ kind: "result", unit: message.unit, logits });
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
