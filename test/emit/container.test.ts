import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { arraySection, encodeContainer, jsonSection } from "../../src/emit/container.js";
import { decodeContainer } from "../../src/emit/container-read.js";
import { canonicalJson, type JsonValue } from "../../src/util/canonical-json.js";
import {
  crc32Reference,
  entry,
  findEntry,
  resealDirectory,
  resealSection,
  rewriteJson,
  view,
} from "./corrupt.js";

const SECTIONS = [
  jsonSection("meta", { b: [1, 2.5, -0, "x\u00e9"], a: { z: null, y: true }, n: 1e-300 }),
  arraySection("levels", new Int16Array([0, -3, 7, 32767, -32768])),
  arraySection("g", new Float64Array([0.1, -2.5e-7, Number.MAX_VALUE])),
  arraySection("bytes", new Uint8Array([255, 0, 1])),
  jsonSection("empty", {}),
];
const FILE = encodeContainer(SECTIONS);

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error.diagnostic.code;
    throw error;
  }
  return "accepted";
}

function thrown(run: () => unknown): Qs4dError {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error;
    throw error;
  }
  throw new Error("expected a Qs4dError, the call returned");
}

/** An object holding `arrays` nested arrays: depth arrays + 1. */
function nested(arrays: number): { a: JsonValue } {
  let value: JsonValue = [];
  for (let i = 1; i < arrays; i++) value = [value];
  return { a: value };
}

const read = (bytes: Uint8Array) => () => decodeContainer(bytes, "t.bin");

describe("canonical JSON", () => {
  it("sorts keys at every depth, keeps -0 and the exact float64", () => {
    const text = canonicalJson({ b: 1, a: { d: [0.1, -0], c: "é" } });
    expect(text).toBe('{"a":{"c":"é","d":[0.1,-0]},"b":1}');
    expect(Object.is((JSON.parse(text).a.d as number[])[1], -0)).toBe(true);
  });

  it("rejects values JSON cannot carry exactly", () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/NaN at \$\.x/);
  });
});

