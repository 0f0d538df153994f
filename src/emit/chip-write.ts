// Model (lowered) -> chip.bin bytes. The hardware program of the IR is written as it is, with
// the packed IR tables split into one typed array per field (docs/chip-format.md §8-§11).
// Deterministic: sections in a fixed order, canonical JSON, no clock, no host facts.

import { formatDiagnostic } from "../diag/diagnostic.js";
import { fail } from "../diag/error.js";
import {
  CELL_COL,
  CELL_FIELDS,
  CELL_LEVEL,
  CELL_ROW,
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
  ROW_ELEMENT,
  ROW_FIELDS,
  ROW_POLARITY,
  ROW_SIGNAL,
} from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { type DType, numel, shapeText, type Tensor } from "../ir/tensor.js";
import { verifyModel } from "../ir/verify-model.js";
import { targetDigest } from "../target/load.js";
import type { TargetDescription } from "../target/types.js";
import type { JsonObject, JsonValue } from "../util/canonical-json.js";
import { VERSION } from "../version.js";
import type { ManifestOptionValue as PassOptionValue } from "./chip-image.js";
import {
  ARRAY_VECTORS,
  arraySectionName,
  arrayVectorSection,
  CHIP_FORMAT,
  MANIFEST,
  OP_FIELDS,
  opTensorSection,
  PROGRAM,
  SHIFT_VECTOR,
  TARGET,
} from "./chip-sections.js";
import { arraySection, encodeContainer, jsonSection, type Section } from "./container.js";
import type { NumericArray } from "./dtype.js";
import { toJson } from "./to-json.js";

export interface ChipInfo {
  /** SHA-256 (hex) of the bytes of the model file compiled. */
  readonly sourceDigest: string;
  /** The target description compiled for (its digest must be the hardware program's). */
  readonly target: TargetDescription;
  /** Compile options as given (values only: no time stamps, no absolute paths). */
  readonly options: Readonly<Record<string, PassOptionValue>>;
  /** Names of the passes run, in order. */
  readonly passes: readonly string[];
  /** The pass context's reports, keyed by pass name. */
  readonly reports: ReadonlyMap<string, unknown>;
}

export function writeChip(model: Model, info: ChipInfo): Uint8Array {
  return encodeContainer(chipSections(model, info));
}

/** The sections of a model's chip.bin, in file order. */
export function chipSections(model: Model, info: ChipInfo): Section[] {
  const hw = checkWritable(model, info);
  const program = programSections(hw, model.name);
  return [
    jsonSection(MANIFEST, manifest(model, info)),
    jsonSection(TARGET, {
      name: hw.target.name,
      digest: hw.target.digest,
      description: info.target as unknown as JsonObject,
      params: hw.params as unknown as JsonObject,
    }),
    ...program,
    ...hw.crossbars.flatMap((xbar, k) => arraySections(xbar, k, model.name)),
  ];
}

function checkWritable(model: Model, info: ChipInfo): HardwareProgram {
  const refuse = (reason: string): never => fail("QS4D-E520", { model: model.name, reason });
  const hw = model.hardware;
  if (hw === null) return refuse("it has not been lowered (layout-imssa has not run)");
  if (!hw.placed) refuse("its blocks are not placed on physical arrays (tile has not run)");
  if (hw.crossbars.some((x) => x.conductanceUs === null)) {
    refuse("its cells have no target conductances (map-conductance has not run)");
  }
  onlyKnownFields(hw, HARDWARE_FIELDS, "the hardware program");
  onlyKnownFields(hw.params, PARAM_FIELDS, "the hardware parameters");
  for (const x of hw.crossbars) {
    onlyKnownFields(x, CROSSBAR_FIELDS, `crossbar '${x.name}'`);
    for (const p of x.placements) onlyKnownFields(p, PLACEMENT_FIELDS, `placement '${p.block}'`);
  }
  if (!/^[0-9a-f]{64}$/.test(info.sourceDigest))
    internal(`source digest '${info.sourceDigest}' is not a SHA-256`);
  const digest = targetDigest(info.target);
  if (digest !== hw.target.digest || info.target.name !== hw.target.name) {
    refuse(
      `it was compiled for target '${hw.target.name}' (${hw.target.digest}), the description given is '${info.target.name}' (${digest})`,
    );
  }
  // The verifier, numeric limits included: what chip.bin holds is exact on both executors.
  // Compiles verify the lowered model already, so an invalid one here is a bug (exit 3).
  const invalid = verifyModel(model).find((d) => d.severity === "error");
  if (invalid !== undefined) {
    const args = { model: model.name, reason: formatDiagnostic(invalid) };
    fail("QS4D-E521", args, invalid.location, 3);
  }
  return hw;
}

