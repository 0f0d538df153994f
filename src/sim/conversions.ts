// The ADC conversions of one read, compiled from chip.bin's arrays (docs/chip-arithmetic.md §2).
// A read group is every conversion that writes a given set of signals (an SSM layer's state
// and output, or a dense layer's output), over all arrays. Each conversion is the slice-0
// readout of an output plus the columns of its higher slices (weight levels^j), so a sliced
// weight costs one conversion. For the ideal chip each conversion's terms are precompiled to
// effective signed integer weights on register indices (level x column sign x slice weight x
// row polarity, summed over the rows that drive the same element): the inner loop of every
// simulation is then a short integer dot product per term.

import { fail } from "../diag/error.js";
import type { ChipArray, ChipImage } from "../emit/chip-image.js";
import type { ChipLayout } from "./layout.js";

/** One set of conversions in struct-of-arrays form; term slots are `terms` per conversion. */
export interface ConversionTable {
  readonly count: number;
  readonly terms: number;
  readonly array: Int32Array;
  /** The slice-0 readout (index in its array's readout tables). */
  readonly readout: Int32Array;
  readonly adc: Int32Array;
  readonly limit: Int32Array;
  /** Flat register index written (primaries) or mirrored (mirrors). */
  readonly dest: Int32Array;
  /** [count * terms]: term signal (-1 unused) and gain. */
  readonly termSignal: Int32Array;
  readonly gain: Float64Array;
  /** Ideal effective weights: term slot q's entries are [ptr[q], ptr[q + 1]). */
  readonly ptr: Int32Array;
  readonly index: Int32Array;
  readonly weight: Float64Array;
  /** Columns summed before the ADC: conversion c's are [wirePtr[c], wirePtr[c + 1]). */
  readonly wirePtr: Int32Array;
  readonly wireCol: Int32Array;
  /** Column sign x levels^slice. */
  readonly wireFactor: Float64Array;
}

/** A committed signal: its flat register range and clamp. */
export interface WrittenSignal {
  readonly signal: number;
  readonly offset: number;
  readonly length: number;
  readonly limit: number;
}

export interface ReadGroup {
  readonly signals: readonly number[];
  readonly written: readonly WrittenSignal[];
  /** Arrays with at least one conversion in the group, ascending. */
  readonly arrays: readonly number[];
  /** Polarity +1 readouts: converted and committed. */
  readonly primaries: ConversionTable;
  /** Polarity -1 readouts (row-polarity mirror columns): converted, not stored. */
  readonly mirrors: ConversionTable;
  /** Per array of `arrays`: conversions (primaries + mirrors) on its busiest ADC. */
  readonly adcRounds: Int32Array;
  /**
   * How the commit goes: `direct` when every written element has one primary (its code,
   * clamped to `commitLimit`, is stored); otherwise the codes of an element are summed first.
   * `unwritten` lists the written signals' elements no primary writes (they become 0).
   */
  readonly direct: boolean;
  readonly commitLimit: Int32Array;
  readonly unwritten: Int32Array;
}

