// Invariants of the lowered IR (hardware.ts), checked with the rest of the IR by verify-model.ts:
// table shapes, every index in range, cells on levels the target has, and every programmed
// cell reachable: a cell on a readout's column must sit on a row driven by one of the
// readout's term signals, or it would silently not contribute (QS4D-E420). Then the numeric
// limits within which the executors are exact (limits.ts, docs/chip-arithmetic.md "Limits"),
// one code each: term slots per conversion (E430), every conversion's integer sum below 2^53
// (E431), register codes, readout limits and cell coefficients within int32 (E432).

import type { Diagnostic, DiagnosticArgs, DiagnosticCode } from "../diag/diagnostic.js";
import { makeDiagnostic } from "../diag/error.js";
import {
  CELL_FIELDS,
  type Crossbar,
  type DigitalOp,
  type HardwareProgram,
  RO_ADC,
  RO_COL_MINUS,
  RO_COL_PLUS,
  RO_ELEMENT,
  RO_FIELDS,
  RO_LIMIT,
  RO_POLARITY,
  RO_SIGNAL,
  RO_SLICE,
  ROW_FIELDS,
} from "./hardware.js";
import {
  commitSumBound,
  EXACT_INTEGER,
  MAX_CODE,
  MAX_FRACTION_BITS,
  MAX_SHIFT,
  MAX_TERMS,
} from "./limits.js";
import { sameShape, shapeText } from "./tensor.js";

/** A broken structural invariant (QS4D-E420). */
type Report = (node: string, reason: string) => void;
/** A numeric limit exceeded (QS4D-E430..E432): the code and its arguments. */
type Limit = (code: DiagnosticCode, args: DiagnosticArgs, node: string) => void;

function checkShape(
  report: Report,
  node: string,
  name: string,
  actual: readonly number[],
  expected: readonly number[],
): boolean {
  if (sameShape(actual, expected)) return true;
  report(node, `${name} has shape ${shapeText(actual)}, expected ${shapeText(expected)}`);
  return false;
}

function checkRows(hw: HardwareProgram, c: Crossbar, node: string, report: Report): void {
  const map = c.rowMap.data;
  if (map === null) return;
  for (let r = 0; r < c.rows; r++) {
    const [signal, element, polarity] = [
      map[r * ROW_FIELDS]!,
      map[r * ROW_FIELDS + 1]!,
      map[r * ROW_FIELDS + 2]!,
    ];
    if (signal === -1 && polarity === 0) continue;
    const s = hw.signals[signal];
    if (s === undefined || element < 0 || element >= s.length || Math.abs(polarity) !== 1) {
      report(node, `row ${r} is driven by signal ${signal}[${element}] with polarity ${polarity}`);
      return;
    }
  }
}

function checkReadouts(hw: HardwareProgram, c: Crossbar, node: string, report: Report): void {
  const ro = c.readouts.data;
  const ts = c.termSignals.data;
  const tg = c.termGains.data;
  if (ro === null || ts === null || tg === null) return;
  const terms = c.termSignals.shape[1]!;
  for (let i = 0; i < ro.length / RO_FIELDS; i++) {
    const at = (f: number) => ro[i * RO_FIELDS + f]!;
    const s = hw.signals[at(RO_SIGNAL)];
    const bad =
      at(RO_COL_PLUS) < 0 ||
      at(RO_COL_PLUS) >= c.cols ||
      at(RO_COL_MINUS) < -1 ||
      at(RO_COL_MINUS) >= c.cols ||
      s === undefined ||
      at(RO_ELEMENT) < 0 ||
      at(RO_ELEMENT) >= s.length ||
      Math.abs(at(RO_POLARITY)) !== 1 ||
      at(RO_SLICE) < 0 ||
      at(RO_SLICE) >= hw.params.slices ||
      at(RO_LIMIT) < 0 ||
      (hw.placed && (at(RO_ADC) < 0 || at(RO_ADC) >= hw.params.adcsPerArray));
    if (bad) {
      report(
        node,
        `readout ${i} [${Array.from(ro.subarray(i * RO_FIELDS, (i + 1) * RO_FIELDS)).join(", ")}] is out of range`,
      );
      return;
    }
    for (let k = 0; k < terms; k++) {
      const sig = ts[i * terms + k]!;
      if (sig < -1 || sig >= hw.signals.length || !Number.isFinite(tg[i * terms + k]!)) {
        report(node, `readout ${i} term ${k} has signal ${sig} and gain ${tg[i * terms + k]}`);
        return;
      }
    }
  }
}