describe("chip.bin container: layout follows docs/chip-format.md", () => {
  const v = view(FILE);

  it("header fields sit at their documented offsets", () => {
    expect([...FILE.subarray(0, 8)]).toEqual([0x89, 0x51, 0x53, 0x34, 0x44, 0x0d, 0x0a, 0x1a]);
    expect(v.getUint16(8, true)).toBe(1);
    expect(v.getUint16(10, true)).toBe(0);
    expect(v.getUint32(12, true)).toBe(64);
    expect(v.getUint32(16, true)).toBe(32);
    expect(v.getUint32(20, true)).toBe(SECTIONS.length);
    expect(v.getUint32(24, true)).toBe("metalevelsgbytesempty".length);
    expect(v.getUint32(32, true)).toBe(FILE.length);
  });

  it("the header CRC covers header, table and names, computed independently", () => {
    const end = 64 + 32 * SECTIONS.length + 21;
    const expected = crc32Reference(FILE.subarray(64, end), crc32Reference(FILE.subarray(0, 60)));
    expect(crc32Reference(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(v.getUint32(60, true)).toBe(expected);
  });

  it("sections are aligned, in order, CRC-checked and little-endian", () => {
    let end = 64 + 32 * SECTIONS.length + 21;
    for (let i = 0; i < SECTIONS.length; i++) {
      const e = entry(FILE, i);
      const alignment = 2 ** e.alignLog2;
      expect(e.name).toBe(SECTIONS[i]!.name);
      expect(alignment).toBe(SECTIONS[i]!.kind === "json" ? 8 : 64);
      expect(e.offset).toBe(Math.ceil(end / alignment) * alignment);
      expect(FILE.subarray(end, e.offset).every((b) => b === 0)).toBe(true);
      expect(e.crc).toBe(crc32Reference(FILE.subarray(e.offset, e.offset + e.length)));
      end = e.offset + e.length;
    }
    expect(end).toBe(FILE.length);
    const levels = entry(FILE, 1);
    expect([levels.encoding, levels.dtype, levels.length]).toEqual([2, 4, 10]);
    expect(v.getInt16(levels.offset + 2, true)).toBe(-3);
    const meta = entry(FILE, 0);
    expect([meta.encoding, meta.dtype]).toEqual([1, 0]);
    const text = new TextDecoder().decode(FILE.subarray(meta.offset, meta.offset + meta.length));
    expect(text).toBe('{"a":{"y":true,"z":null},"b":[1,2.5,-0,"xé"],"n":1e-300}');
  });

  it("round-trips every section exactly and is deterministic", () => {
    const c = decodeContainer(FILE, "t.bin");
    expect([...c.sections.keys()]).toEqual(SECTIONS.map((s) => s.name));
    for (const s of SECTIONS) expect(c.sections.get(s.name)).toEqual(s);
    expect(encodeContainer(SECTIONS)).toEqual(FILE);
    const metaText = canonicalJson(SECTIONS[0]!.kind === "json" ? SECTIONS[0]!.value : {});
    const utf8Length = new TextEncoder().encode(metaText).length;
    expect(c.infos.map((i) => i.length)).toEqual([utf8Length, 10, 24, 3, 2]);
  });

  it("reads a file that sits at an odd offset of a larger buffer", () => {
    const outer = new Uint8Array(FILE.length + 3);
    outer.set(FILE, 3);
    const c = decodeContainer(outer.subarray(3), "t.bin");
    expect(c.sections.get("g")).toEqual(SECTIONS[2]);
  });

  it("an empty container is valid", () => {
    const empty = encodeContainer([]);
    expect(empty.length).toBe(64);
    expect(decodeContainer(empty, "e.bin").sections.size).toBe(0);
  });

  it("the writer refuses bad and duplicate names", () => {
    expect(() => encodeContainer([jsonSection("Bad", {})])).toThrow(/section name/);
    expect(() => encodeContainer([jsonSection("a", {}), jsonSection("a", {})])).toThrow(
      /duplicate/,
    );
  });
});

describe("chip.bin container: every defect is a coded diagnostic", () => {
  function edited(edit: (b: Uint8Array, v: DataView) => void, reseal = true): Uint8Array {
    const copy = FILE.slice();
    edit(copy, view(copy));
    if (reseal) resealDirectory(copy);
    return copy;
  }
  const levels = findEntry(FILE, "levels");
  const levelsAt = 64 + 32 * levels;
  const g = entry(FILE, findEntry(FILE, "g"));

  const cases: [string, string, Uint8Array][] = [
    ["truncated header", "QS4D-E501", FILE.subarray(0, 40)],
    ["truncated body", "QS4D-E501", FILE.subarray(0, FILE.length - 1)],
    ["wrong magic", "QS4D-E502", edited((b) => b.set([0x50, 0x4b], 0), false)],
    ["text-mode CR LF loss", "QS4D-E502", edited((b) => b.set([0x0a], 5), false)],
    ["major version 2", "QS4D-E503", edited((_, v) => v.setUint16(8, 2, true), false)],
    ["entry size", "QS4D-E504", edited((_, v) => v.setUint32(16, 48, true))],
    ["flags", "QS4D-E504", edited((_, v) => v.setUint32(28, 1, true))],
    ["reserved header word", "QS4D-E504", edited((_, v) => v.setUint32(44, 7, true))],
    ["trailing bytes", "QS4D-E505", new Uint8Array([...FILE, 0])],
    ["section count too large", "QS4D-E505", edited((_, v) => v.setUint32(20, 0x7fffffff, true))],
    ["header CRC", "QS4D-E506", edited((b) => (b[61]! ^= 1), false)],
    ["table byte flipped", "QS4D-E506", edited((b) => (b[levelsAt + 20]! ^= 0x40), false)],
    ["unknown encoding", "QS4D-E507", edited((_, v) => v.setUint8(levelsAt + 6, 9))],
    ["unknown dtype", "QS4D-E507", edited((_, v) => v.setUint8(levelsAt + 7, 99))],
    ["alignment 2^13", "QS4D-E507", edited((_, v) => v.setUint8(levelsAt + 8, 13))],
    ["bad name byte", "QS4D-E507", edited((b) => (b[64 + 32 * 5 + 1]! = 0x41))],
    ["non-ASCII name byte", "QS4D-E507", edited((b) => (b[64 + 32 * 5 + 1]! = 0xe9))],
    ["name past the table", "QS4D-E507", edited((_, v) => v.setUint16(levelsAt + 4, 500, true))],
    [
      "offset past the end",
      "QS4D-E508",
      edited((_, v) => v.setUint32(levelsAt + 16, 1 << 30, true)),
    ],
    ["length past the end", "QS4D-E508", edited((_, v) => v.setUint32(levelsAt + 28, 1, true))],
    [
      "offset inside the directory",
      "QS4D-E508",
      edited((_, v) => v.setUint32(levelsAt + 16, 64, true)),
    ],
    ["overlap", "QS4D-E509", edited((_, v) => v.setUint32(64 + 32 * 2 + 16, g.offset - 64, true))],
    ["non-zero padding", "QS4D-E510", edited((b) => (b[g.offset - 1]! = 7))],
    ["dtype size disagrees", "QS4D-E516", edited((_, v) => v.setUint8(levelsAt + 7, 8))],
    ["payload CRC", "QS4D-E512", edited((b) => (b[g.offset + 3]! ^= 0x10), false)],
    ["JSON syntax", "QS4D-E513", rewriteJson(FILE, "meta", '{"a":')],
    ["JSON not an object", "QS4D-E513", rewriteJson(FILE, "meta", "[1,2]")],
    ["JSON bad UTF-8", "QS4D-E513", rewriteBytes("meta", [0x22, 0xff, 0x22])],
    ["JSON nested 65 deep", "QS4D-E513", encodeContainer([jsonSection("deep", nested(64))])],
  ];

  it.each(cases)("%s -> %s", (_, code, bytes) => {
    expect(codeOf(read(bytes))).toBe(code);
  });

  it("JSON nested 64 deep is accepted", () => {
    expect(codeOf(read(encodeContainer([jsonSection("deep", nested(63))])))).toBe("accepted");
  });

  it("a duplicate section name -> QS4D-E511, naming the file and the section", () => {
    const dup = encodeContainer([jsonSection("a", {}), jsonSection("b", {})]);
    dup[64 + 2 * 32 + 1] = 0x61; // the name table "ab" becomes "aa"
    resealDirectory(dup);
    const error = thrown(() => decodeContainer(dup, "d.bin"));
    expect(error.diagnostic.code).toBe("QS4D-E511");
    expect(error.message).toContain("'d.bin': section 'a' appears more than once");
  });

  it("diagnostics name the file and the section", () => {
    const bad = FILE.slice();
    bad[g.offset]! ^= 1;
    const e = thrown(() => decodeContainer(bad, "chips/x.bin"));
    expect(e.diagnostic.location).toEqual({ file: "chips/x.bin", path: "section 'g'" });
    expect(e.message).toContain("section 'g' has CRC32");
    expect(e.exitCode).toBe(2);
  });

  function rewriteBytes(name: string, payload: number[]): Uint8Array {
    const copy = FILE.slice();
    const i = findEntry(copy, name);
    const e = entry(copy, i);
    copy.fill(0x20, e.offset, e.offset + e.length);
    copy.set(payload, e.offset);
    resealSection(copy, i);
    return copy;
  }
});
