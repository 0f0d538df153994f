// A residual-state-update chip built by hand (not by the passes), so that the chip.bin and
// simulator tests know every value independently (docs/chip-arithmetic.md §2, "Shifted codes
// and accumulating signals" and "Signals wider than the DAC"): one SSM layer of one channel
// with one complex mode on one 64x64 imssa-64 array (8-bit DAC and ADC, row polarity, lagged
// output, D on rows). The state register accumulates and is wider than the DAC; the state
// columns read the increment with shifts 3 (real part) and 2 (imaginary part).

import type { ChipInfo } from "../../src/emit/chip-write.js";
import type { Crossbar, HardwareProgram, Signal } from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import { targetDigest } from "../../src/target/load.js";

export const G_MIN = 1;
export const G_MAX = 100;
export const LEVELS = 64;

/** Rows 0..7: +u, -u, +u1, -u1, +xr, -xr, +xi, -xi (signal, element, polarity). */
const ROWS: [number, number, number][] = [
  [0, 0, 1],
  [0, 0, -1],
  [1, 0, 1],
  [1, 0, -1],
  [2, 0, 1],
  [2, 0, -1],
  [2, 1, 1],
  [2, 1, -1],
];

/** The weights (integer codes), as layout-imssa's residual table lays them out. */
export const W = {
  /** delta = lambda - 1 on the state rows. */
  dr: -5,
  di: 9,
  /** Bbar on the u rows. */
  br: 20,
  bi: -7,
  /** C on the state rows, D on the delayed u rows. */
  cr: 11,
  ci: 4,
  d: 3,
} as const;

/** Readout gains: state columns (x, u) with their shifts folded in, the y column (x, u1). */
export const GAIN = {
  xr: [0.05 / 2 ** 3, 0.3 / 2 ** 3],
  xi: [0.0625 / 2 ** 2, 0.15 / 2 ** 2],
  y: [0.0078125, 0.1],
} as const;

export const SHIFT = { xr: 3, xi: 2 } as const;

/** Column weights: per column, (signal name, weight) on the +row (w > 0) or -row (w < 0). */
type Weights = [row: "u" | "u1" | "xr" | "xi", w: number][];
const COLUMNS: Weights[] = [
  // 0: +xr' = dr xr - di xi + br u   1: its mirror (the opposite rows)
  [
    ["xr", W.dr],
    ["xi", -W.di],
    ["u", W.br],
  ],
  [
    ["xr", -W.dr],
    ["xi", W.di],
    ["u", -W.br],
  ],
  // 2: +xi' = di xr + dr xi + bi u   3: its mirror
  [
    ["xr", W.di],
    ["xi", W.dr],
    ["u", W.bi],
  ],
  [
    ["xr", -W.di],
    ["xi", -W.dr],
    ["u", -W.bi],
  ],
  // 4: +y = cr xr - ci xi + d u1    5: its mirror
  [
    ["xr", W.cr],
    ["xi", -W.ci],
    ["u1", W.d],
  ],
  [
    ["xr", -W.cr],
    ["xi", W.ci],
    ["u1", -W.d],
  ],
];

const PLUS_ROW = { u: 0, u1: 2, xr: 4, xi: 6 } as const;

