// The sections of the HTML report drawn from result files: accuracy against noise (Monte Carlo
// reports) and a sweep's Pareto fronts (accuracy against energy and against cells).

import { esc, num, percent, section, table } from "./markup.js";
import { type MonteCarloResult, paretoFront, type SweepPoint } from "./results.js";
import { plot, type Series } from "./svg.js";

/** The noise parameters that differ between the results (the axis of the plot). */
function varyingKeys(results: readonly MonteCarloResult[]): string[] {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.noise)))];
  return keys.filter((k) => new Set(results.map((r) => r.noise[k] ?? 0)).size > 1);
}

const noiseText = (noise: Readonly<Record<string, number>>) =>
  Object.entries(noise)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k}=${num(v)}`)
    .join(", ") || "none";

export function monteCarloSection(results: readonly MonteCarloResult[]): string {
  if (results.length === 0) return "";
  const varying = varyingKeys(results);
  // One varying parameter is the x axis; with several, the results are plotted in the order given.
  const axis = varying.length === 1 ? varying[0]! : null;
  const ordered =
    axis === null
      ? results
      : [...results].sort((a, b) => (a.noise[axis] ?? 0) - (b.noise[axis] ?? 0));
  const point = (r: MonteCarloResult, i: number) => ({
    x: axis === null ? i : (r.noise[axis] ?? 0),
    y: r.accuracy.mean,
    err: r.accuracy.std,
    label: `${noiseText(r.noise)}: accuracy ${percent(r.accuracy.mean)} ± ${percent(r.accuracy.std)} over ${r.runs} runs`,
  });
  const chart = plot({
    className: "noise-plot",
    title: "Accuracy against noise (mean ± std over runs)",
    xLabel: axis ?? "noise setting (in the order given)",
    yLabel: "accuracy",
    series: [
      { name: "mean", line: true, points: ordered.map(point) },
      {
        name: "min",
        line: true,
        points: ordered.map((r, i) => ({ ...point(r, i), y: r.accuracy.min, err: 0 })),
      },
    ],
  });
  const rows = ordered.map((r) => [
    esc(r.file),
    esc(noiseText(r.noise)),
    String(r.runs),
    percent(r.accuracy.mean),
    percent(r.accuracy.std),
    percent(r.accuracy.min),
    percent(r.accuracy.max),
  ]);
  return section(
    "noise",
    "Accuracy against noise",
    `<div class="plots">${chart}</div>\n${table("noise-results", ["file", "noise", "runs", "mean", "std", "min", "max"], rows)}`,
  );
}

const pointText = (p: SweepPoint) =>
  Object.entries(p.point)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");

function frontPlot(points: readonly SweepPoint[], cost: string): string | null {
  const usable = points.filter(
    (p) => p.values[cost] !== undefined && p.values.accuracy !== undefined,
  );
  if (usable.length === 0) return null;
  const xy = (p: SweepPoint) => ({
    x: p.values[cost]!,
    y: p.values.accuracy!,
    label: `${pointText(p)}: accuracy ${num(p.values.accuracy!)}, ${cost} ${num(p.values[cost]!)}`,
  });
  const front = paretoFront(
    usable,
    (p) => p.values[cost]!,
    (p) => p.values.accuracy!,
  );
  const positive = usable.every((p) => p.values[cost]! > 0);
  const series: Series[] = [
    { name: "points", line: false, points: usable.map(xy) },
    { name: "Pareto front", line: true, points: front.map(xy) },
  ];
  return plot({
    className: `pareto pareto-${cost}`,
    title: `Accuracy against ${cost}`,
    xLabel: positive ? `${cost} (log)` : cost,
    yLabel: "accuracy",
    logX: positive,
    series,
  });
}

/** At most this many sweep points are listed (the plots show them all). */
const LISTED_POINTS = 500;

export function sweepSection(points: readonly SweepPoint[]): string {
  if (points.length === 0) return "";
  const charts = ["energy", "cells"].map((c) => frontPlot(points, c)).filter((c) => c !== null);
  const axes = [...new Set(points.flatMap((p) => Object.keys(p.point)))];
  const values = [...new Set(points.flatMap((p) => Object.keys(p.values)))];
  const rows = points
    .slice(0, LISTED_POINTS)
    .map((p) => [
      ...axes.map((k) => esc(String(p.point[k] ?? ""))),
      ...values.map((k) => (p.values[k] === undefined ? "" : num(p.values[k]!))),
    ]);
  const note =
    charts.length === 0
      ? "<p>No point has accuracy with energy or cells: no Pareto front to draw.</p>"
      : "<p>A point is on the Pareto front when no other point is at least as accurate for no more cost.</p>";
  const more =
    points.length > LISTED_POINTS
      ? `<p class="note">First ${LISTED_POINTS} of ${points.length} points.</p>`
      : "";
  return section(
    "sweep",
    `Sweep (${points.length} points)`,
    [
      note,
      `<div class="plots">${charts.join("\n")}</div>`,
      table("sweep-points", [...axes, ...values], rows),
      more,
    ].join("\n"),
  );
}