/** Every slice k > 0 readout has a slice-0 readout of the same output to be summed into. */
function checkSlices(c: Crossbar, node: string, report: Report): void {
  const ro = c.readouts.data;
  if (ro === null) return;
  const key = (i: number) => `${ro[i + RO_SIGNAL]}:${ro[i + RO_ELEMENT]}:${ro[i + RO_POLARITY]}`;
  const first = new Set<string>();
  for (let i = 0; i < ro.length; i += RO_FIELDS) if (ro[i + RO_SLICE] === 0) first.add(key(i));
  for (let i = 0; i < ro.length; i += RO_FIELDS) {
    if (ro[i + RO_SLICE]! > 0 && !first.has(key(i))) {
      report(
        node,
        `readout ${i / RO_FIELDS} is slice ${ro[i + RO_SLICE]} of an output without a slice 0`,
      );
      return;
    }
  }
}

function checkCells(hw: HardwareProgram, c: Crossbar, node: string, report: Report): void {
  const cells = c.cells.data;
  const map = c.rowMap.data;
  const ro = c.readouts.data;
  const ts = c.termSignals.data;
  if (cells === null || map === null || ro === null || ts === null) return;
  const terms = c.termSignals.shape[1]!;
  // Term signals of the readouts that read each column.
  const reads: Set<number>[] = Array.from({ length: c.cols }, () => new Set());
  for (let i = 0; i < ro.length / RO_FIELDS; i++) {
    for (const col of [ro[i * RO_FIELDS + RO_COL_PLUS]!, ro[i * RO_FIELDS + RO_COL_MINUS]!]) {
      if (col < 0 || col >= c.cols) continue;
      for (let k = 0; k < terms; k++) reads[col]!.add(ts[i * terms + k]!);
    }
  }
  let previous = -1;
  for (let i = 0; i < cells.length; i += CELL_FIELDS) {
    const [row, col, level] = [cells[i]!, cells[i + 1]!, cells[i + 2]!];
    const key = row * c.cols + col;
    if (row < 0 || row >= c.rows || col < 0 || col >= c.cols || key <= previous) {
      report(node, `cell ${i / CELL_FIELDS} at (${row}, ${col}) is out of range or out of order`);
      return;
    }
    previous = key;
    if (level < 1 || level >= hw.params.levels) {
      report(
        node,
        `cell (${row}, ${col}) has level ${level}; levels are 1..${hw.params.levels - 1}`,
      );
      return;
    }
    if (!reads[col]!.has(map[row * ROW_FIELDS]!)) {
      report(node, `cell (${row}, ${col}) is on a row no readout of its column sums`);
      return;
    }
  }
}

