// The reference executor against the shared models' golden files (fixtures/models).
// Relative error everywhere: max_i |run_i - golden_i| / max_i |golden_i| over the whole
// [n, classes] logits array.

import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { maxQuantize } from "../../src/arith/quantize.js";
import { importModel } from "../../src/import/index.js";
import type { Model } from "../../src/ir/model.js";
import { runConvolution } from "../../src/run/conv.js";
import { runModel } from "../../src/run/index.js";
import { diagonalKernel } from "../../src/run/kernel.js";
import { buildPlan } from "../../src/run/plan.js";
import { continuousSsm, type IntegerSsm, integerSsm } from "../../src/run/ssm-plan.js";
import { integerCoreStep } from "../../src/run/ssm-step.js";
import { runStreaming } from "../../src/run/stream.js";
import {
  agreement,
  goldenF32,
  goldenI8,
  goldenInputs,
  modelPath,
  shapeOf,
} from "./golden-files.js";

const load = (name: string): Model => importModel(modelPath(name, "weights.json"));

function logitsOf(
  name: string,
  model: Model,
  n: number,
  golden: string,
  options: { form?: "recurrent" | "conv"; quantize?: boolean } = {},
) {
  const { data, shape } = goldenInputs(name, n);
  const run = runModel(model, data, shape, options);
  return agreement(run.logits, goldenF32(name, golden), n, model.config.classes);
}

describe("float models reproduce their golden logits (relative error <= 1e-4)", () => {
  const cases: [string, string, number][] = [
    ["digits-float-h32n16-l2", "logits_float_conv.f32", 360],
    ["kernelonly-digits-h32n16-l2", "logits_float.f32", 360],
    // sCIFAR-sized (L = 1024): a few samples keep the suite fast.
    ["big-h128n128-l4-L1024", "logits_float.f32", 2],
  ];
  for (const [name, golden, n] of cases) {
    it(`${name}: ${n} samples`, () => {
      const a = logitsOf(name, load(name), n, golden);
      expect(a.relative).toBeLessThanOrEqual(1e-4);
      expect(a.argmax).toBe(1);
    });
  }

  it("the float parents of the QAT models run with --no-quant (latent weights, quantizers off)", () => {
    const cases: [string, string][] = [
      ["digits-qat8-h32n16-l2", "logits_float_conv.f32"],
      ["qs4d-digits-qat-h32n16-l2", "logits_float.f32"],
    ];
    for (const [name, golden] of cases) {
      const a = logitsOf(name, load(name), 360, golden, { quantize: false });
      expect(a.relative, name).toBeLessThanOrEqual(1e-4);
      expect(a.argmax, name).toBe(1);
    }
  });
});

describe("conv form == recurrent form (float64 logits)", () => {
  const cases: [string, number][] = [
    ["digits-float-h32n16-l2", 8],
    ["kernelonly-digits-h32n16-l2", 8],
    ["big-h128n128-l4-L1024", 1],
  ];
  for (const [name, n] of cases) {
    it(`${name}: relative difference <= 1e-9`, () => {
      const model = load(name);
      const { data, shape } = goldenInputs(name, n);
      const plan = buildPlan(model, { quantize: true, length: shape[1]! });
      const input = Float64Array.from(data);
      const rec = runStreaming(plan, input, n, null);
      const conv = runConvolution(plan, input, n, null);
      expect(agreement(rec, conv, n, model.config.classes).relative).toBeLessThanOrEqual(1e-9);
    });
  }
});