function manifest(model: Model, info: ChipInfo): JsonObject {
  return {
    format: CHIP_FORMAT,
    compiler: { name: "qs4dc", version: VERSION },
    source: { model: model.name, digest: info.sourceDigest, meta: { ...model.meta } },
    options: toJson(info.options),
    passes: [...info.passes],
    reports: toJson(info.reports),
  };
}

function programSections(hw: HardwareProgram, model: string): Section[] {
  const tensors: Section[] = [];
  const ops = hw.program.map((op, index) => encodeOp(op, index, { model, tensors }));
  const program: JsonObject = {
    placed: hw.placed,
    arrays: hw.crossbars.length,
    signals: hw.signals.map((s) => {
      onlyKnownFields(s, SIGNAL_FIELDS, `signal '${s.name}'`);
      const signal = { name: s.name, kind: s.kind, length: s.length, limit: s.limit };
      // Written only when it accumulates: a replacing signal is encoded as before.
      return s.accumulate === true ? { ...signal, accumulate: true } : signal;
    }),
    ops,
  };
  return [jsonSection(PROGRAM, program), ...tensors];
}

interface TensorSink {
  readonly model: string;
  readonly tensors: Section[];
}

/** The op as JSON; its tensors become typed-array sections appended to `sink.tensors`. */
function encodeOp(op: DigitalOp, index: number, sink: TensorSink): JsonObject {
  const fields = OP_FIELDS[op.op];
  const record = op as unknown as Readonly<Record<string, unknown>>;
  onlyKnownFields(record, ["op", ...Object.keys(fields)], `op ${index} (${op.op})`);
  const out: Record<string, JsonValue> = { op: op.op };
  for (const [field, kind] of Object.entries(fields)) {
    const value = record[field];
    if (kind === "tensor" || kind === "optional-tensor") {
      out[field] =
        value === null ? null : tensorRef(value as Tensor, opTensorSection(index, field), sink);
    } else if (kind === "input-quant") {
      const q = value as Extract<DigitalOp, { op: "ssm" }>["inputQuant"];
      out[field] =
        q.kind === "static"
          ? {
              kind: "static",
              limit: q.limit,
              scale: tensorRef(q.scale, opTensorSection(index, "inputQuant.scale"), sink),
            }
          : { kind: "sample", levels: q.levels };
    } else {
      out[field] = value as JsonValue;
    }
  }
  return out;
}

function tensorRef(t: Tensor, section: string, sink: TensorSink): JsonObject {
  sink.tensors.push(arraySection(section, dataOrFail(t, `tensor ${section}`, sink.model)));
  return { section, shape: [...t.shape] };
}

function arraySections(xbar: Crossbar, k: number, model: string): Section[] {
  const readouts = xbar.readouts.shape[0] ?? 0;
  const terms = xbar.termSignals.shape[1] ?? 0;
  const cells = xbar.cells.shape[0] ?? 0;
  const where = `crossbar '${xbar.name}'`;
  const expect = (t: Tensor, dtype: DType, shape: readonly number[], what: string) =>
    expectTensor(t, dtype, shape, `${where} ${what}`, model);
  expect(xbar.rowMap, "i32", [xbar.rows, ROW_FIELDS], "row map");
  expect(xbar.readouts, "i32", [readouts, RO_FIELDS], "readouts");
  expect(xbar.termSignals, "i32", [readouts, terms], "term signals");
  expect(xbar.termGains, "f64", [readouts, terms], "term gains");
  expect(xbar.cells, "i32", [cells, CELL_FIELDS], "cells");
  expect(xbar.conductanceUs!, "f32", [cells], "conductances");
  const meta: JsonObject = {
    name: xbar.name,
    rows: xbar.rows,
    cols: xbar.cols,
    readouts,
    terms,
    cells,
    placements: xbar.placements.map((p) => ({ ...p })),
  };
  const vectors = ARRAY_VECTORS.map((v) =>
    arraySection(arrayVectorSection(k, v), vectorOf(xbar, v)),
  );
  // Shifts only when one is non-zero (absent = all 0), right after the other readout vectors.
  if (xbar.shifts !== undefined) {
    expect(xbar.shifts, "i32", [readouts], "shifts");
    const shifts = xbar.shifts.data as Int32Array;
    if (shifts.some((v) => v !== 0)) {
      const last = ARRAY_VECTORS.findLastIndex((v) => v.group === "readout");
      vectors.splice(last + 1, 0, arraySection(arrayVectorSection(k, SHIFT_VECTOR), shifts));
    }
  }
  return [jsonSection(arraySectionName(k), meta), ...vectors];
}

