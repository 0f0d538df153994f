// One onnxruntime-node forward, one thread, as a child process of bench/sim.ts (so that its
// peak memory is its own): argv = model.onnx, inputs .f32, batch, length, d_in. Prints one JSON
// line: session creation and run times (ms) and peak RSS (KiB). The wall time of the whole
// process is measured by the parent, like that of `qs4dc sim`.

import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";

const [model, inputs, batch, length, dIn] = process.argv.slice(2);
const shape = [Number(batch), Number(length), Number(dIn)];
const raw = readFileSync(inputs);
const data = new Float32Array(raw.buffer, raw.byteOffset, shape[0] * shape[1] * shape[2]);
const start = performance.now();
const session = await ort.InferenceSession.create(model, {
  logSeverityLevel: 3,
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
});
const created = performance.now();
await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", data, shape) });
const ran = performance.now();
await session.release();
console.log(
  JSON.stringify({
    createMs: created - start,
    runMs: ran - created,
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
);
