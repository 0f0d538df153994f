// layout-imssa: block shapes (N = 28 gives the IMSSA demo's 60 x 60 on imssa-64), and the
// signed weights the cells encode, decoded here from the tables independently of the builder.

import { describe, expect, it } from "vitest";
import {
  CELL_FIELDS,
  type Crossbar,
  RO_COL_MINUS,
  RO_COL_PLUS,
  RO_ELEMENT,
  RO_FIELDS,
  RO_POLARITY,
  RO_SIGNAL,
  RO_SLICE,
  ROW_FIELDS,
} from "../../src/ir/hardware.js";
import type { AffineQuantizer, Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import { applyQat } from "../../src/passes/apply-qat.js";
import { discretize } from "../../src/passes/discretize.js";
import { emptyLayoutReport, layoutImssa } from "../../src/passes/layout-imssa.js";
import { requantize } from "../../src/passes/requantize.js";
import { targetDigest } from "../../src/target/load.js";
import type { TargetDescription } from "../../src/target/types.js";
import { context, fixtureModel, target, withForwards } from "./fixtures.js";
import { syntheticInputs, syntheticModel } from "./synthetic.js";

function lowerTo(model: Model, t: TargetDescription, calibrate = false) {
  const d = discretize(applyQat(model, null), { layers: [] });
  const ctx = context(t);
  const calib = calibrate ? withForwards(syntheticInputs(d, 4)) : null;
  const q = requantize(
    d,
    { description: t, digest: targetDigest(t), origin: "test" },
    calib,
    null,
    ctx.diagnostics,
  ).model;
  const report = emptyLayoutReport();
  const lowered = layoutImssa(q, report);
  expect(verifyModel(lowered).filter((x) => x.severity === "error")).toEqual([]);
  return { quantized: q, lowered, report };
}

/** W[readout element][row signal:element] = signed weight, read from the primary columns. */
function decode(c: Crossbar, signalNames: readonly string[], base = 2) {
  const rowMap = dataOf(c.rowMap);
  const ro = dataOf(c.readouts);
  const cells = dataOf(c.cells);
  const weights = new Map<string, Map<string, number>>();
  for (let i = 0; i < ro.length / RO_FIELDS; i++) {
    const r = (f: number) => ro[i * RO_FIELDS + f]!;
    if (r(RO_POLARITY) !== 1) continue;
    const out = `${signalNames[r(RO_SIGNAL)]}:${r(RO_ELEMENT)}`;
    const row = weights.get(out) ?? new Map<string, number>();
    weights.set(out, row);
    for (const [col, sign] of [
      [r(RO_COL_PLUS), 1],
      [r(RO_COL_MINUS), -1],
    ] as const) {
      if (col < 0) continue;
      for (let k = 0; k < cells.length; k += CELL_FIELDS) {
        if (cells[k + 1] !== col) continue;
        const rr = cells[k]!;
        const key = `${signalNames[rowMap[rr * ROW_FIELDS]!]}:${rowMap[rr * ROW_FIELDS + 1]}`;
        const digit = sign * cells[k + 2]! * rowMap[rr * ROW_FIELDS + 2]!;
        row.set(key, (row.get(key) ?? 0) + digit * base ** r(RO_SLICE));
      }
    }
  }
  return weights;
}

function codes(model: Model, role: "lambda" | "bbar" | "c" | "d"): Int32Array {
  return Int32Array.from(dataOf((model.layers[0]!.ssm.quant[role] as AffineQuantizer).codes!));
}

describe("layout-imssa", () => {
  it("N = 28 on imssa-64 gives the paper's 60 x 60 channel block", () => {
    const { lowered, report } = lowerTo(
      syntheticModel({ channels: 3, state: 28 }),
      target("imssa-64"),
      true,
    );
    expect(report.blocks.map((b) => [b.rows, b.cols])).toEqual([
      [60, 60],
      [60, 60],
      [60, 60],
    ]);
    expect(lowered.hardware!.crossbars).toHaveLength(3);
  });

  it("row and column counts follow the target's encoding and output options", () => {
    const base = target("imssa-64");
    const model = syntheticModel({ channels: 2, state: 8 });
    const shape = (t: TargetDescription) => {
      const b = lowerTo(model, t, true).report.blocks[0]!;
      return [b.rows, b.cols];
    };
    // 4 u rows (u, u1 +-) + 4 per mode; 4 columns per mode + 4 output columns.
    expect(shape(base)).toEqual([20, 20]);
    expect(shape({ ...base, outputColumns: 2 })).toEqual([20, 18]);
    expect(shape({ ...base, outputColumns: 2, dPlacement: "digital" })).toEqual([18, 18]);
    expect(shape({ ...base, outputColumns: 2, outputMode: "folded" })).toEqual([18, 18]);
    // One row per signal, a +/- column pair per output.
    expect(shape({ ...base, outputColumns: 2, encoding: "differential-columns" })).toEqual([
      10, 18,
    ]);
  });

  const sliced = {
    ...target("imssa-64"),
    array: { rows: 256, cols: 256, count: null },
    cell: { ...target("imssa-64").cell, levels: 16 },
  };
  for (const [label, t] of [
    ["row-polarity", target("ideal")],
    ["differential-columns", { ...target("ideal"), encoding: "differential-columns" }],
    ["bit-sliced (2 cells of 16 levels)", sliced],
  ] as [string, TargetDescription][]) {
    it(`${label}: the cells encode the mode blocks [[a, b], [-b, a]], Bbar, C and D exactly`, () => {
      const { quantized, lowered } = lowerTo(fixtureModel("digits-qat8-h32n16-l2"), t);
      const hw = lowered.hardware!;
      const names = hw.signals.map((s) => s.name);
      const [a, b, c, d] = [
        codes(quantized, "lambda"),
        codes(quantized, "bbar"),
        codes(quantized, "c"),
        codes(quantized, "d"),
      ];
      const M = 8;
      for (const h of [0, 17, 31]) {
        const block = hw.crossbars.find((x) => x.name === `l0.h${h}`)!;
        const w = decode(block, names, hw.params.levels);
        for (let n = 0; n < M; n++) {
          const k = 2 * (h * M + n);
          const xr = w.get(`l0.x:${k}`)!;
          const xi = w.get(`l0.x:${k + 1}`)!;
          const get = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
          expect([get(xr, `l0.x:${k}`), get(xr, `l0.x:${k + 1}`), get(xr, `l0.u:${h}`)]).toEqual([
            a[k],
            0 - a[k + 1]!,
            b[k],
          ]);
          expect([get(xi, `l0.x:${k}`), get(xi, `l0.x:${k + 1}`), get(xi, `l0.u:${h}`)]).toEqual([
            a[k + 1],
            a[k],
            b[k + 1],
          ]);
          expect(xr.size + xi.size).toBeLessThanOrEqual(6);
          if (hw.params.slices > 1) expect(block.cols).toBe(2 * (4 * M + 2) + 2);
          const y = w.get(`l0.y:${h}`)!;
          expect([get(y, `l0.x:${k}`), get(y, `l0.x:${k + 1}`)]).toEqual([c[k], 0 - c[k + 1]!]);
          expect(get(y, `l0.u1:${h}`)).toBe(d[h]);
        }
      }
    });
  }

  it("programs 8 of the 16 cells of a mode's 4 x 4 block (row-polarity)", () => {
    const { quantized, lowered } = lowerTo(fixtureModel("digits-qat8-h32n16-l2"), target("ideal"));
    const a = codes(quantized, "lambda");
    const block = lowered.hardware!.crossbars[0]!;
    const cells = dataOf(block.cells);
    for (let n = 0; n < 8; n++) {
      if (a[2 * n] === 0 || a[2 * n + 1] === 0) continue;
      const [r0, c0] = [4 + 4 * n, 4 * n];
      let count = 0;
      for (let k = 0; k < cells.length; k += CELL_FIELDS) {
        const [r, c] = [cells[k]!, cells[k + 1]!];
        if (r >= r0 && r < r0 + 4 && c >= c0 && c < c0 + 4) count++;
      }
      expect(count).toBe(8);
    }
  });

  it("builds the digital program in the reference's dataflow order", () => {
    const { lowered } = lowerTo(fixtureModel("digits-qat8-h32n16-l2"), target("ideal"));
    expect(lowered.hardware!.program.map((op) => op.op)).toEqual([
      "linear",
      ...["ssm", "gelu", "linear", "glu", "add", "layer-norm"],
      ...["ssm", "gelu", "linear", "glu", "add", "layer-norm"],
      "mean-pool",
      "linear",
    ]);
    const { lowered: max } = lowerTo(fixtureModel("qs4d-digits-qat-h32n16-l2"), target("imssa-64"));
    expect(max.hardware!.program.map((op) => op.op)).toEqual([
      "linear",
      ...["batch-norm", "ssm", "linear", "glu", "fake-quant"],
      ...["batch-norm", "ssm", "linear", "glu", "fake-quant"],
      "mean-pool",
      "linear",
    ]);
  });
});