/** `limit` null: the signals are invalid, so the limits cannot be computed. */
function checkCrossbar(
  hw: HardwareProgram,
  c: Crossbar,
  report: Report,
  limit: Limit | null,
): void {
  const node = `hardware > crossbar ${c.name}`;
  let broken = false;
  const invalid: Report = (at, reason) => {
    broken = true;
    report(at, reason);
  };
  const n = c.readouts.shape[0] ?? 0;
  const terms = c.termSignals.shape[1] ?? 0;
  const k = c.cells.shape[0] ?? 0;
  const ok = [
    checkShape(invalid, node, "row_map", c.rowMap.shape, [c.rows, ROW_FIELDS]),
    checkShape(invalid, node, "readouts", c.readouts.shape, [n, RO_FIELDS]),
    checkShape(invalid, node, "term_signals", c.termSignals.shape, [n, terms]),
    checkShape(invalid, node, "term_gains", c.termGains.shape, [n, terms]),
    checkShape(invalid, node, "cells", c.cells.shape, [k, CELL_FIELDS]),
    c.conductanceUs === null ||
      checkShape(invalid, node, "conductance_us", c.conductanceUs.shape, [k]),
    c.shifts === undefined || checkShape(invalid, node, "shifts", c.shifts.shape, [n]),
  ].every(Boolean);
  if (!ok) return;
  if (hw.placed && (c.rows !== hw.params.rows || c.cols !== hw.params.cols)) {
    invalid(
      node,
      `a placed array is ${c.rows}x${c.cols}, the target's are ${hw.params.rows}x${hw.params.cols}`,
    );
  }
  checkRows(hw, c, node, invalid);
  checkReadouts(hw, c, node, invalid);
  checkSlices(c, node, invalid);
  checkCells(hw, c, node, invalid);
  checkShifts(c, node, invalid);
  // The limits are computed from the indices: only on a structurally valid crossbar.
  if (!broken && limit !== null) checkLimits(hw, c, node, limit);
}

/** Shifts (when present) are integers in -MAX_FRACTION_BITS..MAX_SHIFT. */
function checkShifts(c: Crossbar, node: string, report: Report): void {
  const shifts = c.shifts?.data;
  if (shifts === undefined || shifts === null) return;
  const bad = shifts.findIndex(
    (v) => !Number.isInteger(v) || v < -MAX_FRACTION_BITS || v > MAX_SHIFT,
  );
  if (bad >= 0) {
    report(
      node,
      `readout ${bad} has shift ${shifts[bad]}; shifts are -${MAX_FRACTION_BITS}..${MAX_SHIFT}`,
    );
  }
}

/**
 * The commit's sums (docs/chip-arithmetic.md "Limits"): per written element, over every
 * crossbar's primaries writing it, sum of limit x 2^shift below 2^(53 - f), f its most
 * fraction bits, so that the sum of its shifted codes is exact in binary64 in any order
 * (QS4D-E433, the first element only). Run after the per-crossbar checks passed.
 */
function checkCommitSums(hw: HardwareProgram, limit: Limit): void {
  const bound = new Map<number, { sum: number; fraction: number }>();
  const offsets: number[] = [];
  let size = 0;
  for (const s of hw.signals) {
    offsets.push(size);
    size += s.length;
  }
  for (const c of hw.crossbars) {
    const ro = c.readouts.data;
    if (ro === null) continue;
    const shifts = c.shifts?.data ?? null;
    for (let r = 0; r < ro.length / RO_FIELDS; r++) {
      const at = (f: number) => ro[r * RO_FIELDS + f]!;
      if (at(RO_POLARITY) < 0 || at(RO_SLICE) !== 0) continue;
      const shift = shifts === null ? 0 : shifts[r]!;
      const key = offsets[at(RO_SIGNAL)]! + at(RO_ELEMENT);
      const known = bound.get(key) ?? { sum: 0, fraction: 0 };
      known.sum += at(RO_LIMIT) * 2 ** shift;
      known.fraction = Math.max(known.fraction, -shift);
      bound.set(key, known);
    }
  }
  for (const [key, { sum, fraction }] of bound) {
    if (sum < commitSumBound(fraction)) continue;
    const s = offsets.findLastIndex((o) => o <= key);
    const signal = hw.signals[s]!.name;
    const node = `hardware > signal ${signal}`;
    const args = { node, signal, element: key - offsets[s]!, bound: sum, fraction };
    limit("QS4D-E433", { ...args, exponent: 53 - fraction }, node);
    return;
  }
}

/**
 * The numeric limits of one crossbar's conversions (docs/chip-arithmetic.md "Limits"): term
 * slots, readout limits (times 2^shift) and cell coefficients level x levels^slice within int32,
 * and each conversion's bound sum over its cells (every slice's columns, both wires) of
 * level x levels^slice x the row signal's limit below 2^53, so that every partial sum of its
 * S_k is an exact binary64 integer. The first violation of each kind is reported.
 */
