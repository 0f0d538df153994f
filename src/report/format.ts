// A CompilationReport as text (for people) and as JSON (for tools; non-finite numbers, such as
// the SQNR of an exact tensor, as the strings the chip manifest uses).

import { formatDiagnostic } from "../diag/diagnostic.js";
import { LOSSLESS, type WorstMode } from "../passes/requantize.js";
import type { CompilationReport, CostEntry, PruneSavings } from "./build.js";
import type { CostMetrics } from "./cost.js";
import type { QuantLayer } from "./manifest-reports.js";

export function reportJson(report: CompilationReport): string {
  const replacer = (_: string, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
  return `${JSON.stringify(report, replacer, 2)}\n`;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const db = (x: number) => (x === Number.POSITIVE_INFINITY ? "exact" : `${x.toFixed(1)} dB`);

/** 1234567 -> "1 234 567" (no locale: the text is the same everywhere). */
function count(x: number): string {
  const [whole, fraction] = (Math.round(x * 10) / 10).toString().split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

const complex = ([re, im]: readonly [number, number]) =>
  `${re.toFixed(4)}${im < 0 ? "-" : "+"}${Math.abs(im).toFixed(4)}i`;

function worstMode(w: WorstMode): string {
  return `ch ${w.channel} mode ${w.mode}: ${complex(w.lambda)} -> ${complex(w.quantized)} (|err| ${w.error.toExponential(2)})`;
}

function quantLayer(layer: QuantLayer): string[] {
  const rows = layer.tensors.map((t) =>
    [
      `    ${t.tensor.padEnd(20)}`,
      String(t.bits).padStart(4),
      String(t.levelsUsed).padStart(7),
      db(t.sqnrDb).padStart(10),
      db(t.sqnrVsFloatDb).padStart(10),
      t.exact ? "  model grid kept" : "",
    ].join(""),
  );
  const fixes =
    layer.stabilityFixes > 0 ? `, ${layer.stabilityFixes} modes pulled inside |lambda| < 1` : "";
  return [
    `  layer ${layer.layer} (${layer.source}${fixes})`,
    "    tensor              bits levels      SQNR  vs float",
    ...rows,
    ...layer.worstModes.map(
      (w, i) => `    ${i === 0 ? "worst modes" : "           "}  ${worstMode(w)}`,
    ),
    ...precisionRows(layer),
  ];
}

/** The precision analysis of a layer (absent from chips compiled before it existed). */
function precisionRows(layer: QuantLayer): string[] {
  const p = layer.precision;
  if (p === undefined) return [];
  const head = `    predicted at L = ${p.length}: ${layer.stateUpdate} update, ${layer.stateBits}-bit state; relative output error ${percent(p.error.total)} (all frequencies), ${percent(p.pooled.total)} (DC, pooled); budget ${percent(p.budget)}${p.withinBudget ? "" : ": OVER"}`;
  const rows = p.bits.map(
    (b) =>
      `      ${b.tensor.padEnd(22)} holds ${String(b.bitsHeld).padStart(2)} bits, needs ${String(b.bitsNeeded).padStart(2)}, alone ${percent(b.error)}`,
  );
  return [head, ...rows];
}

/** Nothing lost: every grid of the model kept and no predicted error (float64 rounding aside). */
function lossless(layers: readonly QuantLayer[]): boolean {
  return layers.every((l) => {
    const p = l.precision;
    return p !== undefined && p.total < LOSSLESS && l.tensors.every((t) => t.exact);
  });
}

function quantization(r: CompilationReport): string[] {
  if (r.quantization === null) return ["quantization: no requantize report in the manifest"];
  const { layers, lossy, accuracy: a } = r.quantization;
  const losses = lossy.map(
    (l) => `  lossy: ${l.tensor} needs ${l.bitsNeeded} bits, the target holds ${l.bitsAvailable}`,
  );
  // Absent from the reports of chips compiled before it existed.
  const accuracy = !a
    ? []
    : [
        `  accuracy ${percent(a.target)} on this target, ${percent(a.lossless)} where every grid fits (${a.samples} samples)`,
      ];
  return [
    "quantization (SQNR against the trained network, and against the float discretization)",
    ...layers.flatMap(quantLayer),
    ...(losses.length > 0
      ? losses
      : lossless(layers)
        ? ["  lossy: none (every grid kept, no predicted error)"]
        : ["  lossy: every grid fits the target, with the predicted errors above"]),
    ...accuracy,
  ];
}

/** The measured side of the predicted errors, with calibration data. */
function measured(m: CompilationReport["measured"]): string[] {
  if (m === null) return [];
  return [
    `  measured on ${m.samples} calibration samples: chip (emulator) against the reference, max |logit error| ${percent(m.relativeLogitError)} of the largest logit, argmax agreement ${m.argmaxAgreement}/${m.samples}`,
  ];
}

function pruning(p: PruneSavings | null): string[] {
  if (p === null) return ["pruning      no prune pass ran"];
  if (p.criterion === "none") return ["pruning      none (--prune zero | energy:T | ratio:R)"];
  const share = p.cellsBefore === 0 ? "" : ` (${percent(p.cellsSaved / p.cellsBefore)} of cells)`;
  const accuracy =
    p.accuracy === null
      ? ""
      : `; accuracy ${percent(p.accuracy.before)} -> ${percent(p.accuracy.after)} on ${p.accuracy.samples} samples`;
  return [
    `pruning      ${p.criterion}: ${p.modes.length} modes, ${p.deadChannels.length} dead channels removed`,
    `             saved ${p.rowsSaved} rows, ${p.colsSaved} columns, ${p.blocksSaved} blocks, ${p.cellsSaved} cells${share}${accuracy}`,
  ];
}

function arrays(r: CompilationReport): string[] {
  const t = r.totals;
  const p = r.params;
  return [
    `arrays       ${t.arrays} of ${p.rows}x${p.cols}, ${t.cellsProgrammed} of ${t.cells} cells programmed, utilization ${percent(t.utilization)}`,
    `             ${Object.keys(t.levelHistogram).length} of ${p.levels} conductance levels used; DAC ${p.dacBits} bit, ADC ${p.adcBits} bit x ${p.adcsPerArray} per array`,
  ];
}

const METRICS: readonly [keyof CostMetrics, string][] = [
  ["ace", "ACE"],
  ["modelBits", "model size [bits]"],
  ["adcComplexity", "ADC complexity"],
];

/** N as held: an integer, or after pruning the mean held per channel and layer. */
function stateText(n: number): string {
  return Number.isInteger(n) ? String(n) : `${n.toFixed(2)} (mean held after pruning)`;
}

function cost(r: CompilationReport): string[] {
  const columns: [string, CostEntry][] = [["compiled", r.cost.compiled]];
  if (r.cost.trained !== null) columns.unshift(["trained", r.cost.trained]);
  const s = r.cost.compiled.shape;
  const bits = (e: CostEntry) => {
    const b = e.bits;
    return [b.a, b.b, b.c, b.state, b.act, b.lin, b.encoder, b.decoder]
      .map((x) => count(x))
      .join("/");
  };
  const row = (label: string, cells: string[]) =>
    `  ${label.padEnd(30)}${cells.map((c) => c.padStart(20)).join("")}`;
  return [
    `QS4D cost per time step (${s.layers} layers, H=${s.channels}, N=${stateText(s.state)}, d_in=${s.dIn}, d_out=${s.classes}, mixing ${s.channels}->${s.mixOut})`,
    row("", [...columns.map(([name]) => name), "float32"]),
    row("bits A/B/C/x/act/lin/enc/dec", [...columns.map(([, e]) => bits(e)), "32 each"]),
    ...METRICS.map(([key, label]) =>
      row(label, [...columns.map(([, e]) => count(e.metrics[key])), count(r.cost.float[key])]),
    ),
    ...METRICS.map(([key, label]) =>
      row(
        `${label} vs float32`,
        columns.map(([, e]) => `${e.vsFloat[key].toFixed(2)}x smaller`),
      ),
    ),
  ];
}

export function formatReport(r: CompilationReport): string {
  const lines = [
    `${r.source.model} (sha256 ${r.source.digest.slice(0, 16)}..) compiled by ${r.compiler} for ${r.target.name}`,
    `passes       ${r.passes.join(", ") || "(none)"}`,
    `options      ${JSON.stringify(r.options)}`,
    "",
    ...quantization(r),
    ...measured(r.measured),
    "",
    ...pruning(r.pruning),
    ...arrays(r),
    "",
    ...cost(r),
    ...(r.diagnostics.length === 0 ? [] : ["", ...r.diagnostics.map(formatDiagnostic)]),
  ];
  return `${lines.join("\n")}\n`;
}
