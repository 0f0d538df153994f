// The ONNX front end on every fixture model: the architecture it recovers from the graph is
// compared with each model's card, the IR it builds with the IR of the same model's
// weights.json (printed text, so every tensor digest, quantizer and fact must agree), and the
// fixture itself is validated by running it in onnxruntime-node against the golden logits.

import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { importModel } from "../../src/import/index.js";
import { buildOnnxSpec, importOnnx } from "../../src/import/onnx/index.js";
import type { ArchSpec } from "../../src/import/spec.js";
import type { Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { printModel } from "../../src/ir/text/index.js";

const dir = (model: string) => `fixtures/models/${model}`;

interface Card {
  readonly config: Readonly<Record<string, unknown>>;
}

const card = (model: string): Card => JSON.parse(readFileSync(`${dir(model)}/card.json`, "utf8"));

// What each card.md states in words (family, norm, position, activation, mixing, residual, kernel).
const STATED: Readonly<Record<string, Partial<ArchSpec>>> = {
  "digits-float-h32n16-l2": {
    norm: "layer",
    normPosition: "post",
    activation: "gelu",
    mixing: "glu",
    residual: true,
    kernel: "s4d",
    discretization: "zoh",
  },
  "digits-qat8-h32n16-l2": {
    norm: "layer",
    normPosition: "post",
    activation: "gelu",
    mixing: "glu",
    residual: true,
    kernel: "s4d",
    discretization: "zoh",
  },
  "qs4d-digits-qat-h32n16-l2": {
    norm: "batch",
    normPosition: "pre",
    activation: "none",
    mixing: "glu",
    residual: false,
    kernel: "s4d",
    discretization: "zoh",
  },
  "kernelonly-digits-h32n16-l2": {
    norm: "batch",
    normPosition: "pre",
    activation: "none",
    mixing: "glu",
    residual: false,
    kernel: "kernel",
  },
  "big-h128n128-l4-L1024": {
    norm: "batch",
    normPosition: "pre",
    activation: "none",
    mixing: "glu",
    residual: false,
    kernel: "s4d",
    discretization: "zoh",
  },
};

const SMALL = [
  "digits-float-h32n16-l2",
  "digits-qat8-h32n16-l2",
  "qs4d-digits-qat-h32n16-l2",
  "kernelonly-digits-h32n16-l2",
];
const BIG = "big-h128n128-l4-L1024";
const FOLDED = ["digits-float-h32n16-l2", "digits-qat8-h32n16-l2"];

function f32File(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function manifestShape(model: string, file: string): number[] {
  const m = JSON.parse(readFileSync(`${dir(model)}/golden/manifest.json`, "utf8"));
  return m.files[file].shape;
}

function expectArch(model: string, arch: ArchSpec): void {
  const c = card(model).config;
  expect(arch.dIn).toBe(c.d_in);
  expect(arch.channels).toBe(c.d_model);
  expect(arch.state).toBe(c.d_state);
  expect(arch.layers).toBe(c.n_layers);
  expect(arch.classes).toBe(c.n_classes);
  expect(arch.length).toBe(c.seq_len);
  expect(arch.normEps).toBe(1e-5);
  expect(arch).toMatchObject(STATED[model]!);
}

function expectSameIr(onnx: Model, json: Model): void {
  expect(printModel(onnx)).toBe(printModel(json));
}

describe("ONNX fixtures import", () => {
  for (const model of SMALL) {
    it(`${model}: the graph gives the card's architecture and the JSON import's IR`, () => {
      const path = `${dir(model)}/model.onnx`;
      const spec = buildOnnxSpec(readFileSync(path), path);
      expectArch(model, spec.arch);
      const m = importOnnx(path);
      expect(m.name).toBe(model);
      expectSameIr(m, importModel(`${dir(model)}/weights.json`));
    });
  }

  for (const model of FOLDED) {
    it(`${model}: model.folded.onnx (C, D and the encoder weight folded) gives the same IR`, () => {
      const path = `${dir(model)}/model.folded.onnx`;
      const spec = buildOnnxSpec(readFileSync(path), path);
      if (model === "digits-float-h32n16-l2") {
        // The folded constants are exact slices: C comes back from two unnamed initializers.
        expect(spec.origin("layers.0.kernel.C").tensor).toMatch(/^onnx::Mul_\d+ \+ onnx::Mul_\d+$/);
        expect(spec.origin("layers.0.D").tensor).toMatch(/^onnx::/);
        expect(spec.origin("encoder.weight").tensor).toMatch(/^onnx::/);
      }
      expectArch(model, spec.arch);
      expectSameIr(importOnnx(path), importModel(`${dir(model)}/weights.json`));
    });
  }

  it(`${BIG}: imports once to the JSON import's IR`, () => {
    const m = importOnnx(`${dir(BIG)}/model.onnx`);
    expectArch(
      BIG,
      buildOnnxSpec(readFileSync(`${dir(BIG)}/model.onnx`), `${dir(BIG)}/model.onnx`).arch,
    );
    expectSameIr(m, importModel(`${dir(BIG)}/weights.json`));
  });

  it("quantization facts: qs4d-symmetric-v1 scales, bits and codes; qs4d-max level counts", () => {
    const sym = buildOnnxSpec(
      readFileSync(`${dir("digits-qat8-h32n16-l2")}/model.onnx`),
      "digits-qat8-h32n16-l2/model.onnx",
    );
    expect(sym.quant.scheme).toBe("qs4d-symmetric-v1");
    const weights = JSON.parse(
      readFileSync(`${dir("digits-qat8-h32n16-l2")}/weights.json`, "utf8"),
    );
    const dB = weights.quantization.tensors["layers.0.kernel.dB"];
    const got = sym.quant.tensors.get("layers.0.kernel.dB")!;
    expect(got.bits).toBe(8);
    expect(got.axis).toBe(0);
    expect(got.scale).toEqual(dB.scale);
    expect(Array.from(dataOf(got.codes!))).toEqual(dB.int);
    // The state quantizer is not in the conv-mode graph: it comes from the metadata.
    expect(sym.quant.tensors.get("layers.1.x")).toEqual({
      bits: 8,
      scale: weights.quantization.activations["layers.1.x"].scale,
      axis: null,
    });
    const max = buildOnnxSpec(
      readFileSync(`${dir("qs4d-digits-qat-h32n16-l2")}/model.onnx`),
      "qs4d-digits-qat-h32n16-l2/model.onnx",
    );
    expect(max.quant.scheme).toBe("qs4d-max");
    const levels = Object.fromEntries([...max.quant.tensors].map(([k, v]) => [k, v.levels]));
    expect(levels).toMatchObject({
      "encoder.weight": 16,
      "layers.0.kernel.log_dt": 16,
      "layers.0.kernel.A_real": 32,
      "layers.0.kernel.A_imag": 32,
      "layers.0.kernel.C": 16,
      "layers.0.kernel.K": 32,
      "layers.0.u": 32,
      "layers.0.output_linear.weight": 16,
      "layers.0.out": 64,
      "decoder.weight": 16,
    });
    expect(max.quant.tensors.size).toBe(18);
  });
});

describe("the fixtures run in onnxruntime-node as the golden logits say", () => {
  beforeAll(() => {
    ort.env.logLevel = "error";
  });

  for (const [model, n] of [...SMALL.map((m) => [m, 4] as const), [BIG, 2] as const]) {
    it(`${model}: first ${n} golden inputs`, async () => {
      const [, length, dIn] = manifestShape(model, "inputs.f32") as [number, number, number];
      const classes = manifestShape(model, "logits_onnx_graph_torch.f32")[1]!;
      const inputs = f32File(`${dir(model)}/golden/inputs.f32`).subarray(0, n * length * dIn);
      const golden = f32File(`${dir(model)}/golden/logits_onnx_graph_torch.f32`).subarray(
        0,
        n * classes,
      );
      // Without graph optimizations: ORT would constant-fold the big model's kernel for seconds.
      const session = await ort.InferenceSession.create(`${dir(model)}/model.onnx`, {
        logSeverityLevel: 3,
        graphOptimizationLevel: "disabled",
      });
      const feeds = {
        [session.inputNames[0]!]: new ort.Tensor("float32", inputs, [n, length, dIn]),
      };
      const out = (await session.run(feeds))[session.outputNames[0]!]!;
      expect(out.dims).toEqual([n, classes]);
      const logits = out.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < logits.length; i++)
        worst = Math.max(worst, Math.abs(logits[i]! - golden[i]!));
      expect(worst).toBeLessThan(2e-4);
      for (let s = 0; s < n; s++) {
        const row = (a: Float32Array) => Array.from(a.subarray(s * classes, (s + 1) * classes));
        const argmax = (r: number[]) => r.indexOf(Math.max(...r));
        expect(argmax(row(logits))).toBe(argmax(row(golden)));
      }
      await session.release();
    });
  }
});
