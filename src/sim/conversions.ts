// The ADC conversions of one read, compiled from chip.bin's arrays (docs/chip-arithmetic.md §2).
// A read group is every conversion that writes a given set of signals (an SSM layer's state
// and output, or a dense layer's output), over all arrays (gathered by conversion-list.ts).
// Each conversion is the slice-0 readout of an output plus the columns of its higher slices
// (weight levels^j), so a sliced weight costs one conversion. For the ideal chip each
// conversion's terms are precompiled to effective signed integer weights on register indices
// (level x column sign x slice weight x row polarity, summed over the rows that drive the same
// element): the inner loop of every simulation is then a short integer dot product per term.
// Each conversion also carries its code's weight 2^shift in the commit, and each written
// element whether its signal accumulates (docs/chip-arithmetic.md §2, "Shifted codes and
// accumulating signals").

import type { ChipArray, ChipImage } from "../emit/chip-image.js";
import { float64s, type Growable, int32s } from "../util/growable.js";
import { type ConversionList, groupConversions } from "./conversion-list.js";
import type { ChipLayout } from "./layout.js";
import { convertSteps, dacPasses } from "./steps.js";

/** One set of conversions in struct-of-arrays form; term slots are `terms` per conversion. */
export interface ConversionTable {
  readonly count: number;
  readonly terms: number;
  readonly array: Int32Array;
  /** The slice-0 readout (index in its array's readout tables). */
  readonly readout: Int32Array;
  readonly adc: Int32Array;
  readonly limit: Int32Array;
  /** What one code adds to the commit: 2^shift of its readout (1 when unshifted). */
  readonly step: Float64Array;
  /**
   * Conversion steps C = ceil(m / (adcBits - 1)), m = bits of `limit`: a readout wider than the
   * ADC is converted in C steps (docs/chip-arithmetic.md §2, multi-step conversions); 1 else.
   */
  readonly adcSteps: Int32Array;
  /** Flat register index written (primaries) or mirrored (mirrors). */
  readonly dest: Int32Array;
  /** [count * terms]: term signal (-1 unused) and gain. */
  readonly termSignal: Int32Array;
  readonly gain: Float64Array;
  /**
   * The ideal chip's dot products, packed in the order a read walks them. Null for mirrors
   * until some run needs their codes (a trace or the mirror check: tableKernel); the ideal
   * chip never converts them otherwise, and building them was half of preparing a chip.
   */
  readonly ideal: IdealKernel | null;
  /** Columns summed before the ADC: conversion c's are [wirePtr[c], wirePtr[c + 1]). */
  readonly wirePtr: Int32Array;
  readonly wireCol: Int32Array;
  /** Column sign x levels^slice. */
  readonly wireFactor: Float64Array;
}

/**
 * The ideal effective weights of a table, laid out for the read loop (one walk front to back,
 * no per-term pointer table). Most conversions of an SSM read are small: at most two terms of
 * at most two entries (the state's lambda x and the input's B u). Those go to `pairs`, one
 * fixed record of PAIR_RECORD int32 each: the conversion's index, then (register, weight) x 2
 * for term 1 and x 2 for term 2, padded with (0, 0); their gains to `pairGain`, two per record
 * (a missing term has gain 0). A padded entry adds 0 x r = 0 to S, a missing term 0 x 0 to
 * the analog value: exact, as on the chip. The other conversions are in `program`, blocks of
 * one shape (entries per non-empty term): the block's conversion count, its number of terms,
 * each term's entry count, then per conversion its index and its (register, weight) pairs;
 * `gain` holds their terms' gains in order. An empty term adds g x 0 = 0 and is left out.
 * Weights are int32 (integer levels x slice weights); when some summed weight does not fit,
 * every conversion is in `program`, with pairs (register, 0) and the weights in `wideWeight`.
 */
export interface IdealKernel {
  readonly pairs: Int32Array;
  readonly pairGain: Float64Array;
  readonly program: Int32Array;
  readonly gain: Float64Array;
  readonly wideWeight: Float64Array | null;
  /** Entries (nonzero effective weights) over all conversions: the MACs of one read. */
  readonly entries: number;
}

/** Int32 per record of IdealKernel.pairs: index, then 4 (register, weight) pairs. */
export const PAIR_RECORD = 9;