/** Column `field` of one of the crossbar's packed IR tables. */
function vectorOf(xbar: Crossbar, v: (typeof ARRAY_VECTORS)[number]): NumericArray {
  switch (v.group) {
    case "row":
      return column(
        xbar.rowMap,
        ROW_FIELDS,
        { signal: ROW_SIGNAL, element: ROW_ELEMENT, polarity: ROW_POLARITY }[v.field],
      );
    case "readout":
      return column(xbar.readouts, RO_FIELDS, READOUT_COLUMNS[v.field]);
    case "term":
      return v.field === "signal"
        ? (xbar.termSignals.data as Int32Array)
        : (xbar.termGains.data as Float64Array);
    case "cell":
      if (v.field === "conductanceUs") return xbar.conductanceUs!.data as Float32Array;
      return column(
        xbar.cells,
        CELL_FIELDS,
        { row: CELL_ROW, col: CELL_COL, level: CELL_LEVEL }[v.field],
      );
  }
}

const READOUT_COLUMNS = {
  colPlus: RO_COL_PLUS,
  colMinus: RO_COL_MINUS,
  signal: RO_SIGNAL,
  element: RO_ELEMENT,
  polarity: RO_POLARITY,
  slice: RO_SLICE,
  adc: RO_ADC,
  limit: RO_LIMIT,
} as const;

function column(table: Tensor, width: number, index: number): Int32Array {
  const data = table.data as Int32Array;
  const out = new Int32Array(data.length / width);
  for (let i = 0; i < out.length; i++) out[i] = data[i * width + index]!;
  return out;
}

function expectTensor(
  t: Tensor,
  dtype: DType,
  shape: readonly number[],
  what: string,
  model: string,
): void {
  dataOrFail(t, what, model);
  const sameShape = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (t.dtype !== dtype || !sameShape) {
    internal(`${what} is ${t.dtype}${shapeText(t.shape)}, expected ${dtype}${shapeText(shape)}`);
  }
}

function dataOrFail(t: Tensor, what: string, model: string): NumericArray {
  if (t.data === null) {
    const reason = `${what} has no data (IR text that prints tensors as digests cannot be programmed; print it with --print-tensors)`;
    fail("QS4D-E520", { model, reason });
  }
  if (t.data.length !== numel(t.shape))
    internal(`${what} has ${t.data.length} values for shape ${shapeText(t.shape)}`);
  return t.data;
}

// What chip.bin carries of the IR's hardware program (src/ir/hardware.ts), field by field.
const HARDWARE_FIELDS = ["target", "params", "signals", "crossbars", "placed", "program"];
const PARAM_FIELDS = [
  "rows",
  "cols",
  "levels",
  "slices",
  "dacBits",
  "adcBits",
  "adcsPerArray",
  "encoding",
  "outputMode",
  "outputColumns",
  "dPlacement",
  "dense",
  "gMinUs",
  "gMaxUs",
  "writeVerifyTolerance",
];
const CROSSBAR_FIELDS = [
  "name",
  "rows",
  "cols",
  "rowMap",
  "readouts",
  "termSignals",
  "termGains",
  "cells",
  "conductanceUs",
  "placements",
  "shifts",
];
const PLACEMENT_FIELDS = ["block", "rowOffset", "colOffset", "rows", "cols"];
const SIGNAL_FIELDS = ["name", "kind", "length", "limit", "accumulate"];

/** A field the IR gained but chip.bin does not carry would be lost silently: refuse instead. */
function onlyKnownFields(record: object, known: readonly string[], what: string): void {
  const unknown = Object.keys(record).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    internal(`${what} has fields chip.bin does not carry: ${unknown.join(", ")}`);
  }
}

function internal(reason: string): never {
  fail("QS4D-E005", { reason: `chip.bin writer: ${reason}` }, {}, 3);
}
