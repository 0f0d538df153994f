// A reference-executor worker thread (batch.ts): sent one range of a batch, runs it and posts
// the logits and traces back (their buffers transferred), or the error with its diagnostic;
// then closes its port and exits by itself.

import { parentPort } from "node:worker_threads";
import { faultOf } from "../util/worker-script.js";
import type { RunJob, RunReply } from "./batch.js";
import { runModel } from "./index.js";

const port = parentPort!;

port.once("message", ({ model, inputs, shape, options }: RunJob) => {
  try {
    const result = runModel(model, inputs, shape, options);
    const reply: RunReply = { kind: "ran", ...result };
    const traces = (result.traces ?? []).flatMap((t) => [t.uq?.buffer, t.yq?.buffer]);
    const buffers = [result.logits.buffer, ...traces].filter((b) => b !== undefined);
    port.postMessage(reply, buffers as ArrayBuffer[]);
  } catch (error) {
    port.postMessage(faultOf(error));
  }
  port.close();
});