/** A committed signal: its flat register range and clamp. */
export interface WrittenSignal {
  readonly signal: number;
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly limit: number;
  /** The commit adds to the register instead of replacing it. */
  readonly accumulate: boolean;
}

export interface ReadGroup {
  readonly signals: readonly number[];
  readonly written: readonly WrittenSignal[];
  /** Arrays with at least one conversion in the group, ascending. */
  readonly arrays: readonly number[];
  /** Polarity +1 readouts: converted and committed. */
  readonly primaries: KernelTable;
  /** Polarity -1 readouts (row-polarity mirror columns): converted, not stored. */
  readonly mirrors: ConversionTable;
  /**
   * Per array of `arrays`: conversion steps (primaries + mirrors, each its `adcSteps`) on its
   * busiest ADC; with one-step conversions, the conversions on that ADC.
   */
  readonly adcRounds: Int32Array;
  /**
   * DAC passes of a read: the widest driven (term) signal's P = ceil(m / (dacBits - 1)),
   * m = bits of its limit (docs/chip-arithmetic.md §2, multi-pass reads); at least 1.
   */
  readonly passes: number;
  /** Some conversion's shift is non-zero. */
  readonly shifted: boolean;
  /** Some primary's shift is negative: the commit rounds each element's sum half to even. */
  readonly fractional: boolean;
  /** Elements of accumulating signals that some primary writes (a read-modify-write each). */
  readonly accumulated: number;
  /**
   * How the commit goes. A primary that alone writes its element (`commitSingle`) stores its
   * shifted code, added to the register when `commitAccumulate`, clamped to `commitLimit`;
   * `singlesPlain` when every such one is unshifted and replacing (its code, clamped, is
   * stored). The primaries of elements written by several (`commitShared`) sum their shifted
   * codes first, and each such element is stored once, by the first primary writing it
   * (`commitFirst`). `unwritten` lists the elements of replacing signals that no primary
   * writes (they become 0); those of accumulating signals keep their value.
   */
  readonly commitSingle: Int32Array;
  readonly singlesPlain: boolean;
  readonly commitShared: Int32Array;
  readonly commitLimit: Int32Array;
  /** Per primary: 1 when its element's signal accumulates. */
  readonly commitAccumulate: Uint8Array;
  /** The primaries that store a shared element: the first one writing each. */
  readonly commitFirst: Int32Array;
  readonly unwritten: Int32Array;
}

/** Programmed cells of an array by column: rows and levels of column c at [start[c], start[c+1]). */
export interface ColumnCells {
  readonly start: Int32Array;
  readonly row: Int32Array;
  readonly level: Int32Array;
}

const columnCache = new WeakMap<ChipArray, ColumnCells>();

export function columnCells(a: ChipArray): ColumnCells {
  const known = columnCache.get(a);
  if (known !== undefined) return known;
  const start = new Int32Array(a.cols + 1);
  for (let i = 0; i < a.cells; i++) start[a.cell.col[i]! + 1]!++;
  for (let c = 0; c < a.cols; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, a.cols);
  const row = new Int32Array(a.cells);
  const level = new Int32Array(a.cells);
  for (let i = 0; i < a.cells; i++) {
    const at = fill[a.cell.col[i]!]!++;
    row[at] = a.cell.row[i]!;
    level[at] = a.cell.level[i]!;
  }
  const cells = { start, row, level };
  columnCache.set(a, cells);
  return cells;
}

/**
 * Most terms touch a handful of registers: sorted in place below this count, since a typed
 * array's sort costs more to call than it saves there (once per term of every conversion).
 */
const SMALL_SORT = 16;

/** Sorts v[0 .. count) ascending, in place. */
export function sortAscending(v: Int32Array, count: number): void {
  if (count > SMALL_SORT) {
    v.subarray(0, count).sort();
    return;
  }
  for (let i = 1; i < count; i++) {
    const x = v[i]!;
    let j = i - 1;
    for (; j >= 0 && v[j]! > x; j--) v[j + 1] = v[j]!;
    v[j + 1] = x;
  }
}

/**
 * Scratch of the table build: one accumulator per register and the registers touched, so each
 * term's effective weights are summed without a map per term.
 */
