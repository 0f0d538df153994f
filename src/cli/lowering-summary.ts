// The human summary of a lowering (stderr of `compile`) and the JSON of all its reports.

import type { Lowered } from "../driver/lower.js";
import type { LayoutReport } from "../passes/layout-imssa.js";
import type { PruneReport } from "../passes/prune.js";
import type { RealizeKernelReport } from "../passes/realize-kernel.js";
import { type LayerQuantReport, LOSSLESS, type RequantizeReport } from "../passes/requantize.js";
import type { TileReport } from "../passes/tile.js";

/** Reports as JSON; non-finite numbers (an exact SQNR is Infinity) as strings. */
export function reportsJson(lowered: Lowered): string {
  const reports = Object.fromEntries(lowered.reports);
  const body = {
    target: lowered.model.hardware?.target ?? null,
    passes: lowered.passes,
    diagnostics: lowered.diagnostics.items,
    reports,
  };
  return `${JSON.stringify(body, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

function db(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)} dB` : "exact";
}

function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toPrecision(2)}%` : "unbounded";
}

/**
 * One layer: its state update, the grids, and the predicted loss. "lossless" only when the
 * model's grids are all kept and the analysis predicts no error; otherwise the loss is named.
 */
function layerLine(layer: LayerQuantReport): string {
  const lambda = layer.tensors.find((t) => t.tensor.endsWith(".lambda"));
  const worst = Math.min(...layer.tensors.map((t) => t.sqnrDb));
  const p = layer.precision;
  const lossless = p.total < LOSSLESS && layer.tensors.every((t) => t.exact);
  const loss = lossless
    ? "lossless"
    : `predicted error ${percent(p.total)}${p.withinBudget ? "" : " (over budget)"}, worst ${worstBits(layer)}`;
  const state = `${layer.stateUpdate} ${layer.stateBits}-bit state`;
  return `layer ${layer.layer}: ${layer.source}, ${state}, lambda ${db(lambda?.sqnrDb ?? Number.NaN)} (vs float ${db(lambda?.sqnrVsFloatDb ?? Number.NaN)}), worst tensor ${db(worst)}; ${loss}`;
}

function worstBits(layer: LayerQuantReport): string {
  const b = [...layer.precision.bits].sort((x, y) => y.error - x.error)[0];
  return b === undefined ? "none" : `${b.tensor} ${percent(b.error)} (holds ${b.bitsHeld} bits)`;
}

export function loweringSummary(lowered: Lowered): string {
  const lines: string[] = [];
  const hw = lowered.model.hardware;
  if (hw !== null) {
    const p = hw.params;
    lines.push(
      `target ${hw.target.name}: ${p.rows}x${p.cols} arrays, ${p.levels} levels, DAC ${p.dacBits} bit, ADC ${p.adcBits} bit, ${p.outputMode}`,
    );
  }
  const rk = lowered.reports.get("realize-kernel") as RealizeKernelReport | undefined;
  if (rk?.worst != null) {
    const kernels = rk.layers.reduce((n, l) => n + l.channels.length, 0);
    const { layer, channel, error } = rk.worst;
    lines.push(
      `realize-kernel: ${kernels} kernels as up to ${rk.layers[0]!.modes} modes each, worst relative error ${error.toExponential(1)} (layer ${layer}, channel ${channel})`,
    );
  }
  const rq = lowered.reports.get("requantize") as RequantizeReport | undefined;
  if (rq !== undefined) {
    lines.push(
      `requantize: ${rq.choice}; predicted at L = ${rq.length} (${rq.lengthSource}), budget ${percent(rq.budget)} per layer`,
    );
  }
  for (const layer of rq?.layers ?? []) lines.push(layerLine(layer));
  const pr = lowered.reports.get("prune") as PruneReport | undefined;
  if (pr !== undefined && pr.criterion !== "none") {
    const acc =
      pr.accuracy === null
        ? ""
        : `, accuracy ${(pr.accuracy.before * 100).toFixed(1)}% -> ${(pr.accuracy.after * 100).toFixed(1)}%`;
    lines.push(
      `prune ${pr.criterion}: ${pr.modes.length} modes, ${pr.deadChannels.length} channels; saved ${pr.rowsSaved} rows, ${pr.colsSaved} columns, ${pr.cellsSaved} cells${acc}`,
    );
  }
  const tl = lowered.reports.get("tile") as TileReport | undefined;
  if (tl !== undefined) {
    lines.push(
      `${tl.arrays.length} arrays, utilization ${(tl.utilization * 100).toFixed(1)}% (blocks) ${(tl.cellUtilization * 100).toFixed(1)}% (cells), ${tl.cellsProgrammed} cells programmed`,
    );
    const split = splitLine(lowered);
    if (split !== null) lines.push(split);
  }
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * Split channels: each part converts its partial y with `fraction` more bits and the commit
 * rounds the sum once (docs/chip-arithmetic.md §3), so y moves by at most one code from the
 * unsplit chip's, where the sum lies within J 2^-(fraction+1) codes of a rounding boundary.
 */
function splitLine(lowered: Lowered): string | null {
  const split = (lowered.reports.get("layout-imssa") as LayoutReport | undefined)?.split ?? [];
  if (split.length === 0) return null;
  const parts = Math.max(...split.map((c) => c.parts.length));
  const fractions = [...new Set(split.map((c) => c.fraction))].sort((a, b) => a - b);
  return `${split.length} channels larger than one array, split into up to ${parts} parts each: each part converts its partial y with ${fractions.join(" or ")} more bits and the sum is rounded once, so y moves by at most 1 code from the unsplit chip's, where the sum lies within ${parts} x 2^-${fractions[0]! + 1} codes of a rounding boundary (counted in the predicted errors)`;
}
