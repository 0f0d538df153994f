// Typed arrays in shared memory for worker threads: every typed array of a value not yet in
// shared memory copied once into one SharedArrayBuffer, and the objects that hold them rebuilt
// around the copies. Posting the result to a worker clones only its structure and shares the
// tables; they must be read-only while the threads run (the simulator's prepared chip,
// src/sim/shared-chip.ts; the emulator's lowered model, src/emulate/batch.ts).

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

/**
 * `x` with every typed array not yet in shared memory copied once into one SharedArrayBuffer
 * and the objects that hold them rebuilt around the copies; `x` itself is left as it is.
 */
export function sharedTables<T>(x: T): T {
  const tables = new Set<Table>();
  const holding = new Map<object, boolean>();
  collectPrivate(x, tables, holding);
  const copies = new Map<unknown, unknown>();
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
  return rebuild(x, copies, holding) as T;
}

function aligned(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * Collects the tables of `x` not yet in shared memory and records, for every object, whether
 * it holds one. Tables already shared (the image's arrays when chip.bin was read into a
 * SharedArrayBuffer, as `qs4dc sim` does: views on the file's bytes) stay where they are, and
 * so do the objects that hold nothing else to copy.
 */
function collectPrivate(x: unknown, tables: Set<Table>, holding: Map<object, boolean>): boolean {
  if (x === null || typeof x !== "object") return false;
  const known = holding.get(x);
  if (known !== undefined) return known;
  holding.set(x, false); // a cycle back to x adds nothing
  let holds = false;
  if (ArrayBuffer.isView(x)) {
    holds = !(x.buffer instanceof SharedArrayBuffer);
    if (holds) tables.add(table(x));
  } else {
    for (const v of children(x)) holds = collectPrivate(v, tables, holding) || holds;
  }
  holding.set(x, holds);
  return holds;
}

function table(view: ArrayBufferView): Table {
  const tag = (view as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  if (tag === undefined || !(tag in TABLES))
    throw new Error(`sharedTables: cannot share a ${tag ?? "DataView"}`);
  return view as Table;
}

/** The values an object holds: a Map's keys and values, an array's items, an object's fields. */
function children(x: object): Iterable<unknown> {
  if (x instanceof Map) return [...x.keys(), ...x.values()];
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null)
    throw new Error(`sharedTables: cannot share a ${proto?.constructor?.name ?? "class instance"}`);
  return Object.values(x);
}

/**
 * A copy of `x` with its tables replaced by their shared copies; objects that hold no table to
 * copy are `x`'s own, and shared references stay shared.
 */
function rebuild(
  x: unknown,
  copies: Map<unknown, unknown>,
  holding: Map<object, boolean>,
): unknown {
  if (x === null || typeof x !== "object" || holding.get(x) !== true) return x;
  if (copies.has(x)) return copies.get(x);
  if (x instanceof Map) {
    const map = new Map();
    copies.set(x, map);
    for (const [k, v] of x) map.set(rebuild(k, copies, holding), rebuild(v, copies, holding));
    return map;
  }
  const out: Record<string, unknown> | unknown[] = Array.isArray(x) ? [] : {};
  copies.set(x, out);
  for (const [k, v] of Object.entries(x))
    (out as Record<string, unknown>)[k] = rebuild(v, copies, holding);
  return out;
}
