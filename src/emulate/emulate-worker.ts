// An emulator worker thread (batch.ts): sent one range of a batch, emulates it and posts the
// logits and traces back (their buffers transferred), or the error with its diagnostic; then
// closes its port and exits by itself.

import { parentPort } from "node:worker_threads";
import { faultOf } from "../util/worker-script.js";
import type { EmulateJob, EmulateReply } from "./batch.js";
import { emulate } from "./index.js";

const port = parentPort!;

port.once("message", ({ model, inputs, shape, options }: EmulateJob) => {
  try {
    const result = emulate(model, inputs, shape, options);
    const reply: EmulateReply = { kind: "emulated", ...result };
    const traces = (result.traces ?? []).flatMap((t) => [t.uq.buffer, t.yq.buffer]);
    port.postMessage(reply, [result.logits.buffer, ...traces] as ArrayBuffer[]);
  } catch (error) {
    port.postMessage(faultOf(error));
  }
  port.close();
});
