// `qs4dc inspect`: what a chip.bin holds, as a JSON-able summary and as text. Derived from the
// validated image only, so it describes exactly what a simulator or a lab would use.

import type { JsonObject } from "../util/canonical-json.js";
import type { ChipArray, ChipImage } from "./chip-image.js";

export interface ArraySummary {
  readonly index: number;
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** Blocks placed on the array, and the share of its cells their extents cover. */
  readonly blocks: number;
  readonly utilization: number;
  readonly cellsProgrammed: number;
  /** Distinct level indices among the programmed cells, ascending. */
  readonly levelsUsed: readonly number[];
  readonly readouts: number;
  readonly adcsUsed: number;
  /** Only when some readout's shift is non-zero: how many are, and the distinct shifts. */
  readonly shiftedReadouts?: number;
  readonly shifts?: readonly number[];
  readonly bytes: number;
}

export interface SectionGroup {
  /** `manifest`, `program`, `op.*`, `array.3` (with its vectors), ... */
  readonly group: string;
  readonly sections: number;
  readonly bytes: number;
}

export interface InspectSummary {
  readonly file: string;
  readonly format: string;
  readonly bytes: number;
  readonly compiler: string;
  readonly source: { readonly model: string; readonly digest: string; readonly meta: JsonObject };
  readonly target: { readonly name: string; readonly digest: string };
  readonly params: JsonObject;
  readonly placed: boolean;
  readonly signals: number;
  /** Only when some signal accumulates (the residual state update): their names. */
  readonly accumulating?: readonly string[];
  readonly ops: Readonly<Record<string, number>>;
  readonly totals: {
    readonly arrays: number;
    readonly cells: number;
    readonly cellsProgrammed: number;
    readonly utilization: number;
    /** Programmed cells per level index, for the levels used. */
    readonly levelHistogram: Readonly<Record<string, number>>;
  };
  readonly arrays: readonly ArraySummary[];
  readonly sections: readonly SectionGroup[];
  readonly manifest: JsonObject;
}

export function inspectChip(image: ChipImage, bytes: number): InspectSummary {
  const groups = sectionGroups(image);
  const arrays = image.arrays.map((a, k) =>
    arraySummary(a, k, groups.get(`array.${k}`)?.bytes ?? 0),
  );
  const cells = arrays.reduce((sum, a) => sum + a.rows * a.cols, 0);
  const covered = image.arrays.reduce((sum, a) => sum + coveredCells(a), 0);
  const counts = new Map<number, number>();
  for (const a of image.arrays)
    for (const level of a.cell.level) counts.set(level, (counts.get(level) ?? 0) + 1);
  const histogram: Record<string, number> = {};
  for (const level of [...counts.keys()].sort((x, y) => x - y))
    histogram[level] = counts.get(level)!;
  const ops: Record<string, number> = {};
  for (const op of image.program) ops[op.op] = (ops[op.op] ?? 0) + 1;
  const m = image.manifest;
  const accumulating = image.signals.filter((s) => s.accumulate === true).map((s) => s.name);
  return {
    file: image.file,
    format: `${image.version.major}.${image.version.minor}`,
    bytes,
    compiler: `${m.compiler.name} ${m.compiler.version}`,
    source: m.source,
    target: { name: image.target.name, digest: image.target.digest },
    params: { ...image.target.params },
    placed: image.placed,
    signals: image.signals.length,
    ...(accumulating.length > 0 ? { accumulating } : {}),
    ops,
    totals: {
      arrays: arrays.length,
      cells,
      cellsProgrammed: arrays.reduce((sum, a) => sum + a.cellsProgrammed, 0),
      utilization: cells === 0 ? 0 : covered / cells,
      levelHistogram: histogram,
    },
    arrays,
    sections: [...groups.values()],
    manifest: {
      compiler: m.compiler,
      source: m.source,
      options: m.options,
      passes: [...m.passes],
      reports: m.reports,
    },
  };
}

function arraySummary(a: ChipArray, index: number, bytes: number): ArraySummary {
  const levels = [...new Set(a.cell.level)].sort((x, y) => x - y);
  const adcs = new Set(a.readout.adc);
  const shifted = a.readout.shift.filter((v) => v !== 0);
  return {
    index,
    name: a.name,
    rows: a.rows,
    cols: a.cols,
    blocks: a.placements.length,
    utilization: coveredCells(a) / (a.rows * a.cols),
    cellsProgrammed: a.cells,
    levelsUsed: levels,
    readouts: a.readouts,
    adcsUsed: adcs.size,
    ...(shifted.length > 0
      ? { shiftedReadouts: shifted.length, shifts: [...new Set(shifted)].sort((x, y) => x - y) }
      : {}),
    bytes,
  };
}

