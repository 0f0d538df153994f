// apply-qat against the integers the training export itself lists (weights.json), computed
// here independently of the quantizer implementation: dequantized = int / scale (qs4d-max,
// float32 division) or int * scale (qs4d-symmetric-v1, float32 product).

import { describe, expect, it } from "vitest";
import type { Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { applyQat } from "../../src/passes/apply-qat.js";
import { context, fixtureModel, weightsJson } from "./fixtures.js";

type Derived = Record<string, { scale: number; int: number[] }>;

function ssmTensor(model: Model, layer: number, field: "logDt" | "aRe" | "aIm"): Float64Array {
  const form = model.layers[layer]!.ssm.form;
  if (form.kind !== "continuous") throw new Error("expected a continuous SSM");
  return Float64Array.from(dataOf(form[field]));
}

function cView(model: Model, layer: number): Float64Array {
  const form = model.layers[layer]!.ssm.form;
  if (form.kind !== "continuous") throw new Error("expected a continuous SSM");
  const re = dataOf(form.cRe);
  const im = dataOf(form.cIm);
  return Float64Array.from({ length: re.length * 2 }, (_, i) =>
    i % 2 === 0 ? re[i / 2]! : im[(i - 1) / 2]!,
  );
}

describe("apply-qat", () => {
  it("qs4d-max: every static quantizer gives the export's integers / scale", () => {
    const name = "qs4d-digits-qat-h32n16-l2";
    const ctx = context(null);
    const model = applyQat(fixtureModel(name), ctx);
    const derived = (weightsJson(name).quantization as { derived: Derived }).derived;
    const expected = (key: string) =>
      derived[key]!.int.map((q) => Math.fround(q / derived[key]!.scale));
    expect(Array.from(dataOf(model.encoder.weight))).toEqual(expected("encoder.weight"));
    expect(Array.from(dataOf(model.decoder.weight))).toEqual(expected("decoder.weight"));
    for (const layer of [0, 1]) {
      const k = `layers.${layer}.kernel`;
      expect(Array.from(ssmTensor(model, layer, "logDt"))).toEqual(expected(`${k}.log_dt`));
      expect(Array.from(ssmTensor(model, layer, "aRe"))).toEqual(expected(`${k}.A_real`));
      expect(Array.from(ssmTensor(model, layer, "aIm"))).toEqual(expected(`${k}.A_imag`));
      expect(Array.from(cView(model, layer))).toEqual(expected(`${k}.C`));
      expect(Array.from(dataOf(model.layers[layer]!.mixing!.linear.weight))).toEqual(
        expected(`layers.${layer}.output_linear.0.weight`),
      );
      // Consumed quantizers are gone; the dynamic ones stay for the periphery.
      const quant = model.layers[layer]!.ssm.quant;
      expect(Object.keys(quant).sort()).toEqual(["u"]);
      expect(model.layers[layer]!.outputQuant).toEqual({
        kind: "levels",
        levels: 64,
        scope: "sample",
      });
    }
    expect(model.encoder.weightQuant).toBeNull();
    // The kernel quantizer has no recurrent counterpart: dropped with a warning each.
    expect(ctx.diagnostics.items.map((d) => d.code)).toEqual(["QS4D-W401", "QS4D-W401"]);
  });

  it("qs4d-symmetric-v1: weights become int * scale and keep their codes", () => {
    const name = "digits-qat8-h32n16-l2";
    const model = applyQat(fixtureModel(name), null);
    const q = (
      weightsJson(name).quantization as {
        tensors: Record<string, { scale: number | number[]; int: number[] }>;
      }
    ).tensors;
    const perRow = (key: string, cols: number) =>
      q[key]!.int.map((v, i) => {
        const s = q[key]!.scale;
        return Math.fround(v * (typeof s === "number" ? s : s[Math.floor(i / cols)]!));
      });
    expect(Array.from(dataOf(model.encoder.weight))).toEqual(perRow("encoder.weight", 1));
    expect(Array.from(dataOf(model.decoder.weight))).toEqual(perRow("decoder.weight", 32));
    expect(Array.from(dataOf(model.layers[1]!.ssm.d))).toEqual(perRow("layers.1.D", 1));
    const mix = model.layers[0]!.mixing!.linear.weightQuant;
    expect(mix?.kind === "affine" ? Array.from(dataOf(mix.codes!)) : null).toEqual(
      q["layers.0.output_linear.weight"]!.int,
    );
    // Grids on the discretized dA, dB are left for requantize, untouched.
    expect(model.layers[0]!.ssm.quant.lambda).toBe(fixtureModel(name).layers[0]!.ssm.quant.lambda);
  });

  it("is idempotent", () => {
    for (const name of ["qs4d-digits-qat-h32n16-l2", "digits-qat8-h32n16-l2"]) {
      const once = applyQat(fixtureModel(name), null);
      expect(applyQat(once, null)).toEqual(once);
    }
  });
});
