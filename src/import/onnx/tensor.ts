// ONNX TensorProto -> values. Every element type the front end may meet is read into a float64
// array (exact for all of them except 64-bit integers beyond 2^53, which only ever appear as
// "to the end" slice bounds). Sizes are checked against the bytes present before anything is
// allocated, so a small file can never make the importer allocate a huge array.

import { fail } from "../../diag/error.js";
import { type TensorProto, toNumber } from "./proto.js";

/** A dense row-major value of the constant subgraph evaluator. */
export interface Arr {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
  UINT4: 21,
  INT4: 22,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  0: "UNDEFINED",
  1: "FLOAT",
  2: "UINT8",
  3: "INT8",
  4: "UINT16",
  5: "INT16",
  6: "INT32",
  7: "INT64",
  8: "STRING",
  9: "BOOL",
  10: "FLOAT16",
  11: "DOUBLE",
  12: "UINT32",
  13: "UINT64",
  14: "COMPLEX64",
  15: "COMPLEX128",
  16: "BFLOAT16",
  17: "FLOAT8E4M3FN",
  18: "FLOAT8E4M3FNUZ",
  19: "FLOAT8E5M2",
  20: "FLOAT8E5M2FNUZ",
  21: "UINT4",
  22: "INT4",
};

export function dtypeName(dataType: number): string {
  return NAMES[dataType] ?? `type ${dataType}`;
}

export function isFloatType(dataType: number): boolean {
  return (
    dataType === DT.FLOAT ||
    dataType === DT.DOUBLE ||
    dataType === DT.FLOAT16 ||
    dataType === DT.BFLOAT16
  );
}

/** Bits of an integer element type (zero points and quantized codes), or null. */
export function integerBits(dataType: number): { bits: number; signed: boolean } | null {
  switch (dataType) {
    case DT.INT4:
      return { bits: 4, signed: true };
    case DT.UINT4:
      return { bits: 4, signed: false };
    case DT.INT8:
      return { bits: 8, signed: true };
    case DT.UINT8:
      return { bits: 8, signed: false };
    case DT.INT16:
      return { bits: 16, signed: true };
    case DT.UINT16:
      return { bits: 16, signed: false };
    case DT.INT32:
      return { bits: 32, signed: true };
    default:
      return null;
  }
}

/** Bytes per element in raw_data (4-bit types are packed two to a byte: 0.5). */
const RAW_SIZE: Readonly<Record<number, number>> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  16: 2,
  21: 0.5,
  22: 0.5,
};

/** The most elements a tensor of the ONNX graph may hold, read or computed (docs/limits.md). */
export const MAX_ONNX_ELEMENTS = 2 ** 27;

/**
 * Zeros for `n` values of a tensor the constant evaluator computes. Shapes come from the graph,
 * so a small file can ask for any size: above the limit it is a coded error, not a RangeError.
 */
export function allocateValues(n: number): Float64Array {
  if (!(n <= MAX_ONNX_ELEMENTS)) fail("QS4D-E130", { count: n, limit: MAX_ONNX_ELEMENTS });
  return new Float64Array(n);
}

export interface DecodedTensor extends Arr {
  readonly name: string;
  readonly dataType: number;
}

function shapeOf(t: TensorProto, where: string, file: string): number[] {
  return (t.dims ?? []).map((d) => {
    const n = toNumber(d);
    if (!Number.isSafeInteger(n) || n < 0) {
      fail(
        "QS4D-E104",
        { tensor: where, reason: `dimension ${String(d)} is not a size` },
        { file },
      );
    }
    return n;
  });
}

function countOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const F32_VIEW = new Float32Array(1);
const U32_VIEW = new Uint32Array(F32_VIEW.buffer);

function bfloatToFloat(b: number): number {
  U32_VIEW[0] = (b & 0xffff) << 16;
  return F32_VIEW[0] as number;
}

function readRaw(raw: Uint8Array, dataType: number, count: number): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = readRawElement(view, dataType, i);
  return out;
}