function checkLimits(hw: HardwareProgram, c: Crossbar, node: string, limit: Limit): void {
  const terms = c.termSignals.shape[1] ?? 0;
  if (terms > MAX_TERMS) limit("QS4D-E430", { node, terms, max: MAX_TERMS }, node);
  const ro = c.readouts.data;
  const cells = c.cells.data;
  const map = c.rowMap.data;
  if (ro === null || cells === null || map === null) return;
  const shifts = c.shifts?.data ?? null;
  const n = ro.length / RO_FIELDS;
  const at = (r: number, f: number) => ro[r * RO_FIELDS + f]!;
  const once = new Set<string>();
  const report = (code: DiagnosticCode, args: DiagnosticArgs) => {
    if (once.has(code)) return;
    once.add(code);
    limit(code, { node, ...args }, node);
  };
  for (let r = 0; r < n; r++) {
    const shift = shifts === null ? 0 : shifts[r]!;
    const largest = at(r, RO_LIMIT) * 2 ** shift;
    if (largest > MAX_CODE) {
      const what =
        shift === 0
          ? `the limit of readout ${r}`
          : `the limit of readout ${r} times 2^${shift} (its shift)`;
      report("QS4D-E432", { what, value: largest });
    }
  }
  // Per column: sum of level x row limit, and its largest level with that cell's row.
  const columnSum = new Float64Array(c.cols);
  const top = new Float64Array(c.cols);
  const topRow = new Int32Array(c.cols);
  for (let i = 0; i < cells.length; i += CELL_FIELDS) {
    const [row, col, level] = [cells[i]!, cells[i + 1]!, cells[i + 2]!];
    const signal = map[row * ROW_FIELDS]!;
    const rowLimit = signal >= 0 ? hw.signals[signal]!.limit : 0;
    columnSum[col] = columnSum[col]! + level * rowLimit;
    if (level > top[col]!) {
      top[col] = level;
      topRow[col] = row;
    }
  }
  // Per conversion (its slice-0 readout): every slice's columns, weighted levels^slice.
  const key = (r: number) => `${at(r, RO_SIGNAL)}:${at(r, RO_ELEMENT)}:${at(r, RO_POLARITY)}`;
  const first = new Map<string, number>();
  for (let r = 0; r < n; r++) if (at(r, RO_SLICE) === 0) first.set(key(r), r);
  const bound = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const slice = at(r, RO_SLICE);
    const into = slice === 0 ? r : first.get(key(r))!;
    const weight = hw.params.levels ** slice;
    for (const col of [at(r, RO_COL_PLUS), at(r, RO_COL_MINUS)]) {
      if (col < 0) continue;
      const coefficient = top[col]! * weight;
      if (coefficient > MAX_CODE) {
        const what = `the coefficient of cell (${topRow[col]}, ${col}), level ${top[col]} x ${hw.params.levels}^${slice} (slice ${slice})`;
        report("QS4D-E432", { what, value: coefficient });
      }
      bound[into] = bound[into]! + columnSum[col]! * weight;
    }
  }
  for (let r = 0; r < n; r++) {
    if (at(r, RO_SLICE) !== 0 || bound[r]! < EXACT_INTEGER) continue;
    const signal = hw.signals[at(r, RO_SIGNAL)]!.name;
    report("QS4D-E431", { readout: r, signal, element: at(r, RO_ELEMENT), bound: bound[r]! });
  }
}

/** Signal names unique, lengths and limits integers >= 0, limits within int32; false if not. */
function checkSignals(hw: HardwareProgram, report: Report, limit: Limit): boolean {
  const names = new Set<string>();
  let ok = true;
  hw.signals.forEach((s, i) => {
    const node = `hardware > signal ${s.name}`;
    if (names.has(s.name)) report(node, `signal ${i} repeats the name '${s.name}'`);
    names.add(s.name);
    const integers = [s.length, s.limit].every((v) => Number.isSafeInteger(v) && v >= 0);
    if (!integers) {
      ok = false;
      report(
        node,
        `signal ${i} has length ${s.length} and limit ${s.limit}; both are integers >= 0`,
      );
    } else if (s.limit > MAX_CODE) {
      ok = false;
      limit("QS4D-E432", { node, what: `the limit of signal '${s.name}'`, value: s.limit }, node);
    }
  });
  return ok;
}

