// chip.bin bytes -> ChipImage. After the container checks (container-read.ts) this checks
// the meaning of every section (docs/chip-format.md §8-§11): required sections, field types,
// sizes that must agree between sections (QS4D-E516), and every index a consumer will use
// (signals, elements, rows, columns, ADCs, levels) against what it indexes (QS4D-E515).
// A ChipImage that comes back is safe to execute without further checks.

import { fail } from "../diag/error.js";
import { MAX_FRACTION_BITS, MAX_SHIFT } from "../ir/limits.js";
import { parseTarget, targetDigest } from "../target/load.js";
import { canonicalJson } from "../util/canonical-json.js";
import type {
  ChipArray,
  ChipImage,
  ChipInputQuant,
  ChipManifest,
  ChipOp,
  ChipParams,
  ChipPlacement,
  ChipSignal,
  ChipTarget,
  ChipTensor,
  ManifestOptions,
  ManifestOptionValue,
} from "./chip-image.js";
import { SIGNAL_KINDS } from "./chip-image.js";
import {
  ARRAY_VECTORS,
  type ArrayVector,
  arraySectionName,
  arrayVectorSection,
  CHIP_FORMAT,
  INPUT_BUFFER,
  LOGITS_BUFFER,
  MANIFEST,
  OP_FIELDS,
  OP_KINDS,
  PROGRAM,
  SHIFT_VECTOR,
  TARGET,
} from "./chip-sections.js";
import { type Container, decodeContainer } from "./container-read.js";
import type { NumericArray } from "./dtype.js";
import { failAt, JsonFields, type SectionRef } from "./json-fields.js";

/** Sizes beyond these are not a chip: they bound every count before it is multiplied. */
const MAX_DIM = 1 << 24;
const SHA256 = /^[0-9a-f]{64}$/;

export function readChip(bytes: Uint8Array, file: string): ChipImage {
  const container = decodeContainer(bytes, file);
  const manifest = readManifest(jsonOf(container, MANIFEST));
  const target = readTarget(jsonOf(container, TARGET));
  const program = jsonOf(container, PROGRAM);
  const signals = program.objects("signals").map(readSignal);
  const placed = program.boolean("placed");
  // Each array has its own sections: their count bounds the array count before any loop.
  const count = program.int("arrays", 0, container.infos.length);
  const arrays: ChipArray[] = [];
  for (let k = 0; k < count; k++) {
    arrays.push(readArray(container, k, { signals, params: target.params, placed }));
  }
  return {
    file,
    version: container.version,
    sections: container.infos,
    manifest,
    target,
    signals,
    arrays,
    placed,
    program: readOps(container, program, signals),
  };
}

function jsonOf(container: Container, name: string): JsonFields {
  const section = container.sections.get(name);
  const ref = { file: container.file, section: name };
  if (section === undefined) fail("QS4D-E514", ref, { file: ref.file, path: `section '${name}'` });
  if (section.kind !== "json") failAt(ref, "$", "expected a JSON section, found a typed array");
  return new JsonFields(section.value, ref);
}

/** The recorded options: a target name and scalar values (docs/chip-format.md, manifest). */
function readOptions(o: JsonFields): ManifestOptions {
  const target = o.string("target");
  for (const [key, value] of Object.entries(o.json)) {
    if (!["string", "number", "boolean"].includes(typeof value))
      o.fail("expected a string, a number or a boolean", key);
  }
  return { ...(o.json as Record<string, ManifestOptionValue>), target };
}

function readManifest(m: JsonFields): ChipManifest {
  if (m.string("format") !== CHIP_FORMAT) m.fail(`expected "${CHIP_FORMAT}"`, "format");
  const compiler = m.object("compiler");
  const source = m.object("source");
  const digest = source.string("digest");
  if (!SHA256.test(digest)) source.fail("expected a SHA-256 as 64 lower-case hex digits", "digest");
  return {
    compiler: { name: compiler.string("name"), version: compiler.string("version") },
    source: { model: source.string("model"), digest, meta: source.object("meta").json },
    options: readOptions(m.object("options")),
    passes: m.strings("passes"),
    reports: m.object("reports").json,
  };
}

