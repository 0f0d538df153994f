import { describe, expect, it } from "vitest";
import type { AffineQuantizer, Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { applyQat } from "../../src/passes/apply-qat.js";
import { discretize } from "../../src/passes/discretize.js";
import {
  DEFAULT_REQUANTIZE_OPTIONS,
  type RequantizeOptions,
  type RequantizeReport,
  requantize,
} from "../../src/passes/requantize.js";
import { targetDigest } from "../../src/target/load.js";
import type { TargetDescription } from "../../src/target/types.js";
import {
  accuracy,
  context,
  fixtureModel,
  goldenF32,
  goldenI32,
  inputs,
  target,
  weightsJson,
  withForwards,
} from "./fixtures.js";
import { syntheticInputs, syntheticModel } from "./synthetic.js";

function discrete(model: Model): Model {
  return discretize(applyQat(model, null), { layers: [] });
}

function lower(
  model: Model,
  t: TargetDescription,
  calibration: { inputs: Float64Array; shape: number[] } | null = null,
  labels: Int32Array | null = null,
  options: Partial<RequantizeOptions> = {},
) {
  const ctx = context(t);
  const r = requantize(
    model,
    { description: t, digest: targetDigest(t), origin: "test" },
    calibration === null ? null : withForwards(calibration),
    labels,
    ctx.diagnostics,
    { ...DEFAULT_REQUANTIZE_OPTIONS, ...options },
  );
  return { ...r, diagnostics: ctx.diagnostics.items };
}

const codesOf = (q: unknown) => Array.from(dataOf((q as AffineQuantizer).codes!));

describe("requantize", () => {
  const qat8 = "digits-qat8-h32n16-l2";
  const exported = (
    weightsJson(qat8).quantization as { tensors: Record<string, { int: number[] }> }
  ).tensors;

  for (const name of ["ideal", "imssa-64"]) {
    it(`qs4d-symmetric-v1 on ${name}: the exported grids are kept bit for bit`, () => {
      const { model, report, diagnostics } = lower(discrete(fixtureModel(qat8)), target(name));
      expect(diagnostics).toEqual([]);
      expect(report.params).toMatchObject({ levels: 128, dacBits: 8, adcBits: 8 });
      for (const layer of [0, 1]) {
        const q = model.layers[layer]!.ssm.quant;
        expect(codesOf(q.lambda)).toEqual(exported[`layers.${layer}.kernel.dA`]!.int);
        expect(codesOf(q.bbar)).toEqual(exported[`layers.${layer}.kernel.dB`]!.int);
        expect(codesOf(q.c)).toEqual(exported[`layers.${layer}.kernel.C`]!.int);
        expect(codesOf(q.d)).toEqual(exported[`layers.${layer}.D`]!.int);
        expect(q.u).toBe(fixtureModel(qat8).layers[layer]!.ssm.quant.u);
        const lr = report.layers[layer]!;
        expect(lr.source).toBe("qat-grid");
        for (const t of lr.tensors) {
          expect(t.exact).toBe(true);
          expect(t.sqnrDb).toBe(Number.POSITIVE_INFINITY);
        }
        // Against the float discretization the 8-bit grid itself costs something.
        expect(lr.tensors[0]!.sqnrVsFloatDb).toBeGreaterThan(40);
      }
      expect(model.hardware?.target.name).toBe(name);
    });
  }

  it("bit-slices a grid the cells cannot hold when the target allows it, keeping the codes", () => {
    const sliced: TargetDescription = {
      ...target("imssa-64"),
      name: "sliced",
      cell: { ...target("imssa-64").cell, levels: 16 },
    };
    const { model, report, diagnostics } = lower(discrete(fixtureModel(qat8)), sliced);
    // Two cells per weight double the columns: the channels no longer fit one array, and
    // N407 names the fraction bits of their parts' y conversions.
    expect(diagnostics.map((d) => d.code)).toEqual(["QS4D-N404", "QS4D-N407"]);
    expect(diagnostics[1]!.message).toMatch(/split channels' partial y with \d+ fraction bits/);
    expect(report.params).toMatchObject({ levels: 16, slices: 2 });
    expect(codesOf(model.layers[0]!.ssm.quant.lambda)).toEqual(exported["layers.0.kernel.dA"]!.int);
    expect(report.lossy).toEqual([]);
  });

  const small: TargetDescription = {
    ...target("imssa-64"),
    name: "small",
    cell: { ...target("imssa-64").cell, levels: 32 },
    bitSlicing: { allowed: false, maxSlices: 1 },
    adc: { bits: 6, perArray: 8 },
    stateRegister: { residual: false, maxBits: 6 },
  };

  it("refuses a target that cannot meet the fidelity budget, naming layer, tensor and bits", () => {
    expect(() => lower(discrete(fixtureModel(qat8)), small)).toThrowError(
      /QS4D-E421: target 'small' cannot compute model 'digits-qat8-h32n16-l2' within the fidelity budget at L = 64: layer 0 has a predicted relative output error of .* 'layers\.0\.[a-zA-Z*-]+' needs \d+ bits and holds \d+/,
    );
  });

  it("refits a grid the target cannot hold and warns with the tensor and the bits", () => {
    const { model, report, diagnostics } = lower(discrete(fixtureModel(qat8)), small, null, null, {
      allowLoss: true,
    });
    // --allow-loss: the predicted loss of every layer over the budget is named.
    const over = diagnostics.filter((d) => d.code === "QS4D-W406");
    expect(over.map((d) => d.message.slice(0, 8))).toEqual(["layer 0:", "layer 1:"]);
    expect(report.withinBudget).toBe(false);
    expect(report.layers[0]!.precision.total).toBeGreaterThan(0.02);
    const warned = diagnostics.filter((d) => d.code === "QS4D-W402").map((d) => d.location.tensor);
    expect(warned).toEqual([
      "layers.0.lambda",
      "layers.0.bbar",
      "layers.0.C",
      "layers.0.x",
      "layers.0.y",
      "layers.0.D",
      "layers.1.lambda",
      "layers.1.bbar",
      "layers.1.C",
      "layers.1.x",
      "layers.1.y",
      "layers.1.D",
    ]);
    const first = diagnostics.find((d) => d.code === "QS4D-W402")!.message;
    expect(first).toContain("needs 8 bits but target 'small' holds 6");
    expect(first).toContain("give --calib and --calib-labels");
    expect(report.lossy).toHaveLength(12);
    for (const layer of model.layers) {
      for (const role of ["lambda", "bbar", "c", "d"] as const) {
        expect(Math.max(...codesOf(layer.ssm.quant[role]).map(Math.abs))).toBeLessThanOrEqual(31);
      }
      expect((layer.ssm.quant.x as AffineQuantizer).bits).toBe(6);
    }
    const lambda = report.layers[0]!.tensors[0]!;
    expect(lambda.exact).toBe(false);
    expect(lambda.sqnrDb).toBeGreaterThan(20);
    expect(lambda.sqnrDb).toBeLessThan(40);
    expect(report.layers[0]!.worstModes).toHaveLength(3);
  });

  it("measures what a lossy grid costs when calibration data come with labels", () => {
    const small: TargetDescription = {
      ...target("imssa-64"),
      name: "small",
      cell: { ...target("imssa-64").cell, levels: 16 },
      bitSlicing: { allowed: false, maxSlices: 1 },
    };
    const calib = inputs(qat8, 0, 24);
    const labels = goldenI32(qat8, "labels.i32").slice(0, 24);
    const { report, diagnostics } = lower(discrete(fixtureModel(qat8)), small, calib, labels, {
      allowLoss: true,
    });
    const acc = report.accuracy!;
    expect(acc.samples).toBe(24);
    // The lossless twin is the model's own integer semantics: its accuracy is the reference's.
    const reference = accuracy(
      goldenF32(qat8, "logits_quant_recurrent.f32").slice(0, 240),
      labels,
      10,
    );
    expect(acc.lossless).toBe(reference);
    const message = diagnostics.find((d) => d.code === "QS4D-W402")!.message;
    expect(message).toContain(
      `on 24 calibration samples (${(acc.lossless * 100).toFixed(1)}% -> ${(acc.target * 100).toFixed(1)}%)`,
    );
  });

  it("with calibration labels, an accuracy drop over --max-accuracy-drop is refused even when the prediction passes", () => {
    const calib = inputs(qat8, 0, 24);
    const labels = goldenI32(qat8, "labels.i32").slice(0, 24);
    // A predicted-error budget so loose that only the measurement can refuse the chip.
    const loose = { maxError: 1e6, maxAccuracyDrop: 0 };
    const { report } = lower(discrete(fixtureModel(qat8)), small, calib, labels, {
      ...loose,
      allowLoss: true,
    });
    const { lossless, target: chip } = report.accuracy!;
    // The 6-bit chip loses accuracy on these 24 samples, whatever the budget (measured).
    expect(chip).toBeLessThan(lossless);
    expect(() => lower(discrete(fixtureModel(qat8)), small, calib, labels, loose)).toThrowError(
      /QS4D-E421: .* the emulator measures [\d.]+ points of accuracy lost on 24 calibration samples/,
    );
  });

  it("a float model without calibration data scales its SSM inputs per sample, and says so", () => {
    const model = discrete(syntheticModel({ channels: 2, state: 4 }));
    const { model: q, report, diagnostics } = lower(model, target("ideal"));
    // ideal takes the widths the precision analysis needs, and says which.
    expect(diagnostics.map((d) => d.code)).toEqual(["QS4D-W403", "QS4D-N407"]);
    const levels = 2 * (2 ** (report.params.dacBits - 1) - 1);
    expect(q.layers[0]!.ssm.quant.u).toEqual({ kind: "levels", levels, scope: "sample" });
    expect(report.params.dacBits).toBeGreaterThan(8);
    expect(report.withinBudget).toBe(true);
    expect(report.layers[0]!.source).toBe("ptq-estimate");
  });

  it("PTQ balances the state per mode: C Bbar is unchanged, every grid fits the levels", () => {
    const source = discrete(syntheticModel({ channels: 3, state: 8, layers: 2 }));
    const { model, report, diagnostics } = lower(
      source,
      target("imssa-64"),
      syntheticInputs(source, 8),
      null,
      { stateUpdate: "plain" },
    );
    expect(diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const [a, b] = [source.layers[i]!.ssm.form, model.layers[i]!.ssm.form];
      if (a.kind !== "discrete" || b.kind !== "discrete") throw new Error("not discrete");
      for (let k = 0; k < 12; k++) {
        const product = (f: typeof a) => {
          const [br, bi, cr, ci] = [f.bbarRe, f.bbarIm, f.cRe, f.cIm].map((t) => dataOf(t)[k]!) as [
            number,
            number,
            number,
            number,
          ];
          return [cr * br - ci * bi, cr * bi + ci * br];
        };
        const [p, q] = [product(a), product(b)];
        expect(q[0]).toBeCloseTo(p[0]!, 12);
        expect(q[1]).toBeCloseTo(p[1]!, 12);
      }
      expect(b.lambdaRe).toBe(a.lambdaRe);
      const quant = model.layers[i]!.ssm.quant;
      for (const role of ["lambda", "bbar", "c", "d"] as const) {
        expect(Math.max(...codesOf(quant[role]).map(Math.abs))).toBeLessThanOrEqual(127);
      }
      expect(report.layers[i]!.source).toBe("ptq-calibration");
    }
  });

  it("qs4d-max without calibration estimates the ranges and says so", () => {
    const { report, diagnostics } = lower(
      discrete(fixtureModel("qs4d-digits-qat-h32n16-l2")),
      target("imssa-64"),
    );
    expect(diagnostics.map((d) => d.code)).toContain("QS4D-W403");
    expect((report as RequantizeReport).layers.map((l) => l.source)).toEqual([
      "ptq-estimate",
      "ptq-estimate",
    ]);
  });
});