interface Conversion {
  readonly array: number;
  readonly readout: number;
  readonly wires: [number, number][];
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

/** The conversions of array k writing `signals`: slice 0 readouts with their slices' columns. */
function arrayConversions(image: ChipImage, k: number, signals: ReadonlySet<number>): Conversion[] {
  const a = image.arrays[k]!;
  const ro = a.readout;
  const base = image.target.params.levels;
  const key = (i: number) => `${ro.signal[i]}:${ro.element[i]}:${ro.polarity[i]}`;
  const bySlice0 = new Map<string, Conversion>();
  const out: Conversion[] = [];
  const wiresOf = (i: number, factor: number): [number, number][] => {
    const wires: [number, number][] = [[ro.colPlus[i]!, factor]];
    if (ro.colMinus[i]! >= 0) wires.push([ro.colMinus[i]!, -factor]);
    return wires;
  };
  for (let i = 0; i < a.readouts; i++) {
    if (!signals.has(ro.signal[i]!) || ro.slice[i] !== 0) continue;
    const c = { array: k, readout: i, wires: wiresOf(i, 1) };
    bySlice0.set(key(i), c);
    out.push(c);
  }
  for (let i = 0; i < a.readouts; i++) {
    const slice = ro.slice[i]!;
    if (!signals.has(ro.signal[i]!) || slice === 0) continue;
    const into = bySlice0.get(key(i));
    if (into === undefined) {
      fail("QS4D-E607", {
        file: image.file,
        reason: `array ${k} readout ${i} is slice ${slice} of an output with no slice 0`,
      });
    }
    into.wires.push(...wiresOf(i, base ** slice));
  }
  return out;
}

/** Effective weights of one term: register index -> sum of factor x level x row polarity. */
function termWeights(
  a: ChipArray,
  cells: ColumnCells,
  wires: readonly [number, number][],
  signal: number,
  layout: ChipLayout,
): Map<number, number> {
  const weights = new Map<number, number>();
  for (const [col, factor] of wires) {
    for (let j = cells.start[col]!; j < cells.start[col + 1]!; j++) {
      const r = cells.row[j]!;
      if (a.row.signal[r] !== signal) continue;
      const at = layout.offset[signal]! + a.row.element[r]!;
      weights.set(at, (weights.get(at) ?? 0) + factor * cells.level[j]! * a.row.polarity[r]!);
    }
  }
  return weights;
}

function buildTable(
  image: ChipImage,
  layout: ChipLayout,
  list: readonly Conversion[],
  terms: number,
): ConversionTable {
  const n = list.length;
  const t = {
    array: new Int32Array(n),
    readout: new Int32Array(n),
    adc: new Int32Array(n),
    limit: new Int32Array(n),
    dest: new Int32Array(n),
    termSignal: new Int32Array(n * terms).fill(-1),
    gain: new Float64Array(n * terms),
    ptr: new Int32Array(n * terms + 1),
    wirePtr: new Int32Array(n + 1),
  };
  const index: number[] = [];
  const weight: number[] = [];
  const wireCol: number[] = [];
  const wireFactor: number[] = [];
  list.forEach((c, i) => {
    const a = image.arrays[c.array]!;
    const ro = a.readout;
    const r = c.readout;
    t.array[i] = c.array;
    t.readout[i] = r;
    // An unplaced chip has no ADC assignment: spread the readouts over the ADCs.
    t.adc[i] = ro.adc[r]! >= 0 ? ro.adc[r]! : r % image.target.params.adcsPerArray;
    t.limit[i] = ro.limit[r]!;
    t.dest[i] = layout.offset[ro.signal[r]!]! + ro.element[r]!;
    for (const [col, factor] of c.wires) {
      wireCol.push(col);
      wireFactor.push(factor);
    }
    t.wirePtr[i + 1] = wireCol.length;
    const cells = columnCells(a);
    for (let k = 0; k < terms; k++) {
      const q = i * terms + k;
      const signal = k < a.terms ? a.term.signal[r * a.terms + k]! : -1;
      if (signal >= 0) {
        t.termSignal[q] = signal;
        t.gain[q] = a.term.gain[r * a.terms + k]!;
        const weights = [...termWeights(a, cells, c.wires, signal, layout)]
          .filter(([, w]) => w !== 0)
          .sort((x, y) => x[0] - y[0]);
        for (const [at, w] of weights) {
          index.push(at);
          weight.push(w);
        }
      }
      t.ptr[q + 1] = index.length;
    }
  });
  return {
    count: n,
    terms,
    ...t,
    index: Int32Array.from(index),
    weight: Float64Array.from(weight),
    wireCol: Int32Array.from(wireCol),
    wireFactor: Float64Array.from(wireFactor),
  };
}

/** The read group of the conversions writing `signals` (an op's state and output). */
export function readGroup(
  image: ChipImage,
  layout: ChipLayout,
  signals: readonly number[],
): ReadGroup {
  const wanted = new Set(signals);
  const all = image.arrays.flatMap((_, k) => arrayConversions(image, k, wanted));
  const terms = Math.max(0, ...image.arrays.map((a) => a.terms));
  const polarity = (c: Conversion) => image.arrays[c.array]!.readout.polarity[c.readout]!;
  const arrays = [...new Set(all.map((c) => c.array))].sort((x, y) => x - y);
  const adcRounds = new Int32Array(arrays.length);
  arrays.forEach((k, i) => {
    const perAdc = new Map<number, number>();
    const ro = image.arrays[k]!.readout;
    for (const c of all) {
      if (c.array !== k) continue;
      const adc =
        ro.adc[c.readout]! >= 0 ? ro.adc[c.readout]! : c.readout % image.target.params.adcsPerArray;
      perAdc.set(adc, (perAdc.get(adc) ?? 0) + 1);
    }
    adcRounds[i] = Math.max(0, ...perAdc.values());
  });
  const written = signals.map((s) => ({
    signal: s,
    offset: layout.offset[s]!,
    length: image.signals[s]!.length,
    limit: image.signals[s]!.limit,
  }));
  const primaries = buildTable(
    image,
    layout,
    all.filter((c) => polarity(c) > 0),
    terms,
  );
  const writers = new Map<number, number>();
  for (const d of primaries.dest) writers.set(d, (writers.get(d) ?? 0) + 1);
  const unwritten: number[] = [];
  for (const w of written)
    for (let i = w.offset; i < w.offset + w.length; i++) if (!writers.has(i)) unwritten.push(i);
  const limitOf = (register: number) =>
    written.find((w) => register >= w.offset && register < w.offset + w.length)!.limit;
  return {
    signals,
    written,
    arrays,
    primaries,
    mirrors: buildTable(
      image,
      layout,
      all.filter((c) => polarity(c) < 0),
      terms,
    ),
    adcRounds,
    direct: [...writers.values()].every((n) => n === 1),
    commitLimit: Int32Array.from(primaries.dest, limitOf),
    unwritten: Int32Array.from(unwritten),
  };
}