function readTarget(t: JsonFields): ChipTarget {
  const description = t.object("description");
  const where = `${t.ref.file} (section '${t.ref.section}' $.description)`;
  const parsed = parseTarget(canonicalJson(description.json), where);
  const digest = t.string("digest");
  if (digest !== targetDigest(parsed)) {
    t.fail(`the description's SHA-256 is ${targetDigest(parsed)}, not the recorded one`, "digest");
  }
  const name = t.string("name");
  if (name !== parsed.name) t.fail(`the description is named "${parsed.name}"`, "name");
  return { name, digest, description: parsed, params: readParams(t.object("params")) };
}

function readParams(p: JsonFields): ChipParams {
  const gMinUs = p.number("gMinUs");
  const gMaxUs = p.number("gMaxUs");
  if (!(gMinUs >= 0 && gMaxUs > gMinUs))
    p.fail(`the conductance window [${gMinUs}, ${gMaxUs}] µS is empty`);
  const tolerance = p.number("writeVerifyTolerance");
  if (!(tolerance > 0 && tolerance <= 0.5))
    p.fail("expected a fraction in (0, 0.5]", "writeVerifyTolerance");
  return {
    rows: p.int("rows", 1, MAX_DIM),
    cols: p.int("cols", 1, MAX_DIM),
    levels: p.int("levels", 2, 65536),
    slices: p.int("slices", 1, 32),
    dacBits: p.int("dacBits", 1, 32),
    adcBits: p.int("adcBits", 1, 32),
    adcsPerArray: p.int("adcsPerArray", 1, MAX_DIM),
    encoding: p.oneOf("encoding", ["row-polarity", "differential-columns"]),
    outputMode: p.oneOf("outputMode", ["lagged", "folded"]),
    outputColumns: outputColumns(p),
    dPlacement: p.oneOf("dPlacement", ["rows", "digital"]),
    dense: p.oneOf("dense", ["crossbar", "digital"]),
    gMinUs,
    gMaxUs,
    writeVerifyTolerance: tolerance,
  };
}

function outputColumns(p: JsonFields): 2 | 4 {
  const columns = p.int("outputColumns", 2, 4);
  if (columns === 3) p.fail("expected 2 or 4", "outputColumns");
  return columns as 2 | 4;
}

function readSignal(s: JsonFields): ChipSignal {
  const signal = {
    name: s.string("name"),
    kind: s.oneOf("kind", SIGNAL_KINDS),
    length: s.int("length", 0, MAX_DIM),
    limit: s.int("limit", 0, 2 ** 31 - 1),
  };
  // Optional, and only ever `true`: a replacing signal has no field (canonical, one encoding).
  if (!s.has("accumulate")) return signal;
  if (s.boolean("accumulate") !== true) s.fail("expected true or no field", "accumulate");
  return { ...signal, accumulate: true };
}

interface ArrayContext {
  readonly signals: readonly ChipSignal[];
  readonly params: ChipParams;
  readonly placed: boolean;
}