describe("digits-qat8-h32n16-l2 (qs4d-symmetric-v1)", () => {
  const name = "digits-qat8-h32n16-l2";
  let model: Model;
  beforeAll(() => {
    model = load(name);
  });

  it("multipliers are computed in the README's order and equal the exported ones bit for bit", () => {
    const json = JSON.parse(readFileSync(modelPath(name, "weights.json"), "utf8"));
    const exported = json.quantization.multipliers as Record<
      string,
      { M_A: number; M_B: number[]; M_C: number; M_D: number }
    >;
    model.layers.forEach((layer, i) => {
      const core = integerSsm(layer.ssm, `layers.${i}`);
      const m = exported[`layers.${i}`]!;
      const H = layer.ssm.channels;
      expect(Array.from(core.mA)).toEqual(Array(H).fill(m.M_A));
      expect(Array.from(core.mB)).toEqual(m.M_B);
      expect(Array.from(core.mC)).toEqual(Array(H).fill(m.M_C));
      expect(Array.from(core.mD)).toEqual(Array(H).fill(m.M_D));
    });
  });

  it("the integer SSM core maps the golden u_q traces to the golden y_q traces exactly", () => {
    const [n, H, L] = shapeOf(name, "trace_layer0_u_q.i8") as [number, number, number];
    let compared = 0;
    model.layers.forEach((layer, i) => {
      const core: IntegerSsm = integerSsm(layer.ssm, `layers.${i}`);
      const uq = goldenI8(name, `trace_layer${i}_u_q.i8`);
      const yq = goldenI8(name, `trace_layer${i}_y_q.i8`);
      let mismatches = 0;
      for (let s = 0; s < n; s++) {
        const xr = new Float64Array(H * layer.ssm.modes);
        const xi = new Float64Array(H * layer.ssm.modes);
        const u = new Float64Array(H);
        const y = new Float64Array(H);
        for (let t = 0; t < L; t++) {
          for (let h = 0; h < H; h++) u[h] = uq[(s * H + h) * L + t]!;
          integerCoreStep(core, xr, xi, u, y);
          for (let h = 0; h < H; h++) if (y[h] !== yq[(s * H + h) * L + t]) mismatches++;
          compared += H;
        }
      }
      expect(mismatches, `layer ${i}`).toBe(0);
    });
    expect(compared).toBe(model.layers.length * n * H * L);
  });

  it("an end-to-end run traces exactly the golden u_q and y_q integers", () => {
    const [n] = shapeOf(name, "trace_layer0_u_q.i8") as [number];
    const { data, shape } = goldenInputs(name, n);
    const run = runModel(model, data, shape, { trace: true });
    run.traces!.forEach((trace, i) => {
      expect(Array.from(trace.uq!)).toEqual(Array.from(goldenI8(name, `trace_layer${i}_u_q.i8`)));
      expect(Array.from(trace.yq!)).toEqual(Array.from(goldenI8(name, `trace_layer${i}_y_q.i8`)));
    });
  });

  it("logits agree with logits_quant_recurrent.f32 to float32 tolerance, argmax 100%", () => {
    const a = logitsOf(name, model, 360, "logits_quant_recurrent.f32");
    expect(a.argmax).toBe(1);
    // Float32 tolerance: 1e-5 of the largest logit. Steps 1 and 5 run in float32 whose last
    // bits depend on the implementation; a u/su landing within an ulp of a rounding boundary
    // then moves one u_q by one LSB (fixtures README). Such samples (110 and 132 here, where u/su
    // is 56.499996 and 26.500002: src/run/README.md) must stay rare, within 1e-2, same argmax.
    const beyond = a.perSample.flatMap((d, s) => (d > 1e-5 * a.scale ? [s] : []));
    if (beyond.length > 0)
      console.log(`${name}: samples off by a u_q boundary flip: ${beyond.join(", ")}`);
    expect(beyond.length).toBeLessThanOrEqual(3);
    expect(a.relative).toBeLessThanOrEqual(1e-2);
  });

  it("the conv form is the ONNX graph's semantics (no state quantization): logits_onnx_graph_torch", () => {
    const [n] = shapeOf(name, "logits_onnx_graph_torch.f32") as [number];
    const a = logitsOf(name, model, n, "logits_onnx_graph_torch.f32", { form: "conv" });
    expect(a.relative).toBeLessThanOrEqual(1e-4);
    expect(a.argmax).toBe(1);
  });
});

describe("qs4d-digits-qat-h32n16-l2 (qs4d-max)", () => {
  const name = "qs4d-digits-qat-h32n16-l2";
  let model: Model;
  beforeAll(() => {
    model = load(name);
  });

  it("static quantizers give the exported integers and scales (quantization.derived)", () => {
    const json = JSON.parse(readFileSync(modelPath(name, "weights.json"), "utf8"));
    const derived = json.quantization.derived as Record<
      string,
      { int: number[]; scale: number; levels: number }
    >;
    const check = (key: string, values: ArrayLike<number>, scaleUlps = 0) => {
      const d = derived[key]!;
      const q = maxQuantize(values, d.levels);
      expect(Math.abs(q.scale - d.scale), key).toBeLessThanOrEqual(scaleUlps * 2 ** -23 * d.scale);
      expect(Array.from(q.codes), key).toEqual(d.int);
    };
    check("encoder.weight", model.encoder.weight.data!);
    check("decoder.weight", model.decoder.weight.data!);
    const L = model.config.length!;
    model.layers.forEach((layer, i) => {
      const form = layer.ssm.form;
      if (form.kind !== "continuous") throw new Error("continuous SSM expected");
      check(`layers.${i}.kernel.log_dt`, form.logDt.data!);
      check(`layers.${i}.kernel.A_real`, form.aRe.data!);
      check(`layers.${i}.kernel.A_imag`, form.aIm.data!);
      check(`layers.${i}.output_linear.0.weight`, layer.mixing!.linear.weight.data!);
      const c = new Float64Array(2 * form.cRe.data!.length);
      form.cRe.data!.forEach((v, j) => {
        c[2 * j] = v;
        c[2 * j + 1] = form.cIm.data![j]!;
      });
      check(`layers.${i}.kernel.C`, c);
      const d = Float64Array.from(layer.ssm.d.data!);
      const diag = continuousSsm(layer.ssm, form, d, `layers.${i}`, layer.ssm.quant);
      // The kernel is computed in float64 here, in complex64 by the export: its max, hence its
      // float32 scale, may differ by an ulp or two (README); the integers must not.
      check(`layers.${i}.kernel.K`, diagonalKernel(diag, L), 4);
    });
  });

  it("logits agree with logits_qat.f32 within 1e-2 relative, argmax >= 99%", () => {
    for (const form of ["recurrent", "conv"] as const) {
      const a = logitsOf(name, model, 360, "logits_qat.f32", { form });
      if (a.argmaxDiffers.length > 0)
        console.log(`${name} (${form}): argmax differs on ${a.argmaxDiffers.join(", ")}`);
      const off = a.perSample.flatMap((d, s) => (d > 1e-4 * a.scale ? [s] : []));
      if (off.length > 0)
        console.log(`${name} (${form}): samples beyond 1e-4 relative: ${off.join(", ")}`);
      expect(a.relative).toBeLessThanOrEqual(1e-2);
      expect(a.argmax).toBeGreaterThanOrEqual(0.99);
    }
  });

  it("traces the per-sample quantized SSM input integers, within [-Q/2, Q/2]", () => {
    const { data, shape } = goldenInputs(name, 2);
    const run = runModel(model, data, shape, { trace: true });
    for (const t of run.traces!) {
      expect(t.yq).toBeNull();
      const codes = Array.from(t.uq!);
      expect(Math.max(...codes.map(Math.abs))).toBe(16); // the max maps to Q/2 = 32/2
    }
  });
});
