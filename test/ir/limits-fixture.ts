// A small lowered model built by hand (not by the passes), for the verifier's numeric limits
// and the executors' buffers: one dense layer on one placed crossbar (a crossbar-linear op
// reading `input` [1, n] and writing `logits` [m]), on top of a valid sample model.

import type { Crossbar, HardwareProgram, Signal } from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import { targetDigest } from "../../src/target/load.js";
import { sampleModel } from "./helpers.js";

export type Cell = readonly [row: number, col: number, level: number];

export interface DenseOptions {
  /** Inputs n (rows, one per input element, polarity +1). Default 2. */
  readonly inputs?: number;
  /** Outputs m (classes). Default 3. */
  readonly outputs?: number;
  readonly levels?: number;
  /** Columns per output: output o's slice k is column o * slices + k. Default 1. */
  readonly slices?: number;
  /** Term slots per readout: slot 0 sums the input (gain 0.5), the others are unused. */
  readonly terms?: number;
  /** The input signal's limit (default 127); the op's input levels stay 254. */
  readonly inputLimit?: number;
  /** (row, col, level), sorted by row then column. */
  readonly cells?: readonly Cell[];
}

/** With the default cells, input [1, -0.5] gives codes [127, -64] and logits 30/127, 1, -1. */
export const DEFAULT_CELLS: readonly Cell[] = [
  [0, 0, 3],
  [0, 1, 2],
  [1, 0, 5],
  [1, 2, 7],
];

export function denseHardware(options: DenseOptions = {}): HardwareProgram {
  const n = options.inputs ?? 2;
  const m = options.outputs ?? 3;
  const slices = options.slices ?? 1;
  const terms = options.terms ?? 1;
  const cells = options.cells ?? DEFAULT_CELLS;
  const levels = options.levels ?? 64;
  const signals: Signal[] = [
    { name: "in", kind: "dense-input", length: n, limit: options.inputLimit ?? 127 },
    { name: "out", kind: "dense-output", length: m, limit: 127 },
  ];
  const readouts: number[] = [];
  for (let o = 0; o < m; o++)
    for (let k = 0; k < slices; k++) readouts.push(o * slices + k, -1, 1, o, 1, k, o % 8, 127);
  const count = m * slices;
  const slot = (k: number, used: number, unused: number) => (k === 0 ? used : unused);
  const crossbar: Crossbar = {
    name: "a0",
    rows: n,
    cols: count,
    rowMap: i32([n, 3], Array.from({ length: n }, (_, r) => [0, r, 1]).flat()),
    readouts: i32([count, 8], readouts),
    termSignals: i32(
      [count, terms],
      Array.from({ length: count * terms }, (_, i) => slot(i % terms, 0, -1)),
    ),
    termGains: f64(
      [count, terms],
      Array.from({ length: count * terms }, (_, i) => slot(i % terms, 0.5, 0)),
    ),
    cells: i32([cells.length, 3], cells.flat()),
    conductanceUs: f32(
      [cells.length],
      cells.map(([, , level]) => 1 + level),
    ),
    placements: [{ block: "dense", rowOffset: 0, colOffset: 0, rows: n, cols: count }],
  };
  return {
    target: { name: IMSSA_64.name, digest: targetDigest(IMSSA_64) },
    params: {
      rows: n,
      cols: count,
      levels,
      slices,
      dacBits: 8,
      adcBits: 8,
      adcsPerArray: 8,
      encoding: "row-polarity",
      outputMode: "lagged",
      outputColumns: 2,
      dPlacement: "rows",
      dense: "crossbar",
      gMinUs: 1,
      gMaxUs: 100,
      writeVerifyTolerance: 0.25,
    },
    signals,
    crossbars: [crossbar],
    placed: true,
    program: [
      {
        op: "crossbar-linear",
        input: "input",
        output: "logits",
        inputSignal: 0,
        inputLevels: 254,
        outputSignal: 1,
        outputStep: f64([m], new Array(m).fill(1)),
        bias: null,
      },
    ],
  };
}

/** A valid sample model (d_in = n, classes = m) carrying `hw`. */
export function withHardware(hw: HardwareProgram): Model {
  const n = hw.signals[0]!.length;
  const m = hw.signals[1]!.length;
  return { ...sampleModel({ dIn: n, classes: m }), name: "dense", hardware: hw };
}

export function denseModel(options: DenseOptions = {}): Model {
  return withHardware(denseHardware(options));
}

/** `hw` with its one crossbar changed. */
export function editCrossbar(
  hw: HardwareProgram,
  edit: (c: Crossbar) => Crossbar,
): HardwareProgram {
  return { ...hw, crossbars: hw.crossbars.map(edit) };
}
