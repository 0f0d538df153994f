// NumPy .npy files (format versions 1.0, 2.0 and 3.0), little-endian, C order.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
// The reader checks magic, version, header and the exact data size before it allocates
// anything, so a corrupt header can never make it allocate more than the file holds.

import { fail } from "../diag/error.js";
import { readFileBytes } from "./read-file.js";

export type NpyDType = "float32" | "float64" | "int8" | "int32" | "int64";

export type NpyData = Float32Array | Float64Array | Int8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  /** Row-major values; int64 as BigInt64Array (exact). */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Readonly<Record<string, NpyDType>> = {
  "<f4": "float32",
  "<f8": "float64",
  "|i1": "int8",
  "<i1": "int8",
  "<i4": "int32",
  "<i8": "int64",
};

const DESCR_OF: Readonly<Record<NpyDType, string>> = {
  float32: "<f4",
  float64: "<f8",
  int8: "|i1",
  int32: "<i4",
  int64: "<i8",
};

const ITEM_SIZE: Readonly<Record<NpyDType, number>> = {
  float32: 4,
  float64: 8,
  int8: 1,
  int32: 4,
  int64: 8,
};

// Typed arrays over a copied buffer use the host's byte order; .npy data here is little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("qs4dc's .npy reader needs a little-endian host");
}

// ---------------------------------------------------------------------------------------------
// Header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }

type PyValue = string | boolean | number | PyValue[];

class HeaderParser {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  private error(reason: string): never {
    return fail(
      "QS4D-E262",
      { file: this.file, reason: `${reason} (at offset ${this.at})` },
      { file: this.file },
    );
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.at] ?? "";
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.error(`expected '${ch}'`);
    this.at++;
  }

  private string(): string {
    const quote = this.peek();
    if (quote !== "'" && quote !== '"') this.error("expected a string");
    const end = this.text.indexOf(quote, this.at + 1);
    if (end < 0) this.error("unterminated string");
    const value = this.text.slice(this.at + 1, end);
    this.at = end + 1;
    return value;
  }

  /** A string, True/False, an integer or (at the top of a value only) a tuple of those. */
  private value(inTuple = false): PyValue {
    const ch = this.peek();
    if (ch === "'" || ch === '"') return this.string();
    if (ch === "[") this.error("expected a tuple '(..)', found a list");
    if (ch === "(") {
      if (inTuple) this.error("nested tuples");
      return this.tuple();
    }
    const word = /^(True|False|-?[0-9]+)L?/.exec(this.text.slice(this.at));
    if (word === null) this.error("expected a value");
    this.at += word[0].length;
    if (word[1] === "True" || word[1] === "False") return word[1] === "True";
    return Number(word[1]);
  }

  private tuple(): PyValue[] {
    this.at++;
    const items: PyValue[] = [];
    while (this.peek() !== ")") {
      items.push(this.value(true));
      if (this.peek() === ",") this.at++;
      else if (this.peek() !== ")") this.error("expected ',' or ')'");
    }
    this.at++;
    return items;
  }

  dict(): Map<string, PyValue> {
    const entries = new Map<string, PyValue>();
    this.expect("{");
    while (this.peek() !== "}") {
      const key = this.string();
      this.expect(":");
      if (entries.has(key)) this.error(`duplicate key '${key}'`);
      entries.set(key, this.value());
      if (this.peek() === ",") this.at++;
      else if (this.peek() !== "}") this.error("expected ',' or '}'");
    }
    this.at++;
    if (this.peek() !== "") this.error("trailing characters after the dict");
    return entries;
  }
}

interface Header {
  readonly dtype: NpyDType;
  readonly shape: number[];
}

function parseHeader(text: string, file: string): Header {
  const entries = new HeaderParser(text, file).dict();
  const bad = (reason: string): never => fail("QS4D-E262", { file, reason }, { file });
  const keys = [...entries.keys()].sort().join(",");
  if (keys !== "descr,fortran_order,shape") {
    bad(`keys are {${keys}}, expected exactly descr, fortran_order, shape`);
  }
  const descr = entries.get("descr");
  const fortran = entries.get("fortran_order");
  const shape = entries.get("shape");
  if (typeof descr !== "string")
    return bad("'descr' is not a string (structured dtypes are not supported)");
  if (typeof fortran !== "boolean") return bad("'fortran_order' is not True or False");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && d >= 0)) {
    return bad("'shape' is not a tuple of non-negative integers");
  }
  if (descr.startsWith(">") && DESCR[`<${descr.slice(1)}`] !== undefined) {
    fail("QS4D-E263", { descr, file }, { file });
  }
  const dtype = DESCR[descr];
  if (dtype === undefined) return fail("QS4D-E265", { descr, file }, { file });
  if (fortran) fail("QS4D-E264", { file }, { file });
  return { dtype, shape: shape as number[] };
}