function cells(): [number, number, number][] {
  const list: [number, number, number][] = [];
  COLUMNS.forEach((weights, col) => {
    for (const [row, w] of weights) list.push([PLUS_ROW[row] + (w > 0 ? 0 : 1), col, Math.abs(w)]);
  });
  return list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

export interface ResidualOptions {
  /** The state register's limit (default 2047: 11 bits, two passes of a 7-bit DAC magnitude). */
  readonly stateLimit?: number;
  /** Whether the state signal accumulates (default true). */
  readonly accumulate?: boolean;
  /** Shifts of the state readouts (default SHIFT); all 0 leaves them out of the IR. */
  readonly shifts?: { readonly xr: number; readonly xi: number };
  /** Every readout's limit (default 127, the 8-bit ADC's). */
  readonly readoutLimit?: number;
}

function crossbar(o: ResidualOptions): Crossbar {
  const shifts = o.shifts ?? SHIFT;
  const limit = o.readoutLimit ?? 127;
  // colPlus, colMinus, signal, element, polarity, slice, adc, limit
  const readouts = [
    [0, -1, 2, 0, 1, 0, 0, limit],
    [1, -1, 2, 0, -1, 0, 1, limit],
    [2, -1, 2, 1, 1, 0, 2, limit],
    [3, -1, 2, 1, -1, 0, 3, limit],
    [4, -1, 3, 0, 1, 0, 4, limit],
    [5, -1, 3, 0, -1, 0, 5, limit],
  ];
  const terms = [
    [2, 0, ...GAIN.xr],
    [2, 0, ...GAIN.xr],
    [2, 0, ...GAIN.xi],
    [2, 0, ...GAIN.xi],
    [2, 1, ...GAIN.y],
    [2, 1, ...GAIN.y],
  ];
  const shiftOf = [shifts.xr, shifts.xr, shifts.xi, shifts.xi, 0, 0];
  const list = cells();
  const rowMap: number[] = [];
  for (let r = 0; r < 64; r++) rowMap.push(...(ROWS[r] ?? [-1, 0, 0]));
  return {
    name: "a0",
    rows: 64,
    cols: 64,
    rowMap: i32([64, 3], rowMap),
    readouts: i32([6, 8], readouts.flat()),
    termSignals: i32(
      [6, 2],
      terms.flatMap((t) => [t[0]!, t[1]!]),
    ),
    termGains: f64(
      [6, 2],
      terms.flatMap((t) => [t[2]!, t[3]!]),
    ),
    cells: i32([list.length, 3], list.flat()),
    conductanceUs: f32(
      [list.length],
      list.map(([, , level]) => G_MIN + (level * (G_MAX - G_MIN)) / (LEVELS - 1)),
    ),
    placements: [{ block: "l0.h0", rowOffset: 0, colOffset: 0, rows: 8, cols: 6 }],
    ...(shiftOf.some((s) => s !== 0) ? { shifts: i32([6], shiftOf) } : {}),
  };
}

export const INPUT_SCALE = 0.05;
export const OUTPUT_SCALE = 0.01;

export function residualHardware(o: ResidualOptions = {}): HardwareProgram {
  const signals: Signal[] = [
    { name: "l0.u", kind: "ssm-input", length: 1, limit: 127 },
    { name: "l0.u1", kind: "ssm-input-delayed", length: 1, limit: 127 },
    {
      name: "l0.x",
      kind: "ssm-state",
      length: 2,
      limit: o.stateLimit ?? 2047,
      ...(o.accumulate === false ? {} : { accumulate: true as const }),
    },
    { name: "l0.y", kind: "ssm-output", length: 1, limit: 127 },
  ];
  return {
    target: { name: IMSSA_64.name, digest: targetDigest(IMSSA_64) },
    params: {
      rows: 64,
      cols: 64,
      levels: LEVELS,
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
    signals,
    crossbars: [crossbar(o)],
    placed: true,
    program: [
      {
        op: "ssm",
        layer: 0,
        input: "input",
        output: "y",
        inputQuant: { kind: "static", scale: f64([1], [INPUT_SCALE]), limit: 127 },
        inputSignal: 0,
        inputDelayedSignal: 1,
        stateSignal: 2,
        outputSignal: 3,
        outputMode: "lagged",
        outputScale: f64([1], [OUTPUT_SCALE]),
        digitalD: null,
      },
      { op: "mean-pool", input: "y", output: "p" },
      {
        op: "linear",
        input: "p",
        output: "logits",
        weight: f32([2, 1], [1, -0.5]),
        bias: null,
      },
    ],
  };
}

export function residualModel(o: ResidualOptions = {}): Model {
  return {
    name: "residual",
    config: { dIn: 1, channels: 1, state: 2, classes: 2, length: null },
    quantScheme: "none",
    encoder: { inFeatures: 1, outFeatures: 1, weight: f32([1, 1]), bias: null, weightQuant: null },
    layers: [],
    pooling: "mean",
    decoder: { inFeatures: 1, outFeatures: 2, weight: f32([2, 1]), bias: null, weightQuant: null },
    meta: { source: "hand-built residual test chip" },
    hardware: residualHardware(o),
  };
}

export const RESIDUAL_INFO: ChipInfo = {
  sourceDigest: "cd".repeat(32),
  target: IMSSA_64,
  options: { target: "imssa-64" },
  passes: ["layout-imssa", "tile", "map-conductance"],
  reports: new Map<string, unknown>(),
};