/** Cells inside placed blocks (a logical, unplaced array is one block covering itself). */
function coveredCells(a: ChipArray): number {
  if (a.placements.length === 0) return a.rows * a.cols;
  return a.placements.reduce((sum, p) => sum + p.rows * p.cols, 0);
}

/** Section bytes (payload plus the padding before it) by group, in file order. */
function sectionGroups(image: ChipImage): Map<string, SectionGroup> {
  const groups = new Map<string, SectionGroup>();
  let end = image.sections[0]?.offset ?? 0;
  for (const s of image.sections) {
    const parts = s.name.split(".");
    const group = parts[0] === "array" ? `array.${parts[1]}` : parts[0] === "op" ? "op.*" : s.name;
    const bytes = s.offset + s.length - end;
    end = s.offset + s.length;
    const before = groups.get(group) ?? { group, sections: 0, bytes: 0 };
    groups.set(group, { group, sections: before.sections + 1, bytes: before.bytes + bytes });
  }
  return groups;
}

export function formatInspect(s: InspectSummary): string {
  const p = s.params;
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `${s.file}: chip.bin ${s.format}, ${s.bytes} bytes, written by ${s.compiler}`,
    `source    ${s.source.model} (sha256 ${s.source.digest})`,
    `target    ${s.target.name} (sha256 ${s.target.digest})`,
    `          ${p.rows}x${p.cols} arrays, ${p.levels} levels in [${p.gMinUs}, ${p.gMaxUs}] µS, DAC ${p.dacBits} bit, ADC ${p.adcBits} bit x ${p.adcsPerArray} per array`,
    `          ${p.encoding}, ${p.outputMode} output, D on ${p.dPlacement}, dense layers ${p.dense}`,
    `program   ${Object.entries(s.ops)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ")}; ${s.signals} signals`,
    `arrays    ${s.totals.arrays} (${s.placed ? "placed" : "not placed"}), ${s.totals.cellsProgrammed} of ${s.totals.cells} cells programmed, utilization ${percent(s.totals.utilization)}`,
    `levels    used: ${levelRanges(s.totals.levelHistogram)}`,
    ...residualLines(s),
    "",
    "array  name              size       blocks  util    programmed  levels  readouts  ADCs  bytes",
    ...s.arrays.map((a) =>
      [
        String(a.index).padEnd(6),
        a.name.padEnd(17),
        `${a.rows}x${a.cols}`.padEnd(10),
        String(a.blocks).padStart(6),
        percent(a.utilization).padStart(7),
        String(a.cellsProgrammed).padStart(11),
        String(a.levelsUsed.length).padStart(7),
        String(a.readouts).padStart(9),
        String(a.adcsUsed).padStart(5),
        String(a.bytes).padStart(7),
      ].join(" "),
    ),
    "",
    "section group      sections  bytes",
    ...s.sections.map(
      (g) =>
        `${g.group.padEnd(18)} ${String(g.sections).padStart(8)} ${String(g.bytes).padStart(9)}`,
    ),
    "",
    `passes    ${(s.manifest.passes as string[]).join(", ") || "(none)"}`,
    `options   ${JSON.stringify(s.manifest.options)}`,
    `reports   ${Object.keys(s.manifest.reports as object).join(", ") || "(none)"} (--json prints them)`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The residual state update's fields, when the chip uses them (nothing otherwise). */
function residualLines(s: InspectSummary): string[] {
  const lines: string[] = [];
  if (s.accumulating !== undefined)
    lines.push(`accumulate ${s.accumulating.length} signals: ${s.accumulating.join(", ")}`);
  const shifted = s.arrays.filter((a) => a.shiftedReadouts !== undefined);
  if (shifted.length > 0) {
    const readouts = shifted.reduce((n, a) => n + a.shiftedReadouts!, 0);
    const shifts = [...new Set(shifted.flatMap((a) => a.shifts!))].sort((x, y) => x - y);
    lines.push(
      `shifts    ${readouts} readouts on ${shifted.length} arrays shifted by ${shifts.join(", ")} bits`,
    );
  }
  return lines;
}

/** "12 distinct (1-5, 9, 20-25)": the level indices used, as ranges. */
function levelRanges(histogram: Readonly<Record<string, number>>): string {
  const used = Object.keys(histogram)
    .map(Number)
    .sort((x, y) => x - y);
  if (used.length === 0) return "none";
  const ranges: string[] = [];
  let start = used[0]!;
  for (let i = 1; i <= used.length; i++) {
    if (used[i] !== used[i - 1]! + 1) {
      ranges.push(start === used[i - 1] ? `${start}` : `${start}-${used[i - 1]}`);
      start = used[i]!;
    }
  }
  return `${used.length} distinct (${ranges.join(", ")})`;
}
