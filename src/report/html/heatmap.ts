// One heatmap per crossbar array, like the conductance map of the IMSSA paper: each cell's
// conductance level colour-coded at one pixel per cell (an indexed PNG in a data: URL, drawn
// scaled without smoothing), the rows labelled with the signals that drive them (u, u(t-1),
// x(t-1)), the columns with the registers their readouts write (x(t), y), the blocks placed on
// the array outlined, and the modes pruned from its channels listed. The page's script opens
// any of them in a zoomable view (src/report/html/page-script.ts).

import type { ChipArray, ChipImage, ChipSignal } from "../../emit/chip-image.js";
import type { PrunedMode } from "../../passes/prune.js";
import { esc } from "./markup.js";
import { indexedPng } from "./png.js";

type Rgb = readonly [number, number, number];

/** Palette index of a cell outside every block, and of an unprogrammed cell in a block. */
const OUTSIDE = 0;
const IN_BLOCK = 1;
const FIRST_LEVEL = 2;
/** Palette entries left for levels: more levels than this share colours. */
const LEVEL_COLOURS = 254;

/** Viridis at 9 stops (perceptually uniform, readable in grey and by most colour-blind eyes). */
const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

function viridis(t: number): Rgb {
  const x = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as unknown as Rgb;
}

/** How the chip's levels map to palette entries and colours (one scale for every array). */
export interface LevelScale {
  readonly levels: number;
  /** The highest level, levels - 1 (at least 1). */
  readonly top: number;
  /** Palette entries for levels 1..top: top itself, or fewer shared by several levels. */
  readonly colours: number;
  readonly palette: readonly Rgb[];
  /** Palette index of a programmed level (1..levels-1). */
  readonly index: (level: number) => number;
}

export function levelScale(levels: number): LevelScale {
  const top = Math.max(levels - 1, 1);
  const colours = Math.min(top, LEVEL_COLOURS);
  const palette: Rgb[] = [
    [250, 250, 250],
    [222, 222, 222],
    ...Array.from({ length: colours }, (_, i) => viridis(colours === 1 ? 1 : i / (colours - 1))),
  ];
  return {
    levels,
    top,
    colours,
    palette,
    index: (level) => FIRST_LEVEL + Math.floor(((level - 1) * colours) / top),
  };
}

/** A run of consecutive rows (or columns) that carry one signal. */
export interface Band {
  readonly start: number;
  readonly length: number;
  /** The role of the signal on the array: u, u(t-1), x(t-1), x(t), y, in, out. */
  readonly role: string;
  readonly signal: string;
}

const ROW_ROLE: Readonly<Record<ChipSignal["kind"], string>> = {
  "ssm-input": "u",
  "ssm-input-delayed": "u(t-1)",
  "ssm-state": "x(t-1)",
  "ssm-output": "y",
  "dense-input": "in",
  "dense-output": "out",
};

const COLUMN_ROLE: Readonly<Record<ChipSignal["kind"], string>> = {
  ...ROW_ROLE,
  "ssm-state": "x(t)",
};

/** Group consecutive positions with the same signal index (-1: none) into bands. */
function bands(
  signalAt: Int32Array,
  signals: readonly ChipSignal[],
  roles: Readonly<Record<ChipSignal["kind"], string>>,
): Band[] {
  const out: Band[] = [];
  let i = 0;
  while (i < signalAt.length) {
    const s = signalAt[i]!;
    let j = i + 1;
    while (j < signalAt.length && signalAt[j] === s) j++;
    if (s >= 0) {
      const signal = signals[s]!;
      out.push({ start: i, length: j - i, role: roles[signal.kind], signal: signal.name });
    }
    i = j;
  }
  return out;
}

export function rowBands(image: ChipImage, a: ChipArray): Band[] {
  return bands(a.row.signal, image.signals, ROW_ROLE);
}

/** The signal each column's readouts write (primary or subtracted column alike). */
export function columnBands(image: ChipImage, a: ChipArray): Band[] {
  const signalAt = new Int32Array(a.cols).fill(-1);
  for (let r = 0; r < a.readouts; r++) {
    const s = a.readout.signal[r]!;
    signalAt[a.readout.colPlus[r]!] = s;
    const minus = a.readout.colMinus[r]!;
    if (minus >= 0) signalAt[minus] = s;
  }
  return bands(signalAt, image.signals, COLUMN_ROLE);
}

/** One pixel per cell: outside any block, in a block at gMin, or the level's colour. */
export function arrayPixels(a: ChipArray, scale: LevelScale): Uint8Array {
  const pixels = new Uint8Array(a.rows * a.cols).fill(OUTSIDE);
  for (const p of a.placements)
    for (let r = p.rowOffset; r < p.rowOffset + p.rows; r++)
      pixels.fill(IN_BLOCK, r * a.cols + p.colOffset, r * a.cols + p.colOffset + p.cols);
  for (let k = 0; k < a.cells; k++)
    pixels[a.cell.row[k]! * a.cols + a.cell.col[k]!] = scale.index(a.cell.level[k]!);
  return pixels;
}