class WeightScratch {
  readonly sum: Float64Array;
  readonly touched: Int32Array;
  /** The term that last touched each register (1-based), so a register is listed once. */
  private readonly mark: Int32Array;
  private term = 1;
  count = 0;
  constructor(registers: number) {
    this.sum = new Float64Array(registers);
    this.touched = new Int32Array(registers);
    this.mark = new Int32Array(registers);
  }

  add(register: number, w: number): void {
    if (this.mark[register] !== this.term) {
      this.mark[register] = this.term;
      this.touched[this.count++] = register;
    }
    this.sum[register]! += w;
  }

  /** The touched registers ascending with their nonzero sums; the scratch is cleared. */
  take(into: Entries): number {
    const regs = this.touched;
    sortAscending(regs, this.count);
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const r = regs[i]!;
      const w = this.sum[r]!;
      this.sum[r] = 0;
      if (w === 0) continue;
      into.index.push(r);
      into.weight.push(w);
      n++;
    }
    this.count = 0;
    this.term++;
    return n;
  }
}

/** Effective weights collected term by term: register indexes and their summed weights. */
interface Entries {
  readonly index: Growable<Int32Array>;
  readonly weight: Growable<Float64Array>;
}

/**
 * Adds one term's effective weights (factor x level x row polarity per register) to `scratch`:
 * the cells of conversion c's columns whose rows carry `signal`.
 */
function termWeights(
  a: ChipArray,
  cells: ColumnCells,
  table: ConversionTable,
  c: number,
  signal: number,
  layout: ChipLayout,
  scratch: WeightScratch,
): void {
  const base = layout.offset[signal]!;
  for (let w = table.wirePtr[c]!; w < table.wirePtr[c + 1]!; w++) {
    const col = table.wireCol[w]!;
    const factor = table.wireFactor[w]!;
    for (let j = cells.start[col]!; j < cells.start[col + 1]!; j++) {
      const r = cells.row[j]!;
      if (a.row.signal[r] !== signal) continue;
      scratch.add(base + a.row.element[r]!, factor * cells.level[j]! * a.row.polarity[r]!);
    }
  }
}

/** Packs the terms' entries into the read loop's layout (IdealKernel). */
function packKernel(
  count: number,
  terms: number,
  gain: Float64Array,
  ptr: Int32Array,
  entries: { readonly index: Int32Array; readonly weight: Float64Array },
): IdealKernel {
  const wide = entries.weight.some((w) => (w | 0) !== w);
  // A conversion is small (a fixed record) with at most two non-empty terms of at most two
  // entries each; `slots` lists each conversion's non-empty term slots (kinds of its shape).
  const slots = new Int32Array(count * terms);
  const slotCount = new Int32Array(count);
  const isSmall = new Uint8Array(count);
  let smallCount = 0;
  for (let c = 0; c < count; c++) {
    let n = 0;
    let small = !wide;
    for (let q = c * terms; q < (c + 1) * terms; q++) {
      if (ptr[q] === ptr[q + 1]) continue;
      slots[c * terms + n++] = q;
      if (ptr[q + 1]! - ptr[q]! > 2) small = false;
    }
    slotCount[c] = n;
    if (small && n <= 2) {
      isSmall[c] = 1;
      smallCount++;
    }
  }
  const pairs = new Int32Array(smallCount * PAIR_RECORD);
  const pairGain = new Float64Array(smallCount * 2);
  const blocks = new Map<string, number[]>();
  for (let c = 0, p = 0, g = 0; c < count; c++) {
    const n = slotCount[c]!;
    if (isSmall[c] === 1) {
      pairs[p++] = c;
      for (let k = 0; k < 2; k++, g++) {
        const q = k < n ? slots[c * terms + k]! : -1;
        pairGain[g] = q < 0 ? 0 : gain[q]!;
        for (let e = 0; e < 2; e++, p += 2) {
          const j = q < 0 ? -1 : ptr[q]! + e;
          if (q < 0 || j >= ptr[q + 1]!) continue; // (0, 0): the array starts zeroed
          pairs[p] = entries.index[j]!;
          pairs[p + 1] = entries.weight[j]!;
        }
      }
      continue;
    }
    const sizes: number[] = [];
    for (let k = 0; k < n; k++) {
      const q = slots[c * terms + k]!;
      sizes.push(ptr[q + 1]! - ptr[q]!);
    }
    const shape = sizes.join(",");
    const block = blocks.get(shape);
    if (block === undefined) blocks.set(shape, [c]);
    else block.push(c);
  }
  const program = int32s();
  const gains = float64s();
  const weights = float64s();
  for (const [shape, members] of blocks) {
    const sizes = shape === "" ? [] : shape.split(",").map(Number);
    program.push(members.length);
    program.push(sizes.length);
    for (const size of sizes) program.push(size);
    for (const c of members) {
      program.push(c);
      for (let k = 0; k < slotCount[c]!; k++) {
        const q = slots[c * terms + k]!;
        gains.push(gain[q]!);
        for (let j = ptr[q]!; j < ptr[q + 1]!; j++) {
          program.push(entries.index[j]!);
          program.push(wide ? 0 : entries.weight[j]!);
          weights.push(entries.weight[j]!);
        }
      }
    }
  }
  return {
    pairs,
    pairGain,
    program: program.done(),
    gain: gains.done(),
    wideWeight: wide ? weights.done() : null,
    entries: entries.index.length,
  };
}

