// A small lowered model built by hand (not by the passes), so that chip.bin tests know every
// value independently: one 64x64 imssa-64 array holding two channel blocks of one mode each.

import type { ChipInfo } from "../../src/emit/chip-write.js";
import type { Crossbar, HardwareProgram, Signal } from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import { targetDigest } from "../../src/target/load.js";

export const SIGNALS: Signal[] = [
  { name: "l0.u", kind: "ssm-input", length: 2, limit: 127 },
  { name: "l0.u1", kind: "ssm-input-delayed", length: 2, limit: 127 },
  { name: "l0.x", kind: "ssm-state", length: 4, limit: 127 },
  { name: "l0.y", kind: "ssm-output", length: 2, limit: 127 },
];

/** Channel h's block at rows 6h.., cols 6h..: rows +u,-u,+xr,-xr,+xi,-xi; cols xr,-xr,xi,-xi,y,-y. */
function rowMap(): number[] {
  const rows: number[] = [];
  for (let r = 0; r < 64; r++) {
    const h = Math.floor(r / 6);
    const i = r % 6;
    if (h > 1) rows.push(-1, 0, 0);
    else if (i < 2) rows.push(0, h, i === 0 ? 1 : -1);
    else rows.push(2, 2 * h + (i < 4 ? 0 : 1), i % 2 === 0 ? 1 : -1);
  }
  return rows;
}

/**
 * (row, col, level) of the programmed cells, row-major: levels 1..63 on imssa-64. Every cell is
 * on a column a readout converts and a row one of its terms drives (the verifier's invariant).
 */
export const CELLS: [number, number, number][] = [
  [0, 0, 5],
  [0, 2, 9],
  [0, 4, 1],
  [1, 0, 5],
  [2, 0, 63],
  [2, 2, 7],
  [2, 4, 12],
  [4, 0, 7],
  [6, 6, 30],
  [8, 6, 2],
  [8, 8, 63],
  [8, 10, 44],
  [11, 11, 44],
];

export const G_MIN = 1;
export const G_MAX = 100;

export function conductanceOf(level: number): number {
  return Math.fround(G_MIN + (level * (G_MAX - G_MIN)) / 63);
}

function crossbar(): Crossbar {
  // Readouts: colPlus, colMinus, signal, element, polarity, slice, adc, limit.
  const readouts = [
    [0, -1, 2, 0, 1, 0, 0, 127],
    [2, -1, 2, 1, 1, 0, 1, 127],
    [4, -1, 3, 0, 1, 0, 2, 127],
    [6, -1, 2, 2, 1, 0, 3, 127],
    [8, -1, 2, 3, 1, 0, 4, 127],
    [10, -1, 3, 1, 1, 0, 5, 127],
    [11, -1, 3, 1, -1, 0, 6, 127],
  ];
  // Every readout sums x and u, so that each programmed cell is on a row its column sums (the
  // verifier, which writeChip runs, rejects a cell that would not contribute).
  const termSignals = readouts.flatMap(() => [2, 0]);
  const termGains = readouts.flatMap((r, i) => (r[2] === 3 ? [0.015625, 0.25 + i] : [0.5, 1 / 3]));
  return {
    name: "a0",
    rows: 64,
    cols: 64,
    rowMap: i32([64, 3], rowMap()),
    readouts: i32([readouts.length, 8], readouts.flat()),
    termSignals: i32([readouts.length, 2], termSignals),
    termGains: f64([readouts.length, 2], termGains),
    cells: i32([CELLS.length, 3], CELLS.flat()),
    conductanceUs: f32(
      [CELLS.length],
      CELLS.map(([, , level]) => conductanceOf(level)),
    ),
    placements: [
      { block: "l0.h0", rowOffset: 0, colOffset: 0, rows: 6, cols: 6 },
      { block: "l0.h1", rowOffset: 6, colOffset: 6, rows: 6, cols: 6 },
    ],
  };
}

export function syntheticHardware(): HardwareProgram {
  return {
    target: { name: IMSSA_64.name, digest: targetDigest(IMSSA_64) },
    params: {
      rows: 64,
      cols: 64,
      levels: 64,
      slices: 1,
      dacBits: 8,
      adcBits: 8,
      adcsPerArray: 8,
      encoding: "row-polarity",
      outputMode: "lagged",
      outputColumns: 2,
      dPlacement: "rows",
      dense: "digital",
      gMinUs: G_MIN,
      gMaxUs: G_MAX,
      writeVerifyTolerance: 0.25,
    },
    signals: SIGNALS,
    crossbars: [crossbar()],
    placed: true,
    program: [
      {
        op: "linear",
        input: "input",
        output: "enc",
        weight: f32([2, 1], [0.5, -0.25]),
        bias: f32([2], [0.125, 0]),
      },
      {
        op: "ssm",
        layer: 0,
        input: "enc",
        output: "y",
        inputQuant: { kind: "static", scale: f64([2], [0.1, 0.2]), limit: 127 },
        inputSignal: 0,
        inputDelayedSignal: 1,
        stateSignal: 2,
        outputSignal: 3,
        outputMode: "lagged",
        outputScale: f64([2], [0.0078125, 1e-300]),
        digitalD: null,
      },
      { op: "gelu", input: "y", output: "g" },
      { op: "add", input: "g", other: "enc", output: "r" },
      { op: "mean-pool", input: "r", output: "p" },
      {
        op: "linear",
        input: "p",
        output: "logits",
        weight: f32([3, 2], [1, 2, 3, 4, 5, -0]),
        bias: null,
      },
    ],
  };
}

export function syntheticModel(): Model {
  return {
    name: "synthetic",
    config: { dIn: 1, channels: 2, state: 2, classes: 3, length: null },
    quantScheme: "none",
    encoder: { inFeatures: 1, outFeatures: 2, weight: f32([2, 1]), bias: null, weightQuant: null },
    layers: [],
    pooling: "mean",
    decoder: { inFeatures: 2, outFeatures: 3, weight: f32([3, 2]), bias: null, weightQuant: null },
    meta: { source: "hand-built test model" },
    hardware: syntheticHardware(),
  };
}

export const INFO: ChipInfo = {
  sourceDigest: "ab".repeat(32),
  target: IMSSA_64,
  options: { target: "imssa-64", prune: 0 },
  passes: ["layout-imssa", "tile", "map-conductance"],
  reports: new Map<string, unknown>([
    ["tile", { arrays: 1, utilization: 72 / 4096 }],
    ["requantize", { sqnrDb: new Float64Array([40.5, Number.POSITIVE_INFINITY]) }],
  ]),
};
