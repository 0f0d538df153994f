// The passes' refusals that a normal pipeline never meets: passes out of order, a pass run
// twice, a model printed without its values, options out of range, a broken program. Each is a
// coded diagnostic (exit 2), never a crash or a silent result.

import { describe, expect, it } from "vitest";
import { lowerModel } from "../../src/driver/lower.js";
import { CELL_FIELDS, CELL_LEVEL } from "../../src/ir/hardware.js";
import type { Model, Quantizer } from "../../src/ir/model.js";
import { parseModel, printModel } from "../../src/ir/text/index.js";
import { runPasses } from "../../src/passes/manager.js";
import { mapConductance } from "../../src/passes/map-conductance.js";
import { DEFAULT_PIPELINE } from "../../src/passes/pipeline.js";
import { REALIZE_KERNEL } from "../../src/passes/realize-kernel.js";
import { requantizeOptions } from "../../src/passes/requantize.js";
import { loadTarget, targetDigest } from "../../src/target/load.js";
import { refusalCode } from "../refusal.js";
import { context, fixtureModel, goldenI32, inputs, target } from "./fixtures.js";

const QAT8 = "digits-qat8-h32n16-l2";

const codeOf = (run: () => unknown) => refusalCode(run, 2);

const upTo = (pass: string) => DEFAULT_PIPELINE.slice(0, DEFAULT_PIPELINE.indexOf(pass) + 1);

describe("passes refuse what they cannot lower", () => {
  it("a target-dependent pass without a target: QS4D-E410", () => {
    const run = () => runPasses(fixtureModel(QAT8), upTo("requantize"), context(null));
    expect(codeOf(run)).toBe("QS4D-E410");
  });

  it("tile before layout-imssa: QS4D-E406", () => {
    const model = runPasses(fixtureModel(QAT8), upTo("prune"), context(target("imssa-64")));
    expect(codeOf(() => runPasses(model, ["tile"], context(target("imssa-64"))))).toBe("QS4D-E406");
  });

  it("tile twice: QS4D-E413", () => {
    const model = runPasses(fixtureModel(QAT8), upTo("tile"), context(target("imssa-64")));
    expect(codeOf(() => runPasses(model, ["tile"], context(target("imssa-64"))))).toBe("QS4D-E413");
  });

  it("a model whose tensors are digests only (IR text without values): QS4D-E404", () => {
    const digests = parseModel(printModel(fixtureModel(QAT8), { tensors: "digest" }));
    expect(codeOf(() => runPasses(digests, upTo("discretize"), context(null)))).toBe("QS4D-E404");
  });

  it("a static quantizer on a layer output, which the digital periphery lacks: QS4D-E408", () => {
    const model = fixtureModel(QAT8);
    // QS4D's act_quant is per sample; one max|x| for the whole tensor is a static quantizer.
    const outputQuant: Quantizer = { kind: "levels", levels: 256, scope: "tensor" };
    const staticOutput: Model = {
      ...model,
      layers: model.layers.map((l) => ({ ...l, outputQuant })),
    };
    const lowering = { target: loadTarget("imssa-64"), options: { "allow-loss": "true" } };
    expect(codeOf(() => lowerModel(staticOutput, lowering))).toBe("QS4D-E408");
  });

  it("a cell level outside the target's levels (a broken program): QS4D-E415", () => {
    const model = runPasses(fixtureModel(QAT8), upTo("tile"), context(target("imssa-64")));
    const hw = model.hardware!;
    const [first, ...rest] = hw.crossbars;
    const cells = Int32Array.from(first!.cells.data!);
    cells[CELL_LEVEL] = hw.params.levels;
    const broken = { ...first!, cells: { ...first!.cells, data: cells } };
    const bad: Model = { ...model, hardware: { ...hw, crossbars: [broken, ...rest] } };
    expect(cells.length % CELL_FIELDS).toBe(0);
    expect(codeOf(() => mapConductance(bad))).toBe("QS4D-E415");
  });

  it("a kernel-only model that states no d_state: QS4D-E419", () => {
    const model = fixtureModel("kernelonly-digits-h32n16-l2");
    const stateless: Model = { ...model, config: { ...model.config, state: 1 } };
    expect(codeOf(() => REALIZE_KERNEL.run(stateless, context(null)))).toBe("QS4D-E419");
  });

  it.each([
    ["seq-len", "0"],
    ["max-error", "1.5"],
    ["max-accuracy-drop", "-1"],
    ["state-update", "fast"],
  ])("--%s %s: QS4D-E422", (option, value) => {
    expect(codeOf(() => requantizeOptions({ [option]: value }))).toBe("QS4D-E422");
  });
});

describe("the accuracy budget with --allow-loss", () => {
  it("warns QS4D-W407 when the emulator measures more accuracy lost than the budget", () => {
    // 4-level cells: no configuration keeps the float model's accuracy, however tight.
    const base = target("imssa-64");
    const coarse = { ...base, name: "coarse-4", cell: { ...base.cell, levels: 4 } };
    const name = "digits-float-h32n16-l2";
    const result = lowerModel(fixtureModel(name), {
      target: { description: coarse, digest: targetDigest(coarse), origin: "test" },
      calibration: inputs(name, 0, 64),
      calibrationLabels: goldenI32(name, "labels.i32").subarray(0, 64),
      options: { "max-accuracy-drop": "0", "allow-loss": "true" },
    });
    expect(result.diagnostics.items.map((d) => d.code)).toContain("QS4D-W407");
  });
});