function buildTable(
  image: ChipImage,
  layout: ChipLayout,
  list: ConversionList,
  terms: number,
): ConversionTable {
  const n = list.count;
  const t = {
    array: list.array,
    readout: list.readout,
    adc: new Int32Array(n),
    limit: new Int32Array(n),
    step: new Float64Array(n),
    adcSteps: new Int32Array(n),
    dest: new Int32Array(n),
    termSignal: new Int32Array(n * terms).fill(-1),
    gain: new Float64Array(n * terms),
  };
  const { adcBits, adcsPerArray } = image.target.params;
  for (let i = 0; i < n; i++) {
    const a = image.arrays[list.array[i]!]!;
    const ro = a.readout;
    const r = list.readout[i]!;
    // An unplaced chip has no ADC assignment: spread the readouts over the ADCs.
    t.adc[i] = ro.adc[r]! >= 0 ? ro.adc[r]! : r % adcsPerArray;
    t.limit[i] = ro.limit[r]!;
    t.step[i] = 2 ** ro.shift[r]!;
    t.adcSteps[i] = convertSteps(ro.limit[r]!, adcBits);
    t.dest[i] = layout.offset[ro.signal[r]!]! + ro.element[r]!;
    for (let k = 0; k < Math.min(terms, a.terms); k++) {
      const signal = a.term.signal[r * a.terms + k]!;
      if (signal < 0) continue;
      t.termSignal[i * terms + k] = signal;
      t.gain[i * terms + k] = a.term.gain[r * a.terms + k]!;
    }
  }
  return {
    count: n,
    terms,
    ...t,
    ideal: null,
    wirePtr: list.wirePtr,
    wireCol: list.wireCol,
    wireFactor: list.wireFactor,
  };
}

/** A table whose ideal kernel is built. */
export type KernelTable = ConversionTable & { readonly ideal: IdealKernel };

/** The ideal kernel of a table (ConversionTable.ideal), built from its conversions' wires. */
export function tableKernel(
  image: ChipImage,
  layout: ChipLayout,
  table: ConversionTable,
): IdealKernel {
  return table.ideal ?? kernelOf(image, layout, table, new WeightScratch(layout.registers));
}

function withKernel(
  image: ChipImage,
  layout: ChipLayout,
  table: ConversionTable,
  scratch: WeightScratch,
): KernelTable {
  return { ...table, ideal: kernelOf(image, layout, table, scratch) };
}

function kernelOf(
  image: ChipImage,
  layout: ChipLayout,
  table: ConversionTable,
  scratch: WeightScratch,
): IdealKernel {
  const { count, terms } = table;
  const ptr = new Int32Array(count * terms + 1);
  const entries: Entries = { index: int32s(), weight: float64s() };
  for (let i = 0; i < count; i++) {
    const a = image.arrays[table.array[i]!]!;
    const cells = columnCells(a);
    for (let k = 0; k < terms; k++) {
      const q = i * terms + k;
      const signal = table.termSignal[q]!;
      ptr[q + 1] = ptr[q]!;
      if (signal < 0) continue;
      termWeights(a, cells, table, i, signal, layout, scratch);
      ptr[q + 1]! += scratch.take(entries);
    }
  }
  const packed = { index: entries.index.done(), weight: entries.weight.done() };
  return packKernel(count, terms, table.gain, ptr, packed);
}

