// A prepared chip for worker threads (monte-carlo.ts): every typed array of a SimChip copied once
// into one SharedArrayBuffer, the rest of its structure (plain objects, arrays, Maps, numbers,
// strings) rebuilt around the copies. Posting the result to a worker clones only that small
// structure and shares the tables, so a worker starts with the chip ready to run: it neither
// reads chip.bin nor prepares it again (about 2 s on the sCIFAR-sized model), and no table is
// copied per worker. The tables are read-only while samples run (engines and streams allocate
// their own state), so sharing them between threads is safe.

import type { SimChip } from "./simulate.js";

type Table =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** The typed-array constructors a chip may hold, by their tag (a Buffer's tag is Uint8Array). */
const TABLES = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
} as const;

type Tag = keyof typeof TABLES;
type TableOn = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Table;

/** Every table starts on this boundary (the widest element, float64). */
const ALIGN = 8;

/** `chip` with its tables in shared memory; `chip` itself is left as it is. */
export function sharedChip(chip: SimChip): SimChip {
  const tables = new Set<Table>();
  collectTables(chip, tables, new Set());
  const copies = new Map<unknown, unknown>();
  // Tables already in shared memory (the image's arrays when chip.bin was read into a
  // SharedArrayBuffer, as `qs4dc sim` does: they are views on the file's bytes) stay as they are.
  for (const t of tables) {
    if (t.buffer instanceof SharedArrayBuffer) {
      copies.set(t, t);
      tables.delete(t);
    }
  }
  let bytes = 0;
  for (const t of tables) bytes += aligned(t.byteLength);
  const buffer = new SharedArrayBuffer(bytes);
  let offset = 0;
  for (const t of tables) {
    const tag = t[Symbol.toStringTag] as Tag;
    const copy = new (TABLES[tag] as TableOn)(buffer, offset, t.length);
    copy.set(t);
    copies.set(t, copy);
    offset += aligned(t.byteLength);
  }
  return rebuild(chip, copies) as SimChip;
}

function aligned(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function collectTables(x: unknown, tables: Set<Table>, seen: Set<object>): void {
  if (x === null || typeof x !== "object" || seen.has(x)) return;
  seen.add(x);
  if (ArrayBuffer.isView(x)) {
    tables.add(table(x));
    return;
  }
  for (const v of children(x)) collectTables(v, tables, seen);
}

function table(view: ArrayBufferView): Table {
  const tag = (view as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  if (tag === undefined || !(tag in TABLES))
    throw new Error(`sharedChip: cannot share a ${tag ?? "DataView"}`);
  return view as Table;
}

/** The values an object holds: a Map's keys and values, an array's items, an object's fields. */
function children(x: object): Iterable<unknown> {
  if (x instanceof Map) return [...x.keys(), ...x.values()];
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null)
    throw new Error(`sharedChip: cannot share a ${proto?.constructor?.name ?? "class instance"}`);
  return Object.values(x);
}

/** A copy of `x` with its tables replaced by their shared copies; shared references stay shared. */
function rebuild(x: unknown, copies: Map<unknown, unknown>): unknown {
  if (x === null || typeof x !== "object") return x;
  if (copies.has(x)) return copies.get(x);
  if (x instanceof Map) {
    const map = new Map();
    copies.set(x, map);
    for (const [k, v] of x) map.set(rebuild(k, copies), rebuild(v, copies));
    return map;
  }
  const out: Record<string, unknown> | unknown[] = Array.isArray(x) ? [] : {};
  copies.set(x, out);
  for (const [k, v] of Object.entries(x)) (out as Record<string, unknown>)[k] = rebuild(v, copies);
  return out;
}