function readRawElement(view: DataView, dataType: number, i: number): number {
  switch (dataType) {
    case DT.FLOAT:
      return view.getFloat32(i * 4, true);
    case DT.DOUBLE:
      return view.getFloat64(i * 8, true);
    case DT.INT8:
      return view.getInt8(i);
    case DT.UINT8:
    case DT.BOOL:
      return view.getUint8(i);
    case DT.INT16:
      return view.getInt16(i * 2, true);
    case DT.UINT16:
      return view.getUint16(i * 2, true);
    case DT.INT32:
      return view.getInt32(i * 4, true);
    case DT.UINT32:
      return view.getUint32(i * 4, true);
    case DT.INT64:
      return Number(view.getBigInt64(i * 8, true));
    case DT.UINT64:
      return Number(view.getBigUint64(i * 8, true));
    case DT.FLOAT16:
      return halfToFloat(view.getUint16(i * 2, true));
    case DT.BFLOAT16:
      return bfloatToFloat(view.getUint16(i * 2, true));
    case DT.INT4:
    case DT.UINT4: {
      const byte = view.getUint8(i >> 1);
      const nibble = i & 1 ? byte >> 4 : byte & 0xf;
      return dataType === DT.INT4 && nibble >= 8 ? nibble - 16 : nibble;
    }
    default:
      throw new Error(`unreachable raw type ${dataType}`);
  }
}

/** The typed field that holds the values when raw_data is absent, per the ONNX spec. */
function typedField(t: TensorProto, dataType: number): readonly (number | Long)[] | null {
  switch (dataType) {
    case DT.FLOAT:
      return t.floatData ?? [];
    case DT.DOUBLE:
      return t.doubleData ?? [];
    case DT.INT64:
      return t.int64Data ?? [];
    case DT.UINT32:
    case DT.UINT64:
      return t.uint64Data ?? [];
    case DT.INT32:
    case DT.INT16:
    case DT.INT8:
    case DT.UINT16:
    case DT.UINT8:
    case DT.BOOL:
    case DT.FLOAT16:
    case DT.BFLOAT16:
      return t.int32Data ?? [];
    default:
      return null;
  }
}

function fromTyped(values: readonly (number | Long)[], dataType: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = toNumber(values[i]);
    if (dataType === DT.FLOAT16) out[i] = halfToFloat(v);
    else if (dataType === DT.BFLOAT16) out[i] = bfloatToFloat(v);
    else if (dataType === DT.FLOAT) out[i] = Math.fround(v);
    else out[i] = v;
  }
  return out;
}

function isExternal(t: TensorProto): boolean {
  return t.dataLocation === 1 || (t.externalData ?? []).length > 0;
}

function externalLocation(t: TensorProto): string {
  const entry = (t.externalData ?? []).find((e) => e.key === "location");
  return entry?.value ?? "an external file";
}

/**
 * Check a tensor's declared size against the values it holds, without allocating anything:
 * external data, unknown element types and sizes that disagree with the bytes present are
 * coded errors. Returns the shape and element count.
 */
export function checkTensor(
  t: TensorProto,
  where: string,
  file: string,
): { shape: number[]; count: number } {
  const dataType = t.dataType ?? 0;
  const loc = { file, tensor: where };
  if (isExternal(t)) fail("QS4D-E103", { tensor: where, location: externalLocation(t) }, loc);
  const shape = shapeOf(t, where, file);
  const count = countOf(shape);
  const size = RAW_SIZE[dataType];
  if (size === undefined) fail("QS4D-E105", { tensor: where, dtype: dtypeName(dataType) }, loc);
  const raw = t.rawData;
  if (raw !== null && raw !== undefined && raw.length > 0) {
    const need = Math.ceil(count * size);
    if (need !== raw.length) {
      const reason = `shape [${shape.join(",")}] of ${dtypeName(dataType)} needs ${need} bytes, raw_data has ${raw.length}`;
      fail("QS4D-E104", { tensor: where, reason }, loc);
    }
    return { shape, count };
  }
  const typed = typedField(t, dataType);
  if (typed === null) fail("QS4D-E105", { tensor: where, dtype: dtypeName(dataType) }, loc);
  if (typed.length !== count) {
    const reason = `shape [${shape.join(",")}] needs ${count} values, the tensor holds ${typed.length}`;
    fail("QS4D-E104", { tensor: where, reason }, loc);
  }
  return { shape, count };
}

/** Decode a tensor (initializer or Constant value) after checkTensor(). */
export function decodeTensor(t: TensorProto, where: string, file: string): DecodedTensor {
  const dataType = t.dataType ?? 0;
  const { shape, count } = checkTensor(t, where, file);
  const raw = t.rawData;
  const data =
    raw !== null && raw !== undefined && raw.length > 0
      ? readRaw(raw, dataType, count)
      : fromTyped(typedField(t, dataType)!, dataType);
  return { name: where, dataType, shape, data };
}
