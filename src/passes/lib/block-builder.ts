// Assembles one crossbar block (src/ir/hardware.ts Crossbar) row by row and column by column:
// rows driven by signal elements with a polarity, readouts over one or two columns with their
// gain terms, and signed integer weights placed on cells according to the signed encoding.

import { CELL_FIELDS, type Crossbar, RO_FIELDS, ROW_FIELDS } from "../../ir/hardware.js";
import { f64, i32 } from "../../ir/tensor.js";

/** Terms per readout in the tables: the state group plus one input group at most. */
export const TERMS = 2;

export interface Term {
  readonly signal: number;
  readonly gain: number;
}

/** The rows of one signal element: +v and -v (row-polarity) or one row (differential). */
export interface RowPair {
  readonly plus: number;
  readonly minus: number;
}

/** The columns of one output: its own column (and, differential, the column subtracted). */
export interface ColPair {
  readonly plus: number;
  readonly minus: number;
}

/** One output's columns, one entry per slice (least significant first). */
export interface Output {
  readonly primary: readonly ColPair[];
  readonly mirror: readonly ColPair[] | null;
}

export interface Slicing {
  /** Cells per weight; 1 = none. */
  readonly slices: number;
  /** Digit base: the cells' level count. */
  readonly base: number;
}

export class BlockBuilder {
  private readonly rowMap: number[] = [];
  private readonly readouts: number[] = [];
  private readonly termSignals: number[] = [];
  private readonly termGains: number[] = [];
  private readonly shifts: number[] = [];
  private readonly cells = new Map<number, number>();
  private cols = 0;

  constructor(
    readonly name: string,
    readonly differential: boolean,
    readonly slicing: Slicing = { slices: 1, base: 2 },
  ) {}

  get rowCount(): number {
    return this.rowMap.length / ROW_FIELDS;
  }

  get colCount(): number {
    return this.cols;
  }

  /** The row(s) of one signal element. */
  addRows(signal: number, element: number): RowPair {
    const plus = this.addRow(signal, element, 1);
    const minus = this.differential ? -1 : this.addRow(signal, element, -1);
    return { plus, minus };
  }

  private addRow(signal: number, element: number, polarity: 1 | -1): number {
    this.rowMap.push(signal, element, polarity);
    return this.rowCount - 1;
  }

  /** Columns nobody reads (reserved by the layout). */
  reserveColumns(count: number): void {
    this.cols += count;
  }

  /**
   * One output: a primary readout writing `signal[element]` and, with row-polarity, a mirror
   * column computing its negation; with bit slicing one such pair per slice (the columns of
   * slice k are summed into slice 0's conversion with weight base^k, before the ADC).
   */
  addOutput(
    signal: number,
    element: number,
    limit: number,
    terms: readonly Term[],
    shift = 0,
  ): Output {
    const primary: ColPair[] = [];
    const mirror: ColPair[] = [];
    for (let k = 0; k < this.slicing.slices; k++) {
      if (this.differential) {
        const cols = { plus: this.cols, minus: this.cols + 1 };
        this.cols += 2;
        this.addReadout(cols, signal, element, 1, k, limit, terms, shift);
        primary.push(cols);
      } else {
        const p = { plus: this.cols, minus: -1 };
        const m = { plus: this.cols + 1, minus: -1 };
        this.cols += 2;
        this.addReadout(p, signal, element, 1, k, limit, terms, shift);
        this.addReadout(m, signal, element, -1, k, limit, terms, shift);
        primary.push(p);
        mirror.push(m);
      }
    }
    return { primary, mirror: this.differential ? null : mirror };
  }

  private addReadout(
    cols: ColPair,
    signal: number,
    element: number,
    polarity: 1 | -1,
    slice: number,
    limit: number,
    terms: readonly Term[],
    shift: number,
  ): void {
    this.readouts.push(cols.plus, cols.minus, signal, element, polarity, slice, -1, limit);
    this.shifts.push(shift);
    for (let k = 0; k < TERMS; k++) {
      const term = terms[k];
      this.termSignals.push(term === undefined ? -1 : term.signal);
      this.termGains.push(term === undefined ? 0 : term.gain);
    }
  }

  /**
   * Weight w from a row pair into an output: on the +v row when w > 0, on the -v row when
   * w < 0 (row-polarity; the mirror column gets -w), or on the output's + or - column
   * (differential). The level is |w|, or with slicing its base-`levels` digit of each slice.
   */
  addWeight(rows: RowPair, output: Output, w: number): void {
    let magnitude = Math.abs(w);
    for (let k = 0; k < output.primary.length && magnitude > 0; k++) {
      const level = magnitude % this.slicing.base;
      magnitude = Math.floor(magnitude / this.slicing.base);
      if (level === 0) continue;
      const primary = output.primary[k]!;
      if (this.differential) {
        this.setCell(rows.plus, w > 0 ? primary.plus : primary.minus, level);
        continue;
      }
      this.setCell(w > 0 ? rows.plus : rows.minus, primary.plus, level);
      this.setCell(w > 0 ? rows.minus : rows.plus, output.mirror![k]!.plus, level);
    }
    if (magnitude > 0) throw new Error(`block ${this.name}: weight ${w} exceeds the cells' slices`);
  }

  private setCell(row: number, col: number, level: number): void {
    const key = row * 1_000_000 + col;
    if (this.cells.has(key))
      throw new Error(`block ${this.name}: cell (${row}, ${col}) placed twice`);
    this.cells.set(key, level);
  }

  build(): Crossbar {
    const rows = this.rowCount;
    const n = this.readouts.length / RO_FIELDS;
    const keys = [...this.cells.keys()].sort((a, b) => a - b);
    const cells = new Int32Array(keys.length * CELL_FIELDS);
    keys.forEach((key, i) => {
      cells[i * CELL_FIELDS] = Math.floor(key / 1_000_000);
      cells[i * CELL_FIELDS + 1] = key % 1_000_000;
      cells[i * CELL_FIELDS + 2] = this.cells.get(key)!;
    });
    const shifted = this.shifts.some((s) => s !== 0);
    return {
      name: this.name,
      rows,
      cols: this.cols,
      rowMap: i32([rows, ROW_FIELDS], this.rowMap),
      readouts: i32([n, RO_FIELDS], this.readouts),
      termSignals: i32([n, TERMS], this.termSignals),
      termGains: f64([n, TERMS], this.termGains),
      cells: i32([keys.length, CELL_FIELDS], cells),
      conductanceUs: null,
      placements: [],
      ...(shifted ? { shifts: i32([n], this.shifts) } : {}),
    };
  }
}