/** The codes an op writes into signals (or, for fake-quant, computes) from a float input. */
interface OpCodes {
  readonly node: string;
  /** Signals the op names (each must exist). */
  readonly signals: readonly number[];
  /** Signals the codes are written to. */
  readonly written: readonly number[];
  /** "input level count", "input limit". */
  readonly what: string;
  /** The level count or limit: at most MAX_CODE. */
  readonly value: number;
  readonly valid: boolean;
  /** The largest code: floor(levels / 2), or the limit. */
  readonly largest: number;
}

function levelCodes(node: string, what: string, levels: number) {
  const valid = Number.isSafeInteger(levels) && levels >= 2;
  return { node, what, value: levels, valid, largest: Math.floor(levels / 2) };
}

function opCodes(op: DigitalOp): OpCodes | null {
  switch (op.op) {
    case "ssm": {
      const node = `hardware > op ssm ${op.layer}`;
      const delayed = op.inputDelayedSignal === -1 ? [] : [op.inputDelayedSignal];
      const signals = [op.inputSignal, op.stateSignal, op.outputSignal, ...delayed];
      const written = [op.inputSignal, ...delayed];
      const q = op.inputQuant;
      if (q.kind === "sample") {
        return { ...levelCodes(node, "input level count", q.levels), signals, written };
      }
      const valid = Number.isSafeInteger(q.limit) && q.limit >= 0;
      const what = "input limit";
      return { node, signals, written, what, value: q.limit, valid, largest: q.limit };
    }
    case "crossbar-linear": {
      const node = `hardware > op crossbar-linear ${op.output}`;
      const codes = levelCodes(node, "input level count", op.inputLevels);
      return { ...codes, signals: [op.inputSignal, op.outputSignal], written: [op.inputSignal] };
    }
    case "fake-quant": {
      const codes = levelCodes(`hardware > op fake-quant ${op.output}`, "level count", op.levels);
      return { ...codes, signals: [], written: [] };
    }
    default:
      return null;
  }
}

/**
 * What an op quantizes fits: its signals exist, its level count or limit is within int32, and
 * its largest code is within the limit of every signal it is written to, so that the signals'
 * limits bound every register (which the 2^53 bound of E431 relies on).
 */
function checkOp(hw: HardwareProgram, op: DigitalOp, report: Report, limit: Limit): void {
  const codes = opCodes(op);
  if (codes === null) return;
  const { node, what, value } = codes;
  const missing = codes.signals.find((s) => hw.signals[s] === undefined);
  if (missing !== undefined) {
    report(node, `refers to signal ${missing}`);
  } else if (!codes.valid) {
    report(node, `its ${what} is ${value}; level counts are integers >= 2, limits integers >= 0`);
  } else if (value > MAX_CODE) {
    limit("QS4D-E432", { node, what: `its ${what}`, value }, node);
  } else {
    for (const s of codes.written) {
      const signal = hw.signals[s]!;
      if (codes.largest <= signal.limit) continue;
      report(
        node,
        `its ${what} ${value} gives codes up to ${codes.largest}; signal '${signal.name}' holds codes up to ${signal.limit}`,
      );
    }
  }
}

export function verifyHardware(hw: HardwareProgram): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (node, reason) =>
    diagnostics.push(makeDiagnostic("QS4D-E420", { node, reason }, { node }));
  const limit: Limit = (code, args, node) => diagnostics.push(makeDiagnostic(code, args, { node }));
  const signals = checkSignals(hw, report, limit);
  for (const c of hw.crossbars) checkCrossbar(hw, c, report, signals ? limit : null);
  if (signals && diagnostics.length === 0) checkCommitSums(hw, limit);
  for (const op of hw.program) checkOp(hw, op, report, limit);
  return diagnostics;
}