function readArray(container: Container, k: number, ctx: ArrayContext): ChipArray {
  const meta = jsonOf(container, arraySectionName(k));
  const rows = meta.int("rows", 1, MAX_DIM);
  const cols = meta.int("cols", 1, MAX_DIM);
  if (ctx.placed && (rows !== ctx.params.rows || cols !== ctx.params.cols)) {
    meta.fail(
      `a placed array is ${ctx.params.rows}x${ctx.params.cols} (the target's), this one ${rows}x${cols}`,
    );
  }
  const sizes = {
    rows,
    readouts: meta.int("readouts", 0, MAX_DIM),
    terms: meta.int("terms", 0, 64),
    cells: meta.int("cells", 0, rows * cols),
  };
  const vector = (v: ArrayVector): NumericArray => {
    const count = v.per === "terms" ? sizes.readouts * sizes.terms : sizes[v.per];
    return vectorSection(
      container,
      arrayVectorSection(k, v),
      v.dtype,
      count,
      () => `${v.per} x ${v.group}`,
    );
  };
  const [rs, re, rp, cp, cm, os, oe, op, sl, adc, lim, ts, tg, cr, cc, cl, cg] =
    ARRAY_VECTORS.map(vector);
  // Optional: present only when some readout's shift is non-zero.
  const shift = container.sections.has(arrayVectorSection(k, SHIFT_VECTOR))
    ? i32(vector(SHIFT_VECTOR))
    : new Int32Array(sizes.readouts);
  const array: ChipArray = {
    name: meta.string("name"),
    rows,
    cols,
    row: { signal: i32(rs), element: i32(re), polarity: i32(rp) },
    readouts: sizes.readouts,
    readout: {
      colPlus: i32(cp),
      colMinus: i32(cm),
      signal: i32(os),
      element: i32(oe),
      polarity: i32(op),
      slice: i32(sl),
      adc: i32(adc),
      limit: i32(lim),
      shift,
    },
    terms: sizes.terms,
    term: { signal: i32(ts), gain: tg as Float64Array },
    cells: sizes.cells,
    cell: { row: i32(cr), col: i32(cc), level: i32(cl), conductanceUs: cg as Float32Array },
    placements: meta.objects("placements").map((p) => readPlacement(p, rows, cols)),
  };
  checkArray(array, k, container.file, ctx);
  return array;
}

const i32 = (a: NumericArray | undefined): Int32Array => a as Int32Array;

function vectorSection(
  container: Container,
  name: string,
  dtype: string,
  count: number,
  what: () => string,
): NumericArray {
  const section = container.sections.get(name);
  if (section?.kind === "array" && section.dtype === dtype && section.data.length === count)
    return section.data;
  // A defect: its diagnostic (the references are built only here, as most chips have none).
  const ref = { file: container.file, section: name };
  const loc = { file: ref.file, path: `section '${name}'` };
  if (section === undefined) fail("QS4D-E514", ref, loc);
  if (section.kind !== "array" || section.dtype !== dtype) {
    const found = section.kind === "json" ? "JSON" : `${section.dtype} elements`;
    failAt(ref, "$", `expected ${dtype} elements, found ${found}`);
  }
  const args = { actual: `${section.data.length} elements`, expected: `${count} (${what()})` };
  return fail("QS4D-E516", { ...ref, ...args }, loc);
}

function readPlacement(p: JsonFields, rows: number, cols: number): ChipPlacement {
  const placement = {
    block: p.string("block"),
    rowOffset: p.int("rowOffset", 0, rows - 1),
    colOffset: p.int("colOffset", 0, cols - 1),
    rows: p.int("rows", 1, rows),
    cols: p.int("cols", 1, cols),
  };
  if (placement.rowOffset + placement.rows > rows || placement.colOffset + placement.cols > cols) {
    p.fail(`the block does not fit in the ${rows}x${cols} array`);
  }
  return placement;
}

