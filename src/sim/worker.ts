// A simulator worker thread, sent one job:
// - Monte Carlo units (monte-carlo.ts): the chip prepared (its tables shared with the thread
//   that started it) and the units; takes units until none is left (a counter shared by every
//   thread) and posts each one's logits back, then `done`;
// - the ideal simulation with codes (codes.ts, for `qs4dc verify`): the image (its tables
//   shared); posts the logits and the per-layer codes back, their buffers transferred.
// Errors go back as data, diagnostics intact.

import { parentPort, workerData } from "node:worker_threads";
import { faultOf } from "../util/worker-script.js";
import { type CodesMessage, type CodesReply, simulateWithCodes } from "./codes.js";
import {
  takeUnit,
  UnitRunner,
  type WorkerMessage,
  type WorkerReply,
  type WorkerSetup,
} from "./monte-carlo.js";

const port = parentPort!;

// One job, then the worker closes its port and exits by itself (see monte-carlo.ts startWorkers).
port.once("message", (message: WorkerMessage | CodesMessage) => {
  try {
    if (message.kind === "codes") codes(message);
    else units(message);
  } catch (error) {
    port.postMessage(faultOf(error));
  }
  port.close();
});

function units({ chip, work, next }: WorkerMessage): void {
  const reply = (r: WorkerReply) => port.postMessage(r);
  const runner = new UnitRunner(chip, workerData as WorkerSetup);
  for (let unit = takeUnit(work, next); unit !== undefined; unit = takeUnit(work, next)) {
    const logits = runner.run(unit, () => reply({ kind: "progress" }));
    reply({ kind: "result", unit, logits });
  }
  reply({ kind: "done" });
}

function codes({ image, inputs, shape }: CodesMessage): void {
  const { logits, layers } = simulateWithCodes(image, inputs, shape);
  const reply: CodesReply = { kind: "codes", logits, layers };
  const buffers = [logits, ...layers.flatMap((l) => [l.uq, l.yq])].map((a) => a.buffer);
  port.postMessage(reply, buffers as ArrayBuffer[]);
}
