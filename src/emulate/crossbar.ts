// One read of one crossbar, exactly as docs/chip-arithmetic.md §2 defines it: per readout, the
// exact integer sum S_k of level x polarity x code over the rows driven by each term's
// signal (over its one column, or its +/- column pair), then the analog value
// ((0 + g_1 S_1) + g_2 S_2) in binary64, then the ADC: round half to even, clamp.

import {
  CELL_COL,
  CELL_FIELDS,
  CELL_LEVEL,
  CELL_ROW,
  type Crossbar,
  RO_COL_MINUS,
  RO_COL_PLUS,
  RO_ELEMENT,
  RO_FIELDS,
  RO_POLARITY,
  RO_SIGNAL,
  RO_SLICE,
  ROW_ELEMENT,
  ROW_FIELDS,
  ROW_POLARITY,
  ROW_SIGNAL,
} from "../ir/hardware.js";
import { dataOf } from "../ir/tensor.js";

/**
 * A crossbar compiled for reading: per readout, the list of its cells as
 * (term, signal, element, coefficient) with coefficient = column sign x level x row polarity,
 * so that S_term = sum coefficient x register[signal][element]. Cells on rows driven by a
 * signal that is not one of the readout's terms do not contribute (the verifier rejects them).
 */
export interface ReadableCrossbar {
  readonly crossbar: Crossbar;
  /**
   * entries[r] = [term, register, coefficient, term, ...]; register = offset of signal + element.
   * |coefficient| = level x levels^slice <= 2^31 - 1, and every partial sum of a term below
   * 2^53: the verifier's limits (src/ir/limits.ts), checked before the emulator runs.
   */
  readonly entries: readonly Int32Array[];
  readonly readouts: Int32Array;
  readonly termGains: Float64Array;
  readonly terms: number;
  /** Per readout: the code's weight 2^shift in the commit (docs/chip-arithmetic.md §2). */
  readonly steps: Float64Array;
}

function columnCells(c: Crossbar): number[][] {
  const cells = dataOf(c.cells);
  const lists: number[][] = Array.from({ length: c.cols }, () => []);
  for (let i = 0; i < cells.length; i += CELL_FIELDS) {
    lists[cells[i + CELL_COL]!]!.push(cells[i + CELL_ROW]!, cells[i + CELL_LEVEL]!);
  }
  return lists;
}

/** The (term, register, coefficient) entries of readout r's own columns. */
function readoutEntries(
  c: Crossbar,
  r: number,
  byColumn: readonly number[][],
  readouts: Int32Array,
  scale: number,
  offsets: readonly number[],
): number[] {
  const rowMap = dataOf(c.rowMap);
  const termSignals = dataOf(c.termSignals);
  const terms = c.termSignals.shape[1]!;
  const list: number[] = [];
  const wires: [number, number][] = [[readouts[r * RO_FIELDS + RO_COL_PLUS]!, 1]];
  const minus = readouts[r * RO_FIELDS + RO_COL_MINUS]!;
  if (minus >= 0) wires.push([minus, -1]);
  for (let k = 0; k < terms; k++) {
    const signal = termSignals[r * terms + k]!;
    if (signal < 0) continue;
    for (const [col, sign] of wires) {
      const cells = byColumn[col]!;
      for (let i = 0; i < cells.length; i += 2) {
        const row = cells[i]!;
        if (rowMap[row * ROW_FIELDS + ROW_SIGNAL] !== signal) continue;
        const coefficient = scale * sign * cells[i + 1]! * rowMap[row * ROW_FIELDS + ROW_POLARITY]!;
        list.push(k, offsets[signal]! + rowMap[row * ROW_FIELDS + ROW_ELEMENT]!, coefficient);
      }
    }
  }
  return list;
}

/**
 * Compiles a crossbar for reading. Bit slices are one conversion: the columns of slice k of an
 * output (same signal, element and polarity) are summed into its slice-0 readout with weight
 * base^k before the ADC (docs/chip-arithmetic.md §2); slice k > 0 readouts convert nothing.
 */
export function indexCrossbar(
  c: Crossbar,
  base: number,
  offsets: readonly number[],
): ReadableCrossbar {
  const byColumn = columnCells(c);
  const readouts = Int32Array.from(dataOf(c.readouts));
  const n = readouts.length / RO_FIELDS;
  const lists: number[][] = Array.from({ length: n }, () => []);
  const firstSlice = new Map<string, number>();
  const key = (r: number) =>
    `${readouts[r * RO_FIELDS + RO_SIGNAL]}:${readouts[r * RO_FIELDS + RO_ELEMENT]}:${readouts[r * RO_FIELDS + RO_POLARITY]}`;
  for (let r = 0; r < n; r++)
    if (readouts[r * RO_FIELDS + RO_SLICE] === 0) firstSlice.set(key(r), r);
  for (let r = 0; r < n; r++) {
    const slice = readouts[r * RO_FIELDS + RO_SLICE]!;
    const into = slice === 0 ? r : firstSlice.get(key(r));
    if (into === undefined)
      throw new Error(`crossbar ${c.name}: slice ${slice} of readout ${r} has no slice 0`);
    lists[into]!.push(...readoutEntries(c, r, byColumn, readouts, base ** slice, offsets));
  }
  return {
    crossbar: c,
    entries: lists.map((l) => Int32Array.from(l)),
    readouts,
    termGains: Float64Array.from(dataOf(c.termGains)),
    terms: c.termSignals.shape[1]!,
    steps: Float64Array.from(
      c.shifts === undefined ? new Int32Array(n) : dataOf(c.shifts),
      (v) => 2 ** v,
    ),
  };
}

export interface ReadoutTarget {
  readonly signal: number;
  readonly element: number;
  readonly polarity: number;
  readonly slice: number;
  /** 2^shift: what one code adds to the register. */
  readonly step: number;
}

export function readoutTarget(x: ReadableCrossbar, r: number): ReadoutTarget {
  const base = r * RO_FIELDS;
  return {
    signal: x.readouts[base + RO_SIGNAL]!,
    element: x.readouts[base + RO_ELEMENT]!,
    polarity: x.readouts[base + RO_POLARITY]!,
    slice: x.readouts[base + RO_SLICE]!,
    step: x.steps[r]!,
  };
}

export function readoutCount(x: ReadableCrossbar): number {
  return x.readouts.length / RO_FIELDS;
}
