// map-conductance: the target conductance of every programmed cell and the write-verify band.
// Level k of L sits at G(k) = gMin + k (gMax - gMin) / (L - 1) µS (uniform in conductance, so
// a column current is proportional to sum level x voltage, the arithmetic of the arrays).
// Level 0 is gMin: cells that are not listed stay in the reset state at gMin. With row-polarity
// every signal drives a +v/-v row pair, so the gMin offsets of a column cancel pairwise.
// A programming tool accepts a cell when it reads within +- tolerance of its target.

import { fail } from "../diag/error.js";
import { CELL_FIELDS, CELL_LEVEL, type Crossbar, type HardwareParams } from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { dataOf, f32 } from "../ir/tensor.js";
import type { Pass } from "./pass.js";

export interface MapConductanceReport {
  readonly gMinUs: number;
  readonly gMaxUs: number;
  readonly levels: number;
  /** Conductance between adjacent levels. */
  readonly stepUs: number;
  /** Write-verify acceptance: +- this around each cell's target. */
  readonly toleranceUs: number;
  readonly cellsProgrammed: number;
  /** Programmed cells per level index (index 0 unused). */
  readonly histogram: number[];
}

export function levelConductance(level: number, params: HardwareParams): number {
  return params.gMinUs + (level * (params.gMaxUs - params.gMinUs)) / (params.levels - 1);
}

function mapCrossbar(c: Crossbar, params: HardwareParams, histogram: number[]): Crossbar {
  const cells = dataOf(c.cells);
  const n = cells.length / CELL_FIELDS;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const level = cells[i * CELL_FIELDS + CELL_LEVEL]!;
    if (level < 1 || level >= params.levels) {
      fail("QS4D-E415", { crossbar: c.name, level, levels: params.levels });
    }
    g[i] = levelConductance(level, params);
    histogram[level] = (histogram[level] ?? 0) + 1;
  }
  return { ...c, conductanceUs: f32([n], g) };
}

export function mapConductance(model: Model): { model: Model; report: MapConductanceReport } {
  const hw = model.hardware;
  if (hw === null || !hw.placed) fail("QS4D-E406", { layer: 0, pass: "tile" });
  const { params } = hw;
  const histogram = new Array<number>(params.levels).fill(0);
  const crossbars = hw.crossbars.map((c) => mapCrossbar(c, params, histogram));
  const stepUs = (params.gMaxUs - params.gMinUs) / (params.levels - 1);
  const report: MapConductanceReport = {
    gMinUs: params.gMinUs,
    gMaxUs: params.gMaxUs,
    levels: params.levels,
    stepUs,
    toleranceUs: params.writeVerifyTolerance * stepUs,
    cellsProgrammed: histogram.reduce((a, b) => a + b, 0),
    histogram,
  };
  return { model: { ...model, hardware: { ...hw, crossbars } }, report };
}

export const MAP_CONDUCTANCE: Pass = {
  name: "map-conductance",
  description:
    "give every programmed cell its target conductance (µS) from its level; report the write-verify tolerance",
  options: [],
  run(model, context) {
    const { model: result, report } = mapConductance(model);
    context.reports.set("map-conductance", report);
    return result;
  },
};
