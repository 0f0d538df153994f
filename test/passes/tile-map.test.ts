import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { type Lowered, lowerModel } from "../../src/driver/lower.js";
import { emulate } from "../../src/emulate/index.js";
import { CELL_FIELDS, RO_ADC, RO_FIELDS } from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import type { MapConductanceReport } from "../../src/passes/map-conductance.js";
import type { TileReport } from "../../src/passes/tile.js";
import { targetDigest } from "../../src/target/load.js";
import type { TargetDescription } from "../../src/target/types.js";
import { fixtureModel, inputs, target } from "./fixtures.js";

function lower(model: Model, t: TargetDescription, passes?: string[]): Lowered {
  const loaded = { description: t, digest: targetDigest(t), origin: "test" };
  return lowerModel(model, { target: loaded, ...(passes === undefined ? {} : { passes }) });
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Qs4dError) return e.diagnostic.code;
    throw e;
  }
  throw new Error("expected a coded error");
}

const big: TargetDescription = {
  ...target("imssa-64"),
  name: "big-test",
  array: { rows: 256, cols: 256, count: null },
  adc: { bits: 8, perArray: 32 },
  outputColumns: 2,
};

describe("tile", () => {
  const qat8 = fixtureModel("digits-qat8-h32n16-l2");

  it("packs channel blocks block-diagonally, one layer per array, ADCs by column group", () => {
    const lowered = lower(qat8, big);
    const hw = lowered.model.hardware!;
    const report = lowered.reports.get("tile") as TileReport;
    // 36 x 34 blocks: 7 fit on the diagonal of 256 x 256; 32 channels -> 7+7+7+7+4 per layer.
    expect(report.arrays.map((a) => a.blocks)).toEqual([7, 7, 7, 7, 4, 7, 7, 7, 7, 4]);
    for (const array of hw.crossbars) {
      expect([array.rows, array.cols]).toEqual([256, 256]);
      const layers = new Set(array.placements.map((p) => p.block.split(".")[0]));
      expect(layers.size).toBe(1);
      let [row, col] = [0, 0];
      for (const p of array.placements) {
        expect([p.rowOffset, p.colOffset]).toEqual([row, col]);
        row += p.rows;
        col += p.cols;
      }
      const ro = dataOf(array.readouts);
      for (let i = 0; i < ro.length; i += RO_FIELDS) {
        expect(ro[i + RO_ADC]).toBe(Math.floor((ro[i]! * 32) / 256));
      }
    }
    expect(report.cellsProgrammed).toBe(hw.crossbars.reduce((s, c) => s + c.cells.shape[0]!, 0));
    expect(report.utilization).toBeCloseTo((64 * 36 * 34) / (10 * 256 * 256), 12);
    expect(verifyModel(lowered.model).filter((d) => d.severity === "error")).toEqual([]);
  });

  it("placing blocks on arrays changes nothing the chip computes", () => {
    const blocks = lower(qat8, big, [
      "apply-qat",
      "discretize",
      "requantize",
      "layout-imssa",
    ]).model;
    const placed = lower(qat8, big).model;
    const { inputs: x, shape } = inputs("digits-qat8-h32n16-l2", 0, 6);
    const a = emulate(blocks, x, shape, { trace: true });
    const b = emulate(placed, x, shape, { trace: true });
    expect(b.logits).toEqual(a.logits);
    expect(b.traces).toEqual(a.traces);
  });

  it("a block that cannot be split to fit (not one mode beside the u rows), or too many arrays, is a coded error with the numbers", () => {
    try {
      lower(qat8, { ...big, array: { rows: 6, cols: 64, count: null } });
      throw new Error("no error");
    } catch (e) {
      const d = (e as Qs4dError).diagnostic;
      expect(d.code).toBe("QS4D-E412");
      expect(d.message).toContain(
        "'l0.h0' needs 36 rows x 34 columns but the target's arrays are 6 x 64",
      );
    }
    expect(code(() => lower(qat8, { ...big, array: { rows: 256, cols: 256, count: 9 } }))).toBe(
      "QS4D-E414",
    );
  });
});

describe("map-conductance", () => {
  it("gives each programmed cell gMin + level * (gMax - gMin) / (levels - 1)", () => {
    const t = target("imssa-64");
    const lowered = lower(fixtureModel("digits-qat8-h32n16-l2"), t);
    const report = lowered.reports.get("map-conductance") as MapConductanceReport;
    const step = (100 - 1) / 127;
    expect(report.stepUs).toBeCloseTo(step, 14);
    expect(report.toleranceUs).toBeCloseTo(0.25 * step, 14);
    let count = 0;
    for (const c of lowered.model.hardware!.crossbars) {
      const cells = dataOf(c.cells);
      const g = dataOf(c.conductanceUs!);
      for (let i = 0; i < g.length; i++) {
        expect(g[i]).toBe(Math.fround(1 + cells[i * CELL_FIELDS + 2]! * step));
        count++;
      }
    }
    expect(report.cellsProgrammed).toBe(count);
    expect(report.histogram.reduce((a, b) => a + b, 0)).toBe(count);
  });
});
