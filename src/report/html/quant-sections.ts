// The quantization sections of the HTML report, from the pass reports chip.bin's manifest
// carries: per-layer quantization, the precision analysis (bits needed against bits held per
// tensor, the predicted error by cause, the modes whose eigenvalue |lambda| moved most) and
// what pruning removed.

import type { PruneSavings } from "../build.js";
import type { QuantLayer, StoredRequantizeReport } from "../manifest-reports.js";
import { esc, num, percent, section, table } from "./markup.js";
import { bars, plot } from "./svg.js";

const ERROR_PARTS = ["lambda", "bbarC", "d", "state", "output", "split", "input", "total"] as const;

const db = (v: number) => (v === Number.POSITIVE_INFINITY ? "exact" : num(v, 4));

function layerRows(layers: readonly QuantLayer[]): string[][] {
  return layers.map((l) => [
    String(l.layer),
    esc(l.source),
    esc(l.stateUpdate),
    String(l.stateBits),
    String(l.maxShift),
    String(l.stabilityFixes),
    l.precision === undefined ? "—" : percent(l.precision.total),
    l.precision === undefined ? "—" : l.precision.withinBudget ? "yes" : "<b>no</b>",
  ]);
}

function tensorRows(layers: readonly QuantLayer[]): string[][] {
  return layers.flatMap((l) =>
    l.tensors.map((t) => [
      esc(t.tensor),
      String(t.bits),
      String(t.maxCode),
      String(t.levelsUsed),
      db(t.sqnrDb),
      db(t.sqnrVsFloatDb),
      t.exact ? "yes" : "no",
    ]),
  );
}

export function quantizationSection(q: StoredRequantizeReport | null): string {
  if (q === null)
    return section(
      "quantization",
      "Quantization",
      "<p>This chip's manifest holds no requantize report.</p>",
    );
  const summary = `<p>${esc(q.choice)}; analysed at L = ${q.length} (${esc(q.lengthSource)}), budget ${percent(q.budget)} relative output error per layer${q.withinBudget ? "" : " — <b>not met</b>"}.</p>`;
  const lossy =
    q.lossy.length === 0
      ? "<p>Every tensor fits the target's grids.</p>"
      : table(
          "lossy",
          ["tensor", "bits needed", "bits available"],
          q.lossy.map((t) => [esc(t.tensor), String(t.bitsNeeded), String(t.bitsAvailable)]),
        );
  return section(
    "quantization",
    "Quantization per layer",
    [
      summary,
      table(
        "quant-layers",
        [
          "layer",
          "source",
          "state update",
          "state bits",
          "max shift",
          "stability fixes",
          "predicted error",
          "within budget",
        ],
        layerRows(q.layers),
      ),
      table(
        "quant-tensors",
        ["tensor", "bits", "max code", "levels used", "SQNR (dB)", "SQNR vs float (dB)", "exact"],
        tensorRows(q.layers),
      ),
      lossy,
    ].join("\n"),
  );
}

function bitsChart(layers: readonly QuantLayer[]): string {
  const bits = layers.flatMap((l) => l.precision?.bits ?? []);
  if (bits.length === 0) return "";
  return bars({
    className: "precision-bits",
    title: "Bits needed vs held, per tensor",
    xLabel: "tensor",
    yLabel: "bits",
    categories: bits.map((b) => b.tensor.replace(/^layers\./, "")),
    groups: [
      { name: "held", values: bits.map((b) => b.bitsHeld) },
      { name: "needed", values: bits.map((b) => b.bitsNeeded) },
    ],
  });
}

function worstModesPlot(layers: readonly QuantLayer[]): string {
  return plot({
    className: "worst-modes",
    title: "Modes moved most by quantization",
    xLabel: "|lambda| (trained)",
    yLabel: "|lambda - lambda_q|",
    logY: true,
    series: layers.map((l) => ({
      name: `layer ${l.layer}`,
      line: false,
      points: l.worstModes.map((m) => ({
        x: Math.hypot(m.lambda[0], m.lambda[1]),
        y: m.error,
        label: `layer ${l.layer} channel ${m.channel} mode ${m.mode}: |lambda| ${num(Math.hypot(m.lambda[0], m.lambda[1]), 6)}, moved ${num(m.error, 3)}`,
      })),
    })),
  });
}

