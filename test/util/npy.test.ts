// .npy reader and writer: round trips for every dtype and version, NumPy's own bytes, and each
// malformed header with its coded diagnostic.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { type NpyArray, readNpy, writeNpy } from "../../src/util/npy.js";

const ARRAYS: NpyArray[] = [
  { dtype: "float32", shape: [2, 3], data: new Float32Array([0, -1.5, 1e-30, 3.25, -0, 7]) },
  { dtype: "float64", shape: [3], data: new Float64Array([Math.PI, -1e300, 5e-324]) },
  { dtype: "int8", shape: [2, 2, 1], data: new Int8Array([-128, 127, 0, -1]) },
  { dtype: "int32", shape: [], data: new Int32Array([-2147483648]) },
  { dtype: "int64", shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n]) },
  { dtype: "float32", shape: [0, 4], data: new Float32Array(0) },
];

/** Bytes NumPy 2.4 wrote with np.save(np.arange(6, dtype='<f4').reshape(2, 3) / np.float32(2)). */
const NUMPY_F4 = Buffer.from(
  "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAPwAAgD8AAMA/AAAAQAAAIEA=",
  "base64",
);

/** A .npy file with an arbitrary header text (version 1.0, padded as NumPy pads). */
function withHeader(dict: string, data = new Uint8Array(0), version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = `${dict}${" ".repeat(total - prefix - dict.length - 1)}\n`;
  const out = new Uint8Array(total + data.length);
  out.set(Buffer.from("\x93NUMPY", "latin1"));
  out[6] = version;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), prefix);
  out.set(data, total);
  return out;
}

function codeOf(bytes: Uint8Array): string {
  try {
    readNpy(bytes, "bad.npy");
  } catch (error) {
    if (error instanceof Qs4dError) {
      expect(error.diagnostic.location.file).toBe("bad.npy");
      return error.diagnostic.code;
    }
    throw error;
  }
  throw new Error("expected a coded diagnostic");
}

describe(".npy round trips", () => {
  for (const version of [1, 2, 3] as const) {
    for (const a of ARRAYS) {
      it(`${a.dtype} ${JSON.stringify(a.shape)}, format ${version}.0`, () => {
        const bytes = writeNpy(a, version);
        expect(bytes[6]).toBe(version);
        const prefix = version === 1 ? 10 : 12;
        const headerLength =
          new DataView(bytes.buffer).getUint32(8, true) & (version === 1 ? 0xffff : 0xffffffff);
        expect((prefix + headerLength) % 64).toBe(0);
        const back = readNpy(bytes);
        expect(back.dtype).toBe(a.dtype);
        expect(back.shape).toEqual(a.shape);
        expect(back.data.constructor).toBe(a.data.constructor);
        expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(
          Array.from(a.data as ArrayLike<number | bigint>),
        );
        // Byte-exact, including -0 and subnormals.
        expect(
          Buffer.from(back.data.buffer).equals(
            Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
          ),
        ).toBe(true);
      });
    }
  }

  it("reads NumPy's bytes and writes the same bytes back", () => {
    const a = readNpy(NUMPY_F4);
    expect(a).toMatchObject({ dtype: "float32", shape: [2, 3] });
    expect(Array.from(a.data as Float32Array)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(Buffer.from(writeNpy(a)).equals(NUMPY_F4)).toBe(true);
  });

  it("reads a golden file of the fixtures (raw float32, checked against a .npy wrapping)", () => {
    const raw = readFileSync("fixtures/models/digits-float-h32n16-l2/golden/inputs.f32");
    const data = new Float32Array(
      raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
    );
    const back = readNpy(writeNpy({ dtype: "float32", shape: [data.length / 64, 64, 1], data }));
    expect(back.shape).toEqual([data.length / 64, 64, 1]);
    expect(Buffer.from(back.data.buffer).equals(raw)).toBe(true);
  });

  it("accepts Python 2 long shapes, a 1-tuple and double quotes", () => {
    const data = new Uint8Array(new Float64Array([1, 2]).buffer);
    const a = readNpy(withHeader(`{"descr": "<f8", "fortran_order": False, "shape": (2L,)}`, data));
    expect(a.shape).toEqual([2]);
  });

  it("refuses to encode data that does not fit the shape", () => {
    expect(() => writeNpy({ dtype: "float32", shape: [3], data: new Float32Array(2) })).toThrow(
      /QS4D-E267/,
    );
    expect(() => writeNpy({ dtype: "int32", shape: [2], data: new Float32Array(2) })).toThrow(
      /QS4D-E267/,
    );
  });
});

describe(".npy errors", () => {
  const f4 = (shape: string) => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;

  it("bad magic: E260", () => {
    expect(codeOf(Buffer.from("PK\x03\x04 not numpy"))).toBe("QS4D-E260");
    expect(codeOf(new Uint8Array(0))).toBe("QS4D-E260");
  });

  it("unsupported version: E261", () => {
    const bytes = withHeader(f4("(1,)"), new Uint8Array(4));
    bytes[6] = 4;
    expect(codeOf(bytes)).toBe("QS4D-E261");
    bytes[6] = 1;
    bytes[7] = 1;
    expect(codeOf(bytes)).toBe("QS4D-E261");
  });

  it("header parse errors: E262", () => {
    const cases = [
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)",
      "{'descr': '<f4', 'fortran_order': False}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}",
      "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}",
      "not a dict",
    ];
    for (const header of cases)
      expect(codeOf(withHeader(header, new Uint8Array(12)))).toBe("QS4D-E262");
    // A header length that runs past the end of the file.
    const bytes = withHeader(f4("(1,)"), new Uint8Array(4));
    new DataView(bytes.buffer).setUint16(8, 60000, true);
    expect(codeOf(bytes)).toBe("QS4D-E262");
    expect(codeOf(bytes.subarray(0, 9))).toBe("QS4D-E262");
  });

  it("big-endian data: E263", () => {
    expect(
      codeOf(
        withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)),
      ),
    ).toBe("QS4D-E263");
  });

  it("Fortran order: E264", () => {
    expect(
      codeOf(
        withHeader(
          "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
          new Uint8Array(16),
        ),
      ),
    ).toBe("QS4D-E264");
  });

  it("unsupported dtype: E265", () => {
    for (const descr of ["<f2", "<u4", "|b1", "<c8", "|S4"]) {
      expect(
        codeOf(
          withHeader(
            `{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`,
            new Uint8Array(8),
          ),
        ),
      ).toBe("QS4D-E265");
    }
  });

  it("data size mismatch (truncated, trailing bytes, huge declared shape): E266", () => {
    expect(codeOf(withHeader(f4("(4,)"), new Uint8Array(12)))).toBe("QS4D-E266");
    expect(codeOf(withHeader(f4("(4,)"), new Uint8Array(20)))).toBe("QS4D-E266");
    // 10^15 float32 values declared by a 64-byte file: rejected before any allocation.
    expect(codeOf(withHeader(f4("(1000000, 1000000000)")))).toBe("QS4D-E266");
  });

  it("a missing file: E001", () => {
    expect(() => readNpy("/nonexistent/x.npy")).toThrow(/QS4D-E001/);
  });
});