/** The read group of the conversions writing `signals` (an op's state and output). */
export function readGroup(
  image: ChipImage,
  layout: ChipLayout,
  signals: readonly number[],
): ReadGroup {
  // Per signal: 1 when this group writes it (a mask: tested once per readout of every array).
  const wanted = new Uint8Array(image.signals.length);
  for (const s of signals) wanted[s] = 1;
  const found = groupConversions(image, wanted);
  let terms = 0;
  for (const a of image.arrays) terms = Math.max(terms, a.terms);
  const written: WrittenSignal[] = signals.map((s) => ({
    signal: s,
    name: image.signals[s]!.name,
    offset: layout.offset[s]!,
    length: image.signals[s]!.length,
    limit: image.signals[s]!.limit,
    accumulate: image.signals[s]!.accumulate === true,
  }));
  const scratch = new WeightScratch(layout.registers);
  const primaries = withKernel(
    image,
    layout,
    buildTable(image, layout, found.primaries, terms),
    scratch,
  );
  const mirrors = buildTable(image, layout, found.mirrors, terms);
  const shifted = (t: ConversionTable) => t.step.some((v) => v !== 1);
  return {
    signals,
    written,
    arrays: found.arrays,
    primaries,
    mirrors,
    adcRounds: found.adcRounds,
    passes: readPasses(image, [primaries, mirrors]),
    shifted: shifted(primaries) || shifted(mirrors),
    fractional: primaries.step.some((v) => v < 1),
    ...commitPlan(image, layout, written, primaries),
  };
}

/** DAC passes of a read: its widest driven (term) signal's (ReadGroup.passes). */
function readPasses(image: ChipImage, tables: readonly ConversionTable[]): number {
  const { dacBits } = image.target.params;
  let passes = 1;
  for (const table of tables)
    for (const s of table.termSignal)
      if (s >= 0) passes = Math.max(passes, dacPasses(image.signals[s]!.limit, dacBits));
  return passes;
}

type CommitPlan = Pick<
  ReadGroup,
  | "accumulated"
  | "commitSingle"
  | "singlesPlain"
  | "commitShared"
  | "commitLimit"
  | "commitAccumulate"
  | "commitFirst"
  | "unwritten"
>;

/** How a read's primaries are committed (ReadGroup, "How the commit goes"). */
function commitPlan(
  image: ChipImage,
  layout: ChipLayout,
  written: readonly WrittenSignal[],
  primaries: ConversionTable,
): CommitPlan {
  const writers = commitWriters(primaries.dest, layout.registers);
  const unwritten: number[] = [];
  for (const w of written) {
    if (w.accumulate) continue;
    for (let i = w.offset; i < w.offset + w.length; i++)
      if (writers.count[i] === 0) unwritten.push(i);
  }
  const commitLimit = new Int32Array(primaries.count);
  const commitAccumulate = new Uint8Array(primaries.count);
  for (let c = 0; c < primaries.count; c++) {
    const signal = image.arrays[primaries.array[c]!]!.readout.signal[primaries.readout[c]!]!;
    commitLimit[c] = image.signals[signal]!.limit;
    commitAccumulate[c] = image.signals[signal]!.accumulate === true ? 1 : 0;
  }
  const { single, shared, first, count } = writers;
  return {
    accumulated: first.filter((c) => commitAccumulate[c] === 1).length,
    commitSingle: Int32Array.from(single),
    singlesPlain: single.every((c) => primaries.step[c] === 1 && commitAccumulate[c] === 0),
    commitShared: Int32Array.from(shared),
    commitLimit,
    commitAccumulate,
    commitFirst: Int32Array.from(first.filter((c) => count[primaries.dest[c]!]! > 1)),
    unwritten: Int32Array.from(unwritten),
  };
}

/**
 * Per register, how many primaries write it; the primaries that alone write their element and
 * those that share it, ascending; the first primary writing each element.
 */
function commitWriters(dest: Int32Array, registers: number) {
  const count = new Int32Array(registers);
  const first: number[] = [];
  dest.forEach((d, c) => {
    if (count[d] === 0) first.push(c);
    count[d]!++;
  });
  const single: number[] = [];
  const shared: number[] = [];
  dest.forEach((d, c) => {
    (count[d] === 1 ? single : shared).push(c);
  });
  return { count, first, single, shared };
}
