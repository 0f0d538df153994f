// What changed between two chip.bin files, section by section (`qs4dc diff`, the golden
// matcher of qs4dc/testing): the target and its parameters, the arrays (cells whose level
// changed, with the level transitions; wiring), the program's constants, the manifest. Derived
// from the validated images, so it speaks of what a simulator or a lab would see; the bytes of
// sections none of these cover are compared by CRC as a last resort.

import { canonicalJson, type JsonValue } from "../util/canonical-json.js";
import type { ChipArray, ChipImage, ChipOp, ChipTensor } from "./chip-image.js";

/** One value that changed, as text: `path: before -> after`. */
export interface FieldChange {
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

export interface ArrayChange {
  readonly array: string;
  /** Cells whose level differs (a cell absent from one side is at level 0 there). */
  readonly cellsChanged: number;
  readonly cells: number;
  /** "3->5": how many cells went from level 3 to level 5. */
  readonly levels: Readonly<Record<string, number>>;
  /** Row drivers, readouts or terms that differ (the array's wiring), by part. */
  readonly wiring: readonly string[];
}

export interface OpChange {
  readonly index: number;
  readonly op: string;
  readonly field: string;
  readonly what: string;
}

export interface ChipDiff {
  readonly equal: boolean;
  readonly target: readonly FieldChange[];
  readonly arrays: {
    readonly before: number;
    readonly after: number;
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly ArrayChange[];
  };
  readonly program: readonly OpChange[];
  readonly manifest: readonly FieldChange[];
  /** Sections whose bytes differ although nothing above does (layout, encoding). */
  readonly sections: readonly string[];
}

/** Values longer than this are summarized by their length in a FieldChange. */
const SHOWN_CHARS = 60;

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS - 3)}...`;
}

/** Leaf-by-leaf changes of two JSON-like values, down to `depth` levels of objects. */
function jsonChanges(path: string, a: unknown, b: unknown, depth: number): FieldChange[] {
  const objects = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (depth > 0 && objects(a) && objects(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    return keys.flatMap((k) => jsonChanges(`${path}.${k}`, ao[k], bo[k], depth - 1));
  }
  const same = canonicalJson((a ?? null) as JsonValue) === canonicalJson((b ?? null) as JsonValue);
  return same ? [] : [{ path, before: shown(a), after: shown(b) }];
}

function targetChanges(a: ChipImage, b: ChipImage): FieldChange[] {
  const name =
    a.target.name === b.target.name
      ? []
      : [{ path: "target", before: a.target.name, after: b.target.name }];
  const params = jsonChanges("params", a.target.params, b.target.params, 1);
  const description =
    a.target.digest === b.target.digest
      ? []
      : jsonChanges("description", a.target.description, b.target.description, 2);
  return [...name, ...params, ...description];
}

/** Level of every programmed cell, keyed by row * cols + col. */
function cellLevels(array: ChipArray): Map<number, number> {
  const levels = new Map<number, number>();
  for (let i = 0; i < array.cells; i++)
    levels.set(array.cell.row[i]! * array.cols + array.cell.col[i]!, array.cell.level[i]!);
  return levels;
}

function sameInts(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function wiringChanges(a: ChipArray, b: ChipArray): string[] {
  const parts: [string, ArrayLike<number>[], ArrayLike<number>[]][] = [
    ["rows", Object.values(a.row), Object.values(b.row)],
    ["readouts", Object.values(a.readout), Object.values(b.readout)],
    ["terms", Object.values(a.term), Object.values(b.term)],
  ];
  const shape =
    a.rows === b.rows && a.cols === b.cols
      ? []
      : [`size ${a.rows}x${a.cols} -> ${b.rows}x${b.cols}`];
  return [
    ...shape,
    ...parts.filter(([, x, y]) => x.some((v, i) => !sameInts(v, y[i]!))).map(([name]) => name),
  ];
}

function arrayChange(a: ChipArray, b: ChipArray): ArrayChange | null {
  const before = cellLevels(a);
  const after = cellLevels(b);
  const levels: Record<string, number> = {};
  let cellsChanged = 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const from = before.get(key) ?? 0;
    const to = after.get(key) ?? 0;
    if (from === to) continue;
    cellsChanged++;
    levels[`${from}->${to}`] = (levels[`${from}->${to}`] ?? 0) + 1;
  }
  const wiring = wiringChanges(a, b);
  if (cellsChanged === 0 && wiring.length === 0) return null;
  return { array: b.name, cellsChanged, cells: Math.max(a.cells, b.cells), levels, wiring };
}

function arrayChanges(a: ChipImage, b: ChipImage): ChipDiff["arrays"] {
  const before = new Map(a.arrays.map((x) => [x.name, x]));
  const after = new Map(b.arrays.map((x) => [x.name, x]));
  const changed: ArrayChange[] = [];
  for (const [name, x] of before) {
    const y = after.get(name);
    const change = y === undefined ? null : arrayChange(x, y);
    if (change !== null) changed.push(change);
  }
  return {
    before: a.arrays.length,
    after: b.arrays.length,
    added: [...after.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !after.has(n)),
    changed,
  };
}

function isTensor(v: unknown): v is ChipTensor {
  return typeof v === "object" && v !== null && "dtype" in v && "shape" in v && "data" in v;
}

/** "12 of 32 values, max |change| 0.003", or the shape change. */
function tensorChange(a: ChipTensor, b: ChipTensor): string | null {
  if (a.dtype !== b.dtype || !sameInts(a.shape, b.shape))
    return `${a.dtype}[${a.shape.join(",")}] -> ${b.dtype}[${b.shape.join(",")}]`;
  let count = 0;
  let largest = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(Number(a.data[i]) - Number(b.data[i]));
    if (d > 0 || Number.isNaN(d)) count++;
    if (d > largest) largest = d;
  }
  return count === 0
    ? null
    : `${count} of ${a.data.length} values, max |change| ${largest.toPrecision(3)}`;
}

function opChanges(index: number, a: ChipOp, b: ChipOp): OpChange[] {
  const label = a.op === "ssm" ? `ssm (layer ${a.layer})` : a.op;
  if (a.op !== b.op) return [{ index, op: label, field: "op", what: `${a.op} -> ${b.op}` }];
  const fa = a as unknown as Record<string, unknown>;
  const fb = b as unknown as Record<string, unknown>;
  return Object.keys(fa).flatMap((field) => {
    const [x, y] = [fa[field], fb[field]];
    const nested = (v: unknown) =>
      isTensor(v)
        ? v
        : typeof v === "object" && v !== null && "scale" in v
          ? (v as { scale: unknown }).scale
          : v;
    const [tx, ty] = [nested(x), nested(y)];
    const what =
      isTensor(tx) && isTensor(ty)
        ? tensorChange(tx, ty)
        : (jsonChanges(field, x, y, 0).map((c) => `${c.before} -> ${c.after}`)[0] ?? null);
    return what === null ? [] : [{ index, op: label, field, what }];
  });
}

function programChanges(a: ChipImage, b: ChipImage): OpChange[] {
  const changes = a.program.flatMap((op, i) =>
    b.program[i] === undefined ? [] : opChanges(i, op, b.program[i]!),
  );
  if (a.program.length !== b.program.length)
    changes.push({
      index: -1,
      op: "program",
      field: "length",
      what: `${a.program.length} -> ${b.program.length} ops`,
    });
  return changes;
}

function sectionChanges(a: ChipImage, b: ChipImage): string[] {
  const after = new Map(b.sections.map((s) => [s.name, s.crc32]));
  const names = new Set([...a.sections.map((s) => s.name), ...after.keys()]);
  const before = new Map(a.sections.map((s) => [s.name, s.crc32]));
  return [...names].filter((n) => before.get(n) !== after.get(n));
}

/** The differences of two chip images; `equal` when their files' bytes are the same. */
export function diffChips(a: ChipImage, b: ChipImage, bytesEqual: boolean): ChipDiff {
  const diff = {
    target: targetChanges(a, b),
    arrays: arrayChanges(a, b),
    program: programChanges(a, b),
    manifest: jsonChanges("manifest", a.manifest, b.manifest, 2),
  };
  const found =
    diff.target.length +
    diff.arrays.added.length +
    diff.arrays.removed.length +
    diff.arrays.changed.length +
    diff.program.length +
    diff.manifest.length;
  const sections = bytesEqual || found > 0 ? [] : sectionChanges(a, b);
  return { equal: bytesEqual, ...diff, sections };
}

/** Level transitions shown per array in the text; --json has them all. */
const SHOWN_TRANSITIONS = 6;

function levelText(levels: Readonly<Record<string, number>>): string {
  const all = Object.entries(levels).sort((x, y) => y[1] - x[1]);
  const shownLevels = all.slice(0, SHOWN_TRANSITIONS).map(([t, n]) => `${t}: ${n}`);
  const more = all.length > SHOWN_TRANSITIONS ? `, ${all.length - SHOWN_TRANSITIONS} more` : "";
  return `level ${shownLevels.join(", ")}${more}`;
}

/** The diff as text, one section per block; "identical" when equal. */
export function formatDiff(d: ChipDiff, nameA: string, nameB: string): string {
  if (d.equal) return `${nameA} and ${nameB} are identical\n`;
  const lines = [`--- ${nameA}`, `+++ ${nameB}`];
  const field = (c: FieldChange) => `  ${c.path}: ${c.before} -> ${c.after}`;
  if (d.target.length > 0) lines.push("target:", ...d.target.map(field));
  const a = d.arrays;
  if (a.added.length + a.removed.length + a.changed.length > 0) {
    lines.push(`arrays: ${a.before} -> ${a.after}`);
    if (a.removed.length > 0) lines.push(`  removed: ${a.removed.join(", ")}`);
    if (a.added.length > 0) lines.push(`  added: ${a.added.join(", ")}`);
    for (const c of a.changed) {
      const wiring = c.wiring.length === 0 ? "" : `; wiring changed: ${c.wiring.join(", ")}`;
      const cells =
        c.cellsChanged === 0 ? "" : `${c.cellsChanged} cells changed (${levelText(c.levels)})`;
      lines.push(`  ${c.array}: ${cells}${wiring}`);
    }
  }
  if (d.program.length > 0)
    lines.push(
      "program:",
      ...d.program.map((c) => `  op ${c.index} ${c.op}: ${c.field}: ${c.what}`),
    );
  if (d.manifest.length > 0) lines.push("manifest:", ...d.manifest.map(field));
  if (d.sections.length > 0) lines.push(`sections whose bytes differ: ${d.sections.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
