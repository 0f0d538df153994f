// Dense layers on crossbar tiles (imssa-256): the tiles hold each weight code of the layer once,
// split as the target's array size dictates, and the chip still classifies like the model.

import { describe, expect, it } from "vitest";
import { lowerModel } from "../../src/driver/lower.js";
import { emulate } from "../../src/emulate/index.js";
import {
  CELL_FIELDS,
  RO_COL_PLUS,
  RO_ELEMENT,
  RO_FIELDS,
  RO_POLARITY,
  RO_SIGNAL,
  ROW_FIELDS,
} from "../../src/ir/hardware.js";
import { dataOf } from "../../src/ir/tensor.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import { loadTarget } from "../../src/target/load.js";
import { accuracy, fixtureModel, goldenF32, goldenI32, inputs } from "./fixtures.js";

const NAME = "digits-qat8-h32n16-l2";

describe("dense layers on crossbar tiles", () => {
  const lowered = lowerModel(fixtureModel(NAME), { target: loadTarget("imssa-256") }).model;
  const hw = lowered.hardware!;

  it("replaces encoder, mixing and decoder by crossbar-linear ops on their own arrays", () => {
    expect(verifyModel(lowered).filter((d) => d.severity === "error")).toEqual([]);
    const ops = hw.program.map((op) => op.op);
    expect(ops.filter((op) => op === "crossbar-linear")).toHaveLength(4);
    expect(ops).not.toContain("linear");
    for (const array of hw.crossbars) {
      const owners = new Set(
        array.placements.map((p) => p.block.replace(/\.(h|t)\d+(\.\d+)?$/, "")),
      );
      expect(owners.size).toBe(1);
    }
  });

  it("every weight code of the mixing layer sits on exactly one tile cell pair", () => {
    const mixing = hw.signals.findIndex((s) => s.name === "l0.mix.out");
    const input = hw.signals.findIndex((s) => s.name === "l0.mix.in");
    const weights = new Map<string, number>();
    for (const array of hw.crossbars) {
      const ro = dataOf(array.readouts);
      const rowMap = dataOf(array.rowMap);
      const cells = dataOf(array.cells);
      for (let r = 0; r < ro.length; r += RO_FIELDS) {
        if (ro[r + RO_SIGNAL] !== mixing || ro[r + RO_POLARITY] !== 1) continue;
        for (let k = 0; k < cells.length; k += CELL_FIELDS) {
          if (cells[k + 1] !== ro[r + RO_COL_PLUS]) continue;
          const row = cells[k]!;
          expect(rowMap[row * ROW_FIELDS]).toBe(input);
          const key = `${ro[r + RO_ELEMENT]}:${rowMap[row * ROW_FIELDS + 1]}`;
          expect(weights.has(key)).toBe(false);
          weights.set(key, cells[k + 2]! * rowMap[row * ROW_FIELDS + 2]!);
        }
      }
    }
    // 64 outputs x 32 inputs, minus weights quantized to 0.
    expect(weights.size).toBeGreaterThan(0.9 * 64 * 32);
    expect(weights.size).toBeLessThanOrEqual(64 * 32);
  });

  it("classifies within 1 point of the QAT reference", () => {
    const { inputs: x, shape } = inputs(NAME, 0, 180);
    const labels = goldenI32(NAME, "labels.i32").slice(0, 180);
    const reference = accuracy(
      goldenF32(NAME, "logits_quant_recurrent.f32").slice(0, 1800),
      labels,
      10,
    );
    expect(accuracy(emulate(lowered, x, shape).logits, labels, 10)).toBeGreaterThanOrEqual(
      reference - 0.01,
    );
  });
});