/** Every index the array holds, against what it indexes. */
function checkArray(a: ChipArray, k: number, file: string, ctx: ArrayContext): void {
  const at = (group: string, field: string) => ({
    file,
    section: `${arraySectionName(k)}.${group}.${field}`,
  });
  const signalLength = (s: number) => ctx.signals[s]!.length;
  const n = ctx.signals.length;
  for (let r = 0; r < a.rows; r++) {
    const s = a.row.signal[r]!;
    inRange(at, "row", "signal", r, s, -1, n - 1);
    inRange(at, "row", "polarity", r, a.row.polarity[r]!, s < 0 ? 0 : -1, s < 0 ? 0 : 1);
    if (s >= 0) {
      if (a.row.polarity[r] === 0)
        failAt(at("row", "polarity"), `[${r}]`, "a driven row has polarity +1 or -1");
      inRange(at, "row", "element", r, a.row.element[r]!, 0, signalLength(s) - 1);
    }
  }
  const differential = ctx.params.encoding === "differential-columns";
  for (let i = 0; i < a.readouts; i++) {
    const s = a.readout.signal[i]!;
    inRange(at, "readout", "col-plus", i, a.readout.colPlus[i]!, 0, a.cols - 1);
    inRange(
      at,
      "readout",
      "col-minus",
      i,
      a.readout.colMinus[i]!,
      differential ? 0 : -1,
      differential ? a.cols - 1 : -1,
    );
    inRange(at, "readout", "signal", i, s, 0, n - 1);
    inRange(at, "readout", "element", i, a.readout.element[i]!, 0, signalLength(s) - 1);
    if (Math.abs(a.readout.polarity[i]!) !== 1)
      failAt(at("readout", "polarity"), `[${i}]`, "expected +1 or -1");
    inRange(at, "readout", "slice", i, a.readout.slice[i]!, 0, 31);
    inRange(
      at,
      "readout",
      "adc",
      i,
      a.readout.adc[i]!,
      ctx.placed ? 0 : -1,
      ctx.params.adcsPerArray - 1,
    );
    inRange(at, "readout", "limit", i, a.readout.limit[i]!, 0, 2 ** 31 - 1);
    inRange(at, "readout", "shift", i, a.readout.shift[i]!, -MAX_FRACTION_BITS, MAX_SHIFT);
  }
  for (let i = 0; i < a.term.signal.length; i++) {
    inRange(at, "term", "signal", i, a.term.signal[i]!, -1, n - 1);
    if (!Number.isFinite(a.term.gain[i]))
      failAt(at("term", "gain"), `[${i}]`, `gain ${a.term.gain[i]} is not finite`);
  }
  checkCells(a, at, ctx.params);
}

function checkCells(
  a: ChipArray,
  at: (g: string, f: string) => SectionRef,
  params: ChipParams,
): void {
  let previous = -1;
  for (let i = 0; i < a.cells; i++) {
    const row = a.cell.row[i]!;
    const col = a.cell.col[i]!;
    inRange(at, "cell", "row", i, row, 0, a.rows - 1);
    inRange(at, "cell", "col", i, col, 0, a.cols - 1);
    inRange(at, "cell", "level", i, a.cell.level[i]!, 1, params.levels - 1);
    const g = a.cell.conductanceUs[i]!;
    if (!(g >= 0 && Number.isFinite(g)))
      failAt(at("cell", "conductance-us"), `[${i}]`, `${g} µS is not a conductance`);
    const position = row * a.cols + col;
    if (position <= previous) {
      failAt(
        at("cell", "row"),
        `[${i}]`,
        `cell (${row}, ${col}) is out of row-major order or listed twice`,
      );
    }
    previous = position;
  }
}

/**
 * value in [min, max], else a failure at element `index` of section (group, field). The
 * section's reference is made only on failure: the checks run once per cell and readout.
 */
function inRange(
  at: (group: string, field: string) => SectionRef,
  group: string,
  field: string,
  index: number,
  value: number,
  min: number,
  max: number,
): void {
  if (value < min || value > max)
    failAt(at(group, field), `[${index}]`, `${value} is outside [${min}, ${max}]`);
}

