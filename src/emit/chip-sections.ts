// The chip sections' names and field tables, shared by writer and reader so that the two
// cannot drift apart (docs/chip-format.md §8-§11).

import type { ChipOpKind } from "./chip-image.js";

export const MANIFEST = "manifest";
export const TARGET = "target";
export const PROGRAM = "program";
export const CHIP_FORMAT = "qs4dc-chip";

export const arraySectionName = (k: number): string => `array.${k}`;

/** The typed-array sections of array k: JSON-side group and field, element type, per-what. */
export const ARRAY_VECTORS = [
  { group: "row", field: "signal", dtype: "i32", per: "rows" },
  { group: "row", field: "element", dtype: "i32", per: "rows" },
  { group: "row", field: "polarity", dtype: "i32", per: "rows" },
  { group: "readout", field: "colPlus", dtype: "i32", per: "readouts" },
  { group: "readout", field: "colMinus", dtype: "i32", per: "readouts" },
  { group: "readout", field: "signal", dtype: "i32", per: "readouts" },
  { group: "readout", field: "element", dtype: "i32", per: "readouts" },
  { group: "readout", field: "polarity", dtype: "i32", per: "readouts" },
  { group: "readout", field: "slice", dtype: "i32", per: "readouts" },
  { group: "readout", field: "adc", dtype: "i32", per: "readouts" },
  { group: "readout", field: "limit", dtype: "i32", per: "readouts" },
  { group: "term", field: "signal", dtype: "i32", per: "terms" },
  { group: "term", field: "gain", dtype: "f64", per: "terms" },
  { group: "cell", field: "row", dtype: "i32", per: "cells" },
  { group: "cell", field: "col", dtype: "i32", per: "cells" },
  { group: "cell", field: "level", dtype: "i32", per: "cells" },
  { group: "cell", field: "conductanceUs", dtype: "f32", per: "cells" },
] as const;

/**
 * Optional: readout shifts (docs/chip-arithmetic.md §2, "Shifted codes"), written only when some
 * readout's shift is non-zero; absent, every shift is 0. Placed after `readout.limit`.
 */
export const SHIFT_VECTOR = {
  group: "readout",
  field: "shift",
  dtype: "i32",
  per: "readouts",
} as const;

export type ArrayVector = (typeof ARRAY_VECTORS)[number] | typeof SHIFT_VECTOR;

/** `array.3.readout.col-plus`: field names in kebab case, as section names are lower case. */
export function arrayVectorSection(k: number, v: ArrayVector): string {
  return `${arraySectionName(k)}.${vectorSuffix(v)}`;
}

/** `readout.col-plus`, once per vector (a chip has tens of thousands of vector sections). */
const suffixes = new Map<ArrayVector, string>();

function vectorSuffix(v: ArrayVector): string {
  let suffix = suffixes.get(v);
  if (suffix === undefined) {
    suffix = `${v.group}.${kebab(v.field)}`;
    suffixes.set(v, suffix);
  }
  return suffix;
}

export function opTensorSection(index: number, field: string): string {
  return `op.${index}.${kebab(field)}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * How each field of a digital op is stored in the program section: buffer names and enums as
 * strings, signal indices and counts as integers, scalars as exact JSON numbers, tensors as
 * references `{"section": name, "shape": [...]}` to typed-array sections.
 */
export type OpFieldKind =
  | "buffer"
  | "signal"
  | "optional-signal"
  | "count"
  | "number"
  | "tensor"
  | "optional-tensor"
  | "output-mode"
  | "input-quant";

const UNARY = { input: "buffer", output: "buffer" } as const;

export const OP_FIELDS: Readonly<Record<ChipOpKind, Readonly<Record<string, OpFieldKind>>>> = {
  linear: { ...UNARY, weight: "tensor", bias: "optional-tensor" },
  "crossbar-linear": {
    ...UNARY,
    inputSignal: "signal",
    inputLevels: "number",
    outputSignal: "signal",
    outputStep: "tensor",
    bias: "optional-tensor",
  },
  "layer-norm": { ...UNARY, weight: "tensor", bias: "tensor", eps: "number" },
  "batch-norm": {
    ...UNARY,
    weight: "tensor",
    bias: "tensor",
    mean: "tensor",
    variance: "tensor",
    eps: "number",
  },
  gelu: UNARY,
  relu: UNARY,
  glu: UNARY,
  "mean-pool": UNARY,
  add: { ...UNARY, other: "buffer" },
  "fake-quant": { ...UNARY, levels: "count" },
  ssm: {
    ...UNARY,
    layer: "count",
    inputQuant: "input-quant",
    inputSignal: "signal",
    inputDelayedSignal: "optional-signal",
    stateSignal: "signal",
    outputSignal: "signal",
    outputMode: "output-mode",
    outputScale: "tensor",
    digitalD: "optional-tensor",
  },
};

export const OP_KINDS = Object.keys(OP_FIELDS) as ChipOpKind[];

/** The model input buffer [L, dIn] and the buffer the last op must write, [classes]. */
export const INPUT_BUFFER = "input";
export const LOGITS_BUFFER = "logits";