// ---------------------------------------------------------------------------------------------

function allocateFrom(dtype: NpyDType, buffer: ArrayBuffer): NpyData {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer);
    case "float64":
      return new Float64Array(buffer);
    case "int8":
      return new Int8Array(buffer);
    case "int32":
      return new Int32Array(buffer);
    case "int64":
      return new BigInt64Array(buffer);
  }
}

/** numpy's own default limit on header length (numpy.lib.format, max_header_size). */
const MAX_NPY_HEADER = 10_000;

/** The most elements a .npy file may hold: 2^27 (1 GiB of float64; docs/limits.md). */
export const MAX_NPY_ELEMENTS = 2 ** 27;

function decodeNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("QS4D-E260", { file }, { file });
  }
  if (bytes.length < 8)
    fail("QS4D-E262", { file, reason: "the file ends inside the version" }, { file });
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    fail("QS4D-E261", { version: `${major}.${minor}`, file }, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) {
    fail("QS4D-E262", { file, reason: "the file ends inside the header length" }, { file });
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) {
    const reason = `header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`;
    fail("QS4D-E262", { file, reason }, { file });
  }
  if (headerLength > MAX_NPY_HEADER) {
    const reason = `header length ${headerLength} is above the limit of ${MAX_NPY_HEADER} bytes`;
    fail("QS4D-E262", { file, reason }, { file });
  }
  const headerBytes = bytes.subarray(8 + lengthBytes, dataStart);
  // 1.0 and 2.0 headers are latin-1, 3.0 headers UTF-8.
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(headerBytes);
  const { dtype, shape } = parseHeader(text, file);
  let count = 1;
  for (const d of shape) count *= d;
  const expected = count * ITEM_SIZE[dtype];
  const got = bytes.length - dataStart;
  if (expected !== got) {
    fail("QS4D-E266", { file, shape: `(${shape.join(", ")})`, expected, got }, { file });
  }
  if (!(count <= MAX_NPY_ELEMENTS)) {
    const text = `(${shape.join(", ")})`;
    fail("QS4D-E241", { file, shape: text, limit: MAX_NPY_ELEMENTS }, { file });
  }
  // A copy (not Buffer#slice, which shares memory) puts the data at offset 0 of its own buffer.
  const data = allocateFrom(dtype, new Uint8Array(bytes.subarray(dataStart)).buffer);
  return { dtype, shape, data };
}

/** Read a .npy file, or decode bytes already read (`file` then names them in diagnostics). */
export function readNpy(source: string | Uint8Array, file?: string): NpyArray {
  if (typeof source !== "string") return decodeNpy(source, file ?? "<bytes>");
  return decodeNpy(readFileBytes(source), file ?? source);
}

const DTYPE_OF_DATA: ReadonlyArray<[new (n: number) => NpyData, NpyDType]> = [
  [Float32Array, "float32"],
  [Float64Array, "float64"],
  [Int8Array, "int8"],
  [Int32Array, "int32"],
  [BigInt64Array, "int64"],
];

/**
 * The .npy bytes of an array: version 1.0 unless the header needs 2.0 (or `version` asks),
 * header padded with spaces so that the data starts at a multiple of 64 bytes, as NumPy does.
 */
export function writeNpy(array: NpyArray, version: 1 | 2 | 3 = 1): Uint8Array {
  const { dtype, shape, data } = array;
  const matches = DTYPE_OF_DATA.find(([ctor, d]) => d === dtype && data instanceof ctor);
  if (matches === undefined) fail("QS4D-E267", { reason: `data is not a typed array of ${dtype}` });
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    fail("QS4D-E267", { reason: `shape (${shape.join(", ")}) is not non-negative integers` });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    fail("QS4D-E267", { reason: `${data.length} values for shape (${shape.join(", ")})` });
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = version;
  const unpadded = (m: number) => 8 + (m === 1 ? 2 : 4) + dict.length + 1;
  if (major === 1 && Math.ceil(unpadded(1) / 64) * 64 - 10 > 0xffff) major = 2;
  const prefix = 8 + (major === 1 ? 2 : 4);
  const total = Math.ceil(unpadded(major) / 64) * 64;
  const header = `${dict}${" ".repeat(total - unpadded(major))}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