function readOps(
  container: Container,
  program: JsonFields,
  signals: readonly ChipSignal[],
): ChipOp[] {
  const defined = new Set([INPUT_BUFFER]);
  const ops = program.objects("ops").map((o) => {
    const op = readOp(container, o, signals);
    for (const field of ["input", "other"] as const) {
      const name = (op as unknown as Partial<Record<string, unknown>>)[field];
      if (typeof name === "string" && !defined.has(name))
        o.fail(`buffer "${name}" is read before any op writes it`, field);
    }
    defined.add(op.output);
    return op;
  });
  if (ops.at(-1)?.output !== LOGITS_BUFFER)
    program.fail(`the last op must write "${LOGITS_BUFFER}"`, "ops");
  return ops;
}

function readOp(container: Container, o: JsonFields, signals: readonly ChipSignal[]): ChipOp {
  const kind = o.oneOf("op", OP_KINDS);
  const out: Record<string, unknown> = { op: kind };
  for (const [field, fieldKind] of Object.entries(OP_FIELDS[kind])) {
    switch (fieldKind) {
      case "buffer":
        out[field] = o.string(field);
        break;
      case "signal":
      case "optional-signal":
        out[field] = o.int(field, fieldKind === "signal" ? 0 : -1, signals.length - 1);
        break;
      case "count":
        out[field] = o.int(field, 0, 2 ** 31 - 1);
        break;
      case "number":
        out[field] = positiveNumber(o, field);
        break;
      case "output-mode":
        out[field] = o.oneOf(field, ["lagged", "folded"]);
        break;
      case "tensor":
        out[field] = readTensorRef(container, o.object(field));
        break;
      case "optional-tensor": {
        const ref = o.optionalObject(field);
        out[field] = ref === null ? null : readTensorRef(container, ref);
        break;
      }
      case "input-quant":
        out[field] = readInputQuant(container, o.object(field));
        break;
    }
  }
  if (kind === "batch-norm") {
    const variance = (out.variance as ChipTensor).data;
    const bad = variance.findIndex((v) => v < 0);
    if (bad >= 0) o.fail(`variance ${variance[bad]} at [${bad}] is negative`, "variance");
  }
  return out as unknown as ChipOp;
}

/**
 * The scalars of the digital ops (eps of the norms, inputLevels of a crossbar-linear) are all
 * positive: eps <= 0 divides by zero or takes the root of a negative number.
 */
function positiveNumber(o: JsonFields, field: string): number {
  const v = o.number(field);
  if (!(v > 0)) o.fail(`expected a number > 0, found ${v}`, field);
  return v;
}

function readInputQuant(container: Container, q: JsonFields): ChipInputQuant {
  if (q.oneOf("kind", ["static", "sample"]) === "sample") {
    return { kind: "sample", levels: q.int("levels", 2, 2 ** 31 - 1) };
  }
  return {
    kind: "static",
    scale: readTensorRef(container, q.object("scale")),
    limit: q.int("limit", 0, 2 ** 31 - 1),
  };
}

function readTensorRef(container: Container, t: JsonFields): ChipTensor {
  const name = t.string("section");
  const shape = t.numbers("shape");
  if (shape.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DIM) || shape.length > 4) {
    t.fail("expected at most 4 dimensions, each an integer in [0, 2^24]", "shape");
  }
  const section = container.sections.get(name);
  if (section === undefined)
    fail(
      "QS4D-E514",
      { file: container.file, section: name },
      { file: container.file, path: `section '${name}'` },
    );
  if (section.kind !== "array" || (section.dtype !== "f32" && section.dtype !== "f64")) {
    t.fail(`section '${name}' is not an f32 or f64 array`, "section");
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (section.data.length !== count) {
    const args = {
      actual: `${section.data.length} elements`,
      expected: `${count} (shape [${shape.join(",")}])`,
    };
    fail(
      "QS4D-E516",
      { file: container.file, section: name, ...args },
      { file: container.file, path: `section '${name}'` },
    );
  }
  // Weights, biases, scales and statistics are finite: an Inf bias would run into NaN logits.
  const bad = section.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) t.fail(`section '${name}' holds ${section.data[bad]} at [${bad}]`, "section");
  return { dtype: section.dtype, shape, data: section.data };
}
