// The chip's own sections of the HTML report: the heatmap of every array and the level
// histograms per layer.

import type { ChipImage } from "../../emit/chip-image.js";
import type { PrunedMode } from "../../passes/prune.js";
import { blockChannel, heatmapFigure, levelLegend, levelScale } from "./heatmap.js";
import { esc, section } from "./markup.js";
import { bars } from "./svg.js";

/** At most this many bars per histogram: more levels are binned. */
const MAX_BINS = 128;

export function arraysSection(image: ChipImage, pruned: readonly PrunedMode[]): string {
  const scale = levelScale(image.target.params.levels);
  const figures = image.arrays.map((_, k) => heatmapFigure(image, k, scale, pruned)).join("\n");
  const intro = `<p>Each cell's conductance level, one pixel per cell; rows are labelled with the signals that drive them, columns with the registers their readouts write; blocks placed on an array are outlined. Click an array to zoom (mouse wheel) and pan (drag); hover for the row, column and level.</p>`;
  return section(
    "arrays",
    `Crossbar arrays (${image.arrays.length})`,
    `${intro}\n${levelLegend(scale)}\n<div class="heatmaps">\n${figures}\n</div>`,
  );
}

/** The layer an array serves, by its first block ("dense" for arrays of dense layers). */
function arrayGroup(image: ChipImage, k: number): string {
  const first = image.arrays[k]!.placements[0];
  const ch = first === undefined ? null : blockChannel(first.block);
  return ch === null ? "other arrays" : `layer ${ch.layer}`;
}

export function histogramSection(image: ChipImage): string {
  const levels = image.target.params.levels;
  const bin = Math.ceil((levels - 1) / MAX_BINS);
  const bins = Math.ceil((levels - 1) / bin);
  const counts = new Map<string, number[]>();
  image.arrays.forEach((a, k) => {
    const group = arrayGroup(image, k);
    const c = counts.get(group) ?? new Array<number>(bins).fill(0);
    for (let i = 0; i < a.cells; i++) c[Math.floor((a.cell.level[i]! - 1) / bin)]! += 1;
    counts.set(group, c);
  });
  const categories = Array.from({ length: bins }, (_, i) =>
    bin === 1 ? String(i + 1) : `${i * bin + 1}-${Math.min((i + 1) * bin, levels - 1)}`,
  );
  const charts = [...counts].map(([group, c]) =>
    bars({
      className: "histogram",
      title: `Levels of ${group} (${c.reduce((s, n) => s + n, 0)} cells)`,
      xLabel: bin === 1 ? "level" : `level (bins of ${bin})`,
      yLabel: "cells",
      categories,
      groups: [{ name: "cells", values: c }],
    }),
  );
  return section(
    "histograms",
    "Level histograms",
    `<p>Programmed cells per conductance level (level 0, gMin, is every unprogrammed cell and is not counted), by layer.</p>\n<div class="plots">${charts.join("\n")}</div>\n<p class="note">${esc(`${levels} levels from ${image.target.params.gMinUs} to ${image.target.params.gMaxUs} µS`)}</p>`,
  );
}
