// Tensor <-> tensor literal: `name: f32[2,3] #<sha256>` or `name: f32[2,3] = [[..], [..]]`.

import { NO_POS, type Pos, type TensorLit, type Value } from "../../../grammar/index.js";
import { fail } from "../../diag/error.js";
import { allocate, type DType, numel, shapeText, type Tensor, type TensorData } from "../tensor.js";
import { tensorDigest } from "./digest.js";
import { MAX_IR_TENSOR_ELEMENTS } from "./limits.js";
import { checkDigest, locate, type ReadContext } from "./location.js";
import { formatElement, parseIntegerText, parseNumberText } from "./numbers.js";

export type TensorMode = "digest" | "full";

const DTYPES: readonly DType[] = ["f32", "f64", "i8", "i16", "i32"];

const INT_RANGE: Readonly<Record<DType, readonly [number, number] | null>> = {
  f32: null,
  f64: null,
  i8: [-128, 127],
  i16: [-32768, 32767],
  i32: [-2147483648, 2147483647],
};

// ---- print ---------------------------------------------------------------------------------

function num(text: string): Value {
  return { kind: "number", text, pos: NO_POS };
}

/** Values nested by the shape (rank >= 2), so that rows print as rows. */
function nestedValues(dtype: DType, data: TensorData, shape: readonly number[]): Value {
  if (shape.length <= 1) {
    return {
      kind: "list",
      items: Array.from(data, (x) => num(formatElement(dtype, x))),
      pos: NO_POS,
    };
  }
  const rows = shape[0]!;
  const inner = shape.slice(1);
  const size = numel(inner);
  const items: Value[] = [];
  for (let r = 0; r < rows; r++) {
    items.push(nestedValues(dtype, data.subarray(r * size, (r + 1) * size), inner));
  }
  return { kind: "list", items, pos: NO_POS };
}

export function tensorToLit(name: string, t: Tensor, mode: TensorMode): TensorLit {
  const shape = t.shape.map((d) => ({ text: String(d), pos: NO_POS }));
  const body: TensorLit["body"] =
    mode === "full" && t.data !== null
      ? { kind: "values", list: nestedValues(t.dtype, t.data, t.shape) }
      : { kind: "digest", text: tensorDigest(t), pos: NO_POS };
  return { kind: "tensor", name, dtype: t.dtype, dtypePos: NO_POS, shape, body, pos: NO_POS };
}

// ---- parse ---------------------------------------------------------------------------------

function readDType(lit: TensorLit, ctx: ReadContext): DType {
  const dtype = DTYPES.find((d) => d === lit.dtype);
  if (dtype === undefined) {
    fail("QS4D-E015", { dtype: lit.dtype, tensor: lit.name }, locate(ctx, lit.dtypePos));
  }
  return dtype;
}

function readShape(lit: TensorLit, ctx: ReadContext): number[] {
  return lit.shape.map((d) => {
    const n = parseIntegerText(d.text);
    if (n === null || n < 0) {
      fail("QS4D-E019", { dim: d.text, tensor: lit.name }, locate(ctx, d.pos));
    }
    return n;
  });
}

interface Sink {
  readonly lit: TensorLit;
  readonly ctx: ReadContext;
  readonly dtype: DType;
  readonly type: string;
  readonly data: TensorData;
  next: number;
}

function countError(sink: Sink, reason: string, pos: Pos): never {
  return fail(
    "QS4D-E011",
    { tensor: sink.lit.name, type: sink.type, reason },
    locate(sink.ctx, pos),
  );
}

function badValue(sink: Sink, v: Value, reason: string): never {
  const value = v.kind === "list" ? "[..]" : v.kind === "string" ? JSON.stringify(v.text) : v.text;
  return fail(
    "QS4D-E016",
    { value, tensor: sink.lit.name, dtype: sink.dtype, reason },
    locate(sink.ctx, v.pos),
  );
}

/** The value of one element, checked against the dtype. */
function element(sink: Sink, v: Value): number {
  if (v.kind !== "number") return badValue(sink, v, "not a number");
  const range = INT_RANGE[sink.dtype];
  if (range === null) return parseNumberText(v.text) ?? badValue(sink, v, "not a number");
  const x = parseIntegerText(v.text) ?? badValue(sink, v, "not an integer");
  if (x < range[0] || x > range[1]) badValue(sink, v, `outside [${range[0]}, ${range[1]}]`);
  return x;
}

function store(sink: Sink, v: Value): void {
  // A Float32Array store rounds to nearest-even, exactly like Math.fround.
  sink.data[sink.next++] = element(sink, v);
}

/** Lists nested exactly by the shape: dimension `depth` has shape[depth] entries. */
function storeNested(sink: Sink, v: Value, shape: readonly number[], depth: number): void {
  if (depth === shape.length) {
    store(sink, v);
    return;
  }
  if (v.kind !== "list") {
    countError(sink, `expected a list of ${shape[depth]} at nesting depth ${depth + 1}`, v.pos);
  }
  if (v.items.length !== shape[depth]) {
    countError(
      sink,
      `a list at nesting depth ${depth + 1} holds ${v.items.length} values, the shape says ${shape[depth]}`,
      v.pos,
    );
  }
  for (const item of v.items) storeNested(sink, item, shape, depth + 1);
}

export function tensorFromLit(lit: TensorLit, ctx: ReadContext): Tensor {
  const dtype = readDType(lit, ctx);
  const shape = readShape(lit, ctx);
  if (!(numel(shape) <= MAX_IR_TENSOR_ELEMENTS)) {
    const type = `${dtype}${shapeText(shape)}`;
    const where = locate(ctx, lit.pos);
    fail("QS4D-E062", { tensor: lit.name, type, limit: MAX_IR_TENSOR_ELEMENTS }, where);
  }
  if (lit.body.kind === "digest") {
    const digest = checkDigest(ctx, lit.body.text, lit.body.pos);
    return { dtype, shape, data: null, digest };
  }
  const list = lit.body.list;
  const length = numel(shape);
  const type = `${dtype}${shapeText(shape)}`;
  const sink: Sink = { lit, ctx, dtype, type, data: allocate(dtype, length), next: 0 };
  if (list.kind !== "list") countError(sink, "expected a list of values", list.pos);
  const flat = list.items.every((item) => item.kind !== "list");
  if (flat) {
    if (list.items.length !== length) {
      countError(sink, `lists ${list.items.length} values, the shape holds ${length}`, list.pos);
    }
    for (const item of list.items) store(sink, item);
  } else {
    storeNested(sink, list, shape, 0);
  }
  return { dtype, shape, data: sink.data };
}
