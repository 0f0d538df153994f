import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { lowerModel } from "../../src/driver/lower.js";
import { emulate } from "../../src/emulate/index.js";
import type { AffineQuantizer, Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { emptyLayoutReport, layoutImssa } from "../../src/passes/layout-imssa.js";
import { type PruneReport, parseCriterion, prune } from "../../src/passes/prune.js";
import { targetDigest } from "../../src/target/load.js";
import {
  accuracy,
  context,
  fixtureModel,
  goldenI32,
  inputs,
  target,
  withForwards,
} from "./fixtures.js";

const NAME = "digits-qat8-h32n16-l2";
const t = target("imssa-64");
const loaded = { description: t, digest: targetDigest(t), origin: "test" };

function requantized(): Model {
  return lowerModel(fixtureModel(NAME), {
    target: loaded,
    passes: ["apply-qat", "discretize", "requantize"],
  }).model;
}

function layout(model: Model) {
  const report = emptyLayoutReport();
  return { hw: layoutImssa(model, report).hardware!, report };
}

/** Every programmed cell as "block:row:col=level", in block coordinates. */
function cellSet(model: Model): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const c of layout(model).hw.crossbars) {
    const cells = dataOf(c.cells);
    const rowMap = dataOf(c.rowMap);
    const ro = dataOf(c.readouts);
    // Name each column by the output it produces, each row by its signal element and sign.
    const colName = new Map<number, string>();
    for (let i = 0; i < ro.length; i += 8)
      colName.set(ro[i]!, `${ro[i + 2]}:${ro[i + 3]}:${ro[i + 4]}`);
    const m = new Map<string, number>();
    for (let k = 0; k < cells.length; k += 3) {
      const r = cells[k]!;
      const row = `${rowMap[3 * r]}:${rowMap[3 * r + 1]}:${rowMap[3 * r + 2]}`;
      m.set(`${row}->${colName.get(cells[k + 1]!)}`, cells[k + 2]!);
    }
    out.set(c.name, m);
  }
  return out;
}

describe("prune", () => {
  it("parses its criterion and rejects anything else", () => {
    expect(parseCriterion(undefined)).toEqual({ kind: "none" });
    expect(parseCriterion("zero")).toEqual({ kind: "zero" });
    expect(parseCriterion("energy:0.05")).toEqual({ kind: "energy", threshold: 0.05 });
    expect(parseCriterion("ratio:0.25")).toEqual({ kind: "ratio", ratio: 0.25 });
    for (const bad of ["energy", "energy:2", "ratio:-1", "all"]) {
      expect(() => parseCriterion(bad)).toThrow(Qs4dError);
    }
  });

  it("removes exactly the modes its report names, and saves what it says", () => {
    const model = requantized();
    const { model: pruned, report } = prune(model, { kind: "ratio", ratio: 0.25 }, null);
    expect(report.modes.length).toBe(Math.floor(0.25 * 2 * 32 * 8));
    const M = 8;
    const before = cellSet(model);
    const after = cellSet(pruned);
    const named = new Set(report.modes.map((m) => `${m.layer}.${m.channel}.${m.mode}`));
    for (let layer = 0; layer < 2; layer++) {
      const a = dataOf((pruned.layers[layer]!.ssm.quant.lambda as AffineQuantizer).codes!);
      const a0 = dataOf((model.layers[layer]!.ssm.quant.lambda as AffineQuantizer).codes!);
      for (let h = 0; h < 32; h++) {
        for (let n = 0; n < M; n++) {
          const k = 2 * (h * M + n);
          const gone = named.has(`${layer}.${h}.${n}`);
          expect([a[k], a[k + 1]]).toEqual(gone ? [0, 0] : [a0[k], a0[k + 1]]);
        }
      }
    }
    // Cells that survive are untouched; every removed cell touches a pruned mode's state
    // (its row or its column is one of that mode's x elements) or is in a dead channel.
    const signals = layout(model).hw.signals;
    const prunedState = (signal: number, element: number) => {
      const name = signals[signal]?.name ?? "";
      const m = name.match(/^l(\d+)\.x$/);
      if (m === null) return false;
      const k = Math.floor(element / 2);
      return named.has(`${m[1]}.${Math.floor(k / M)}.${k % M}`);
    };
    let removed = 0;
    for (const [block, cells] of before) {
      const kept = after.get(block);
      for (const [cell, level] of cells) {
        if (kept?.has(cell) === true) {
          expect(kept.get(cell)).toBe(level);
          continue;
        }
        removed++;
        const [row, col] = cell.split("->").map((x) => x.split(":").map(Number)) as [
          number[],
          number[],
        ];
        const dead = report.deadChannels.includes(block);
        expect(dead || prunedState(row[0]!, row[1]!) || prunedState(col[0]!, col[1]!)).toBe(true);
      }
      for (const cell of kept?.keys() ?? []) expect(cells.has(cell)).toBe(true);
    }
    expect(removed).toBe(report.cellsSaved);
    const rowsPerMode = 4;
    const deadRows = report.deadChannels.length * 4;
    expect(report.rowsSaved).toBe(rowsPerMode * report.modes.length + deadRows);
    expect(report.colsSaved).toBe(4 * report.modes.length + report.deadChannels.length * 4);
    expect(report.blocksSaved).toBe(report.deadChannels.length);
  });

  it("energy: prunes the modes under the threshold; zero: only modes that contribute nothing", () => {
    const model = requantized();
    const energy = prune(model, { kind: "energy", threshold: 0.01 }, null).report;
    expect(energy.modes.length).toBeGreaterThan(0);
    for (const m of energy.modes) expect(m.reason === "zero" || m.share < 0.01).toBe(true);
    const zero = prune(model, { kind: "zero" }, null).report;
    for (const m of zero.modes) expect(m.reason).toBe("zero");
  });

  it("predicts what pruning costs and warns when it is over the fidelity budget", () => {
    const model = requantized();
    const ctx = context(t);
    const heavy = prune(model, { kind: "energy", threshold: 0.1 }, ctx).report;
    expect(heavy.predicted.map((p) => p.layer)).toEqual([0, 1]);
    for (const p of heavy.predicted) expect(p.error).toBeGreaterThan(heavy.budget);
    const warned = ctx.diagnostics.items.filter((d) => d.code === "QS4D-W408");
    expect(warned.map((d) => d.message)).toEqual(
      heavy.predicted.map((p) => expect.stringContaining(`pruned in layer ${p.layer} cost`)),
    );
    // Removing modes that contribute nothing costs nothing, and says nothing.
    const quiet = context(t);
    const zero = prune(model, { kind: "zero" }, quiet).report;
    for (const p of zero.predicted) expect(p.error).toBeLessThan(1e-9);
    expect(quiet.diagnostics.items).toEqual([]);
  });

  it("measures the accuracy change on calibration data with labels", () => {
    const calib = inputs(NAME, 0, 40);
    const labels = goldenI32(NAME, "labels.i32").slice(0, 40);
    const ctx = context(t, { calibration: withForwards(calib), calibrationLabels: labels });
    const { model: pruned, report } = prune(requantized(), { kind: "ratio", ratio: 0.5 }, ctx);
    const acc = (m: Model) => {
      const r = layoutImssa(m, emptyLayoutReport());
      return accuracy(emulate(r, calib.inputs, calib.shape).logits, labels, 10);
    };
    expect(report.accuracy).toEqual({
      before: acc(requantized()),
      after: acc(pruned),
      samples: 40,
    });
    expect((report as PruneReport).accuracy!.after).toBeLessThanOrEqual(1);
  });
});