/** The layer and channel of a block named like the layout names them ("l0.h3", "l0.h3.p1"). */
export function blockChannel(block: string): { layer: number; channel: number } | null {
  const m = /^l(\d+)\.h(\d+)(?:\D|$)/.exec(block);
  return m === null ? null : { layer: Number(m[1]), channel: Number(m[2]) };
}

/** A band narrower than this share of its axis shows its colour only (its name on hover). */
const NARROW = 0.1;

const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(4)}%`;

function bandLabels(list: readonly Band[], of: number, axis: "row" | "col"): string {
  const [pos, size] = axis === "row" ? ["top", "height"] : ["left", "width"];
  return list
    .map(
      (b) =>
        `<span class="band ${axis}${b.length / of < NARROW ? " narrow" : ""} role-${b.role.replace(/\W/g, "")}" style="${pos}:${pct(b.start, of)};${size}:${pct(b.length, of)}" data-start="${b.start}" data-length="${b.length}" title="${esc(`${b.role} ${b.signal}: ${axis}s ${b.start}-${b.start + b.length - 1}`)}">${esc(b.role)}</span>`,
    )
    .join("");
}

function blockOutlines(a: ChipArray): string {
  return a.placements
    .map(
      (p) =>
        `<span class="block" style="top:${pct(p.rowOffset, a.rows)};left:${pct(p.colOffset, a.cols)};height:${pct(p.rows, a.rows)};width:${pct(p.cols, a.cols)}" title="${esc(p.block)}"></span>`,
    )
    .join("");
}

function prunedNote(a: ChipArray, pruned: readonly PrunedMode[]): string {
  const notes = a.placements.flatMap((p) => {
    const ch = blockChannel(p.block);
    if (ch === null) return [];
    const modes = pruned.filter((m) => m.layer === ch.layer && m.channel === ch.channel);
    return modes.length === 0 ? [] : [`${p.block}: modes ${modes.map((m) => m.mode).join(", ")}`];
  });
  return notes.length === 0 ? "" : `<div class="pruned">pruned ${esc(notes.join("; "))}</div>`;
}

/** The figure of array `k`: image, row and column bands, blocks, caption. */
export function heatmapFigure(
  image: ChipImage,
  k: number,
  scale: LevelScale,
  pruned: readonly PrunedMode[],
): string {
  const a = image.arrays[k]!;
  const png = indexedPng(a.cols, a.rows, arrayPixels(a, scale), scale.palette);
  const src = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  const rows = rowBands(image, a);
  const cols = columnBands(image, a);
  const blocks = a.placements.map((p) => p.block).join(", ");
  return [
    `<figure class="heatmap" data-array="${esc(a.name)}">`,
    `<div class="hm-grid" style="--aspect:${a.cols}/${a.rows}"><div class="cols">${bandLabels(cols, a.cols, "col")}</div>`,
    `<div class="rows">${bandLabels(rows, a.rows, "row")}</div>`,
    `<div class="cells"><img src="${src}" width="${a.cols}" height="${a.rows}" alt="levels of array ${esc(a.name)}">${blockOutlines(a)}</div></div>`,
    `<figcaption><b>${esc(a.name)}</b> ${a.rows}×${a.cols}, ${a.cells} cells${blocks === "" ? "" : ` · ${esc(blocks)}`}${prunedNote(a, pruned)}</figcaption>`,
    "</figure>",
  ].join("");
}

/** The colour legend of the levels, as an inline SVG. */
export function levelLegend(scale: LevelScale): string {
  const n = scale.palette.length - FIRST_LEVEL;
  const w = 256;
  const stripes = scale.palette
    .slice(FIRST_LEVEL)
    .map(
      ([r, g, b], i) =>
        `<rect x="${((i * w) / n).toFixed(2)}" y="0" width="${(w / n + 0.5).toFixed(2)}" height="12" fill="rgb(${r},${g},${b})"/>`,
    )
    .join("");
  const [o, ib] = [scale.palette[OUTSIDE]!, scale.palette[IN_BLOCK]!];
  return [
    `<div class="legend-levels"><svg class="level-legend" viewBox="0 0 ${w} 12" width="${w}" height="12">${stripes}</svg>`,
    `<span>level 1 … ${scale.levels - 1}${n < scale.levels - 1 ? ` (${n} colours)` : ""}</span>`,
    `<span class="swatch" style="background:rgb(${ib.join(",")})"></span> in a block, at gMin (level 0)`,
    `<span class="swatch" style="background:rgb(${o.join(",")})"></span> outside every block</div>`,
  ].join(" ");
}