export function precisionSection(q: StoredRequantizeReport | null): string {
  const layers = (q?.layers ?? []).filter((l) => l.precision !== undefined);
  if (q === null || layers.length === 0)
    return section(
      "precision",
      "Precision analysis",
      "<p>This chip was compiled before the precision analysis (no per-layer precision in its manifest).</p>",
    );
  const parts = table(
    "precision-errors",
    ["layer", "spectrum", ...ERROR_PARTS, "worst channel", "its error"],
    layers.flatMap((l) => {
      const p = l.precision!;
      return [
        [
          String(l.layer),
          "white",
          ...ERROR_PARTS.map((k) => percent(p.error[k])),
          String(p.worstChannel),
          percent(p.worstError),
        ],
        [String(l.layer), "pooled (DC)", ...ERROR_PARTS.map((k) => percent(p.pooled[k])), "", ""],
      ];
    }),
  );
  const bits = table(
    "precision-bits-table",
    ["tensor", "bits held", "bits needed", "predicted error alone"],
    layers.flatMap((l) =>
      l.precision!.bits.map((b) => [
        esc(b.tensor),
        String(b.bitsHeld),
        b.bitsNeeded > b.bitsHeld ? `<b>${b.bitsNeeded}</b>` : String(b.bitsNeeded),
        percent(b.error),
      ]),
    ),
  );
  const modes = table(
    "worst-modes-table",
    ["layer", "channel", "mode", "|lambda|", "lambda", "quantized", "moved"],
    layers.flatMap((l) =>
      l.worstModes.map((m) => [
        String(l.layer),
        String(m.channel),
        String(m.mode),
        num(Math.hypot(m.lambda[0], m.lambda[1]), 6),
        `${num(m.lambda[0], 6)} ${m.lambda[1] < 0 ? "-" : "+"} ${num(Math.abs(m.lambda[1]), 6)}i`,
        `${num(m.quantized[0], 6)} ${m.quantized[1] < 0 ? "-" : "+"} ${num(Math.abs(m.quantized[1]), 6)}i`,
        num(m.error, 3),
      ]),
    ),
  );
  const intro = `<p>Predicted relative output error of each layer at L = ${q.length}, by cause, without data (white input; "pooled" is the error of the output's mean over time, which the classifier keeps). A tensor whose bits needed exceed its bits held is where the target loses precision.</p>`;
  return section(
    "precision",
    "Precision analysis",
    [
      intro,
      `<div class="plots">${bitsChart(layers)}${worstModesPlot(layers)}</div>`,
      parts,
      bits,
      modes,
    ].join("\n"),
  );
}

/** At most this many pruned modes are listed (the counts cover them all). */
const LISTED_MODES = 200;

export function pruningSection(p: PruneSavings | null): string {
  if (p === null) return "";
  const summary = `<p>Criterion <code>${esc(p.criterion)}</code>: ${p.modes.length} modes pruned, ${p.cellsSaved} of ${p.cellsBefore} cells saved (${percent(p.cellsBefore === 0 ? 0 : p.cellsSaved / p.cellsBefore)}), ${p.rowsSaved} rows, ${p.colsSaved} columns, ${p.blocksSaved} blocks${p.deadChannels.length > 0 ? `; dead channels: ${esc(p.deadChannels.join(", "))}` : ""}.</p>`;
  const predicted = table(
    "prune-predicted",
    ["layer", "predicted error added"],
    p.predicted.map((e) => [String(e.layer), percent(e.error)]),
  );
  const listed = p.modes.slice(0, LISTED_MODES);
  const modes = table(
    "pruned-modes",
    ["layer", "channel", "mode", "energy share", "reason"],
    listed.map((m) => [
      String(m.layer),
      String(m.channel),
      String(m.mode),
      percent(m.share),
      esc(m.reason),
    ]),
  );
  const more =
    p.modes.length > LISTED_MODES
      ? `<p class="note">First ${LISTED_MODES} of ${p.modes.length} pruned modes.</p>`
      : "";
  return section(
    "pruning",
    "Pruning",
    [summary, predicted, p.modes.length > 0 ? modes : "", more].join("\n"),
  );
}
