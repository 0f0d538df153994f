// Invariants of the lowered IR (hardware.ts), checked with the rest of the IR by verify.ts:
// table shapes, every index in range, cells on levels the target has, and every programmed
// cell reachable: a cell on a readout's column must sit on a row driven by one of the
// readout's term signals, or it would silently not contribute.

import type { Diagnostic } from "../diag/diagnostic.js";
import { makeDiagnostic } from "../diag/error.js";
import {
  CELL_FIELDS,
  type Crossbar,
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
import { sameShape, shapeText } from "./tensor.js";

type Report = (node: string, reason: string) => void;

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

function checkCrossbar(hw: HardwareProgram, c: Crossbar, report: Report): void {
  const node = `hardware > crossbar ${c.name}`;
  const n = c.readouts.shape[0] ?? 0;
  const terms = c.termSignals.shape[1] ?? 0;
  const k = c.cells.shape[0] ?? 0;
  const ok = [
    checkShape(report, node, "row_map", c.rowMap.shape, [c.rows, ROW_FIELDS]),
    checkShape(report, node, "readouts", c.readouts.shape, [n, RO_FIELDS]),
    checkShape(report, node, "term_signals", c.termSignals.shape, [n, terms]),
    checkShape(report, node, "term_gains", c.termGains.shape, [n, terms]),
    checkShape(report, node, "cells", c.cells.shape, [k, CELL_FIELDS]),
    c.conductanceUs === null ||
      checkShape(report, node, "conductance_us", c.conductanceUs.shape, [k]),
  ].every(Boolean);
  if (!ok) return;
  if (hw.placed && (c.rows !== hw.params.rows || c.cols !== hw.params.cols)) {
    report(
      node,
      `a placed array is ${c.rows}x${c.cols}, the target's are ${hw.params.rows}x${hw.params.cols}`,
    );
  }
  checkRows(hw, c, node, report);
  checkReadouts(hw, c, node, report);
  checkSlices(c, node, report);
  checkCells(hw, c, node, report);
}

export function verifyHardware(hw: HardwareProgram): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (node, reason) =>
    diagnostics.push(makeDiagnostic("QS4D-E420", { node, reason }, { node }));
  const names = new Set<string>();
  hw.signals.forEach((s, i) => {
    if (names.has(s.name))
      report(`hardware > signal ${s.name}`, `signal ${i} repeats the name '${s.name}'`);
    names.add(s.name);
  });
  for (const c of hw.crossbars) checkCrossbar(hw, c, report);
  for (const op of hw.program) {
    if (op.op !== "ssm") continue;
    for (const s of [op.inputSignal, op.stateSignal, op.outputSignal]) {
      if (hw.signals[s] === undefined)
        report(`hardware > op ssm ${op.layer}`, `refers to signal ${s}`);
    }
  }
  return diagnostics;
}
