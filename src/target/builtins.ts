// The built-in targets. Every figure that is not an architectural choice cites where it comes
// from; docs/targets.md explains each choice. Values are plain JSON (the digest is taken over
// their canonical form), so a user can copy one to a file, edit it and pass it with --target.

import type { Cited, TargetDescription } from "./types.js";

const ISAAC = "Shafiee et al., ISAAC, ISCA 2016, Table I (32 nm)";
const HOROWITZ = "Horowitz, Computing's energy problem, ISSCC 2014, Fig. 1.1.9 (45 nm)";

/** 8-bit SAR ADC, 1.28 GS/s, 16 mW: 16 mW / 1.28 GHz. */
const ADC_8BIT: Cited = { value: 12.5, source: `${ISAAC}: 8-bit ADC 16 mW at 1.28 GS/s` };
/** ISAAC's 1-bit DACs: 4 mW for 8 x 128 DACs at 10 MHz is 0.39 pJ per bit; 8 bits assumed 8x. */
const DAC_8BIT: Cited = {
  value: 3.1,
  source: `${ISAAC}: 1-bit DACs 4 mW for 1024 DACs at 10 MHz = 0.39 pJ per bit, times 8 bits`,
};
/** ISAAC: 8 arrays of 128x128 draw 2.4 mW at a 100 ns read cycle: 30 pJ per 16384 cells. */
function arrayRead(rows: number, cols: number): Cited {
  const value = Math.round(((30 * rows * cols) / (128 * 128)) * 1000) / 1000;
  return {
    value,
    source: `${ISAAC}: 2.4 mW for 8 arrays of 128x128 at 100 ns = 30 pJ per read, scaled to ${rows}x${cols} cells`,
  };
}
const DIGITAL_OP: Cited = {
  value: 4.6,
  source: `${HOROWITZ}: 32-bit float multiply 3.7 pJ + add 0.9 pJ`,
};
const REGISTER: Cited = {
  value: 5,
  source: `${HOROWITZ}: 8 KB SRAM 64-bit read 10 pJ, per 32-bit word`,
};

/** Per-event energies: the converters and the digital side are the same on every target. */
function energy(rows: number, cols: number): TargetDescription["energy"] {
  return {
    adcConversionPj: ADC_8BIT,
    dacConversionPj: DAC_8BIT,
    arrayReadPj: arrayRead(rows, cols),
    digitalOpPj: DIGITAL_OP,
    registerAccessPj: REGISTER,
  };
}

const TIMING = {
  dacSettleNs: 10,
  readNs: 100,
  adcConversionNs: 10,
  digitalOpNs: 10,
  registerAccessNs: 10,
} as const;

const DIGITAL = { format: "float32", wordBits: 32, clockMHz: 100 } as const;

// Device noise after write-verify and converter offset calibration (docs/targets.md): a cell is
// accepted within +-0.25 of a level spacing (gMax/127), a uniform residual of sigma 0.25/sqrt(3)
// = 0.14 level = 0.0011 gMax; converter offsets are trimmed digitally to a residual of 0.05 LSB.
const DEVICE_NOISE = {
  programmingSigma: 0.0011,
  readSigma: 0.002,
  stuckOnRate: 0.0001,
  stuckOffRate: 0.0001,
  adcOffsetLsb: 0.05,
  dacOffsetLsb: 0.05,
} as const;

const IMSSA_CELL = {
  type: "1T1R TaOx on 180 nm CMOS",
  gMinUs: 1,
  gMaxUs: 100,
  levels: 128,
  writeVerifyTolerance: 0.25,
} as const;

export const IMSSA_64: TargetDescription = {
  name: "imssa-64",
  description:
    "IMSSA demo chip: 64x64 1T1R TaOx arrays, one SSM channel per array (row-polarity, lagged output, D on delayed-input rows), 128 conductance levels (8-bit signed weights on +-row pairs), 8-bit DAC/ADC, dense layers digital",
  array: { rows: 64, cols: 64, count: null },
  cell: IMSSA_CELL,
  encoding: "row-polarity",
  dac: { bits: 8 },
  adc: { bits: 8, perArray: 8 },
  outputMode: "lagged",
  outputColumns: 4,
  dPlacement: "rows",
  dense: "digital",
  bitSlicing: { allowed: true, maxSlices: 2 },
  digital: DIGITAL,
  fallbackBits: 8,
  timing: TIMING,
  energy: energy(64, 64),
  noise: DEVICE_NOISE,
};

export const IMSSA_256: TargetDescription = {
  name: "imssa-256",
  description:
    "Large IMSSA-style chip: 256x256 1T1R TaOx arrays with block-diagonal channel packing, 128 conductance levels, 8-bit DAC/ADC, dense layers on crossbar tiles",
  array: { rows: 256, cols: 256, count: null },
  cell: IMSSA_CELL,
  encoding: "row-polarity",
  dac: { bits: 8 },
  adc: { bits: 8, perArray: 32 },
  outputMode: "lagged",
  outputColumns: 2,
  dPlacement: "rows",
  dense: "crossbar",
  bitSlicing: { allowed: true, maxSlices: 2 },
  digital: DIGITAL,
  fallbackBits: 8,
  timing: TIMING,
  energy: energy(256, 256),
  noise: DEVICE_NOISE,
};

export const IDEAL: TargetDescription = {
  name: "ideal",
  description:
    "Verification target: levels and converter widths taken from the model's quantization grids (fallbackBits for a float model), one ADC per column, no noise; large arrays so that any channel fits",
  array: { rows: 1024, cols: 1024, count: null },
  cell: { ...IMSSA_CELL, type: "ideal", levels: "model" },
  encoding: "row-polarity",
  dac: { bits: "model" },
  adc: { bits: "model", perArray: 1024 },
  outputMode: "lagged",
  outputColumns: 2,
  dPlacement: "rows",
  dense: "digital",
  bitSlicing: { allowed: false, maxSlices: 1 },
  digital: DIGITAL,
  fallbackBits: 8,
  timing: TIMING,
  energy: energy(1024, 1024),
  noise: {
    programmingSigma: 0,
    readSigma: 0,
    stuckOnRate: 0,
    stuckOffRate: 0,
    adcOffsetLsb: 0,
    dacOffsetLsb: 0,
  },
};

export const BUILTIN_TARGETS: readonly TargetDescription[] = [IMSSA_64, IMSSA_256, IDEAL];

export const DEFAULT_TARGET = "imssa-64";
