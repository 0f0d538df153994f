// `run` against onnxruntime-node executing each shared model's exported graph (model.onnx) on
// the golden inputs. What agreement to expect depends on what the graph computes:
//   float models: the same network -> relative error <= 1e-4, argmax 100%;
//   qs4d-symmetric-v1 (digits-qat8): the graph is the quantized CONV mode without state
//     quantization (README), i.e. `run --form conv`; the recurrent reference quantizes the state
//     and is compared with its own golden file in golden.test.ts, not with this graph;
//   qs4d-max: the graph has the authors' per-sample max quantizers and quantized kernel, the
//     semantics `run` implements; float32 kernel arithmetic in the graph can move a rounding
//     boundary -> within 1e-2 relative, argmax >= 99%.

import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { importModel } from "../../src/import/index.js";
import { runModel } from "../../src/run/index.js";
import { agreement, goldenInputs, modelPath } from "./golden-files.js";

async function ortLogits(name: string, data: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelPath(name, "model.onnx"), {
    logSeverityLevel: 3,
  });
  try {
    const input = new ort.Tensor("float32", data, shape);
    const out = await session.run({ [session.inputNames[0]!]: input });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const cases: [string, number, "recurrent" | "conv", number, number][] = [
  // name, samples, run form, max relative error, min argmax agreement
  ["digits-float-h32n16-l2", 32, "recurrent", 1e-4, 1],
  ["kernelonly-digits-h32n16-l2", 32, "recurrent", 1e-4, 1],
  ["big-h128n128-l4-L1024", 2, "recurrent", 1e-4, 1],
  ["digits-qat8-h32n16-l2", 32, "conv", 1e-4, 1],
  ["qs4d-digits-qat-h32n16-l2", 32, "recurrent", 1e-2, 0.99],
];

describe("run agrees with onnxruntime-node on model.onnx", () => {
  for (const [name, n, form, tolerance, argmax] of cases) {
    it(`${name}: ${n} samples, run --form ${form}`, async () => {
      const { data, shape } = goldenInputs(name, n);
      const model = importModel(modelPath(name, "weights.json"));
      const ours = runModel(model, data, shape, { form });
      const theirs = await ortLogits(name, data, shape);
      const a = agreement(ours.logits, theirs, n, model.config.classes);
      if (a.argmaxDiffers.length > 0)
        console.log(`${name}: argmax differs on ${a.argmaxDiffers.join(", ")}`);
      expect(a.relative).toBeLessThanOrEqual(tolerance);
      expect(a.argmax).toBeGreaterThanOrEqual(argmax);
    });
  }
});
