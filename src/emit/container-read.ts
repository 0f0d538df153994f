// Reads and validates a chip.bin container (docs/chip-format.md §2-§4). Every field is checked
// against the file's actual length before it is used, so a damaged file can neither make the
// reader allocate from an unchecked size nor read out of bounds: each defect is a coded
// diagnostic (QS4D-E501..E513) that names the file and the section.

import { crc32 } from "node:zlib";
import { fail, Qs4dError } from "../diag/error.js";
import type { JsonObject } from "../util/canonical-json.js";
import { jsonTooDeepAt, MAX_JSON_DEPTH } from "../util/json-limits.js";
import {
  alignUp,
  directoryCrc,
  ENCODING_ARRAY,
  ENCODING_JSON,
  ENTRY_SIZE,
  FORMAT_MAJOR,
  getUint64,
  HEADER_CRC_OFFSET,
  HEADER_SIZE,
  MAGIC,
  MAX_ALIGN_LOG2,
  MIN_ALIGN_LOG2,
  SECTION_NAME,
  type Section,
} from "./container.js";
import { type ArrayDType, DTYPES, dtypeOfTag, fromLittleEndian } from "./dtype.js";

/** Where a section sits in the file, as `inspect` reports it. */
export interface SectionInfo {
  readonly name: string;
  readonly encoding: "json" | "array";
  /** Element type of an array section; null for JSON. */
  readonly dtype: ArrayDType | null;
  readonly offset: number;
  readonly length: number;
  readonly alignment: number;
  readonly crc32: number;
}

export interface Container {
  readonly file: string;
  readonly version: { readonly major: number; readonly minor: number };
  readonly size: number;
  /** In file order. */
  readonly infos: readonly SectionInfo[];
  readonly sections: ReadonlyMap<string, Section>;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

interface Directory {
  readonly major: number;
  readonly minor: number;
  readonly count: number;
  readonly nameTableLength: number;
}

export function decodeContainer(bytes: Uint8Array, file: string): Container {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dir = readHeader(bytes, view, file);
  const infos = readEntries(bytes, view, dir, file);
  checkLayout(bytes, infos, dir, file);
  const sections = new Map<string, Section>();
  for (const info of infos) sections.set(info.name, decodeSection(bytes, info, file));
  return {
    file,
    version: { major: dir.major, minor: dir.minor },
    size: bytes.length,
    infos,
    sections,
  };
}

function readHeader(bytes: Uint8Array, view: DataView, file: string): Directory {
  const loc = { file };
  if (bytes.length < HEADER_SIZE) {
    fail("QS4D-E501", { file, what: "the header", needed: HEADER_SIZE, actual: bytes.length }, loc);
  }
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("QS4D-E502", { file, found: hex(bytes.subarray(0, 8)), expected: hex(MAGIC) }, loc);
  }
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major !== FORMAT_MAJOR) {
    fail("QS4D-E503", { file, major, minor, supported: FORMAT_MAJOR }, loc);
  }
  expectField(view.getUint32(12, true), HEADER_SIZE, "header size", file);
  expectField(view.getUint32(16, true), ENTRY_SIZE, "section entry size", file);
  expectField(view.getUint32(28, true), 0, "flags", file);
  for (let at = 40; at < HEADER_CRC_OFFSET; at += 4) {
    expectField(view.getUint32(at, true), 0, `reserved word at byte ${at}`, file);
  }
  const declared = getUint64(view, 32);
  if (bytes.length < declared) {
    fail(
      "QS4D-E501",
      { file, what: "the header's file size", needed: declared, actual: bytes.length },
      loc,
    );
  }
  if (bytes.length > declared) {
    const reason = `the header records ${declared} bytes, the file has ${bytes.length}`;
    fail("QS4D-E505", { file, reason }, loc);
  }
  const count = view.getUint32(20, true);
  const nameTableLength = view.getUint32(24, true);
  const directoryEnd = HEADER_SIZE + ENTRY_SIZE * count + nameTableLength;
  if (directoryEnd > bytes.length) {
    const reason = `${count} section entries and ${nameTableLength} name bytes need ${directoryEnd} bytes, the file has ${bytes.length}`;
    fail("QS4D-E505", { file, reason }, loc);
  }
  const recorded = view.getUint32(HEADER_CRC_OFFSET, true);
  const actual = directoryCrc(bytes, count, nameTableLength);
  if (actual !== recorded) {
    fail("QS4D-E506", { file, actual: crcText(actual), expected: crcText(recorded) }, loc);
  }
  return { major, minor, count, nameTableLength };
}

function expectField(value: number, expected: number, field: string, file: string): void {
  if (value !== expected) fail("QS4D-E504", { file, field, value, expected }, { file });
}

function readEntries(
  bytes: Uint8Array,
  view: DataView,
  dir: Directory,
  file: string,
): SectionInfo[] {
  const namesStart = HEADER_SIZE + ENTRY_SIZE * dir.count;
  // Section names are ASCII (SECTION_NAME), so the name table is decoded once, byte for
  // character; a name with any other byte fails SECTION_NAME whichever way it is decoded.
  const names = latin1Text(bytes.subarray(namesStart, namesStart + dir.nameTableLength));
  const infos: SectionInfo[] = [];
  const seen = new Set<string>();
  let nameOffset = 0;
  for (let index = 0; index < dir.count; index++) {
    const at = HEADER_SIZE + ENTRY_SIZE * index;
    const offset = view.getUint32(at, true);
    const nameLength = view.getUint16(at + 4, true);
    if (offset !== nameOffset || nameOffset + nameLength > dir.nameTableLength) {
      badEntry(
        file,
        index,
        "?",
        `its name is at [${offset}, ${offset + nameLength}) of the name table, expected to start at ${nameOffset} and end by ${dir.nameTableLength}`,
      );
    }
    nameOffset += nameLength;
    const section = names.slice(offset, offset + nameLength);
    if (!SECTION_NAME.test(section))
      badEntry(
        file,
        index,
        "?",
        `its name ${JSON.stringify(section.slice(0, 64))} is not a section name`,
      );
    if (seen.has(section))
      fail("QS4D-E511", { file, section }, { file, path: `section '${section}'` });
    seen.add(section);
    infos.push(readEntry(view, at, section, (name, reason) => badEntry(file, index, name, reason)));
  }
  if (nameOffset !== dir.nameTableLength) {
    const reason = `the names use ${nameOffset} of the ${dir.nameTableLength} bytes of the name table`;
    fail("QS4D-E505", { file, reason }, { file });
  }
  return infos;
}

function badEntry(file: string, index: number, section: string, reason: string): never {
  return fail(
    "QS4D-E507",
    { file, index, section, reason },
    { file, path: `section table entry ${index}` },
  );
}

function readEntry(
  view: DataView,
  at: number,
  name: string,
  bad: (section: string, reason: string) => never,
): SectionInfo {
  const encodingTag = view.getUint8(at + 6);
  const dtypeTag = view.getUint8(at + 7);
  const alignLog2 = view.getUint8(at + 8);
  if (encodingTag !== ENCODING_JSON && encodingTag !== ENCODING_ARRAY) {
    bad(name, `encoding ${encodingTag} is neither 1 (JSON) nor 2 (typed array)`);
  }
  const dtype = encodingTag === ENCODING_ARRAY ? (dtypeOfTag(dtypeTag) ?? null) : null;
  if (encodingTag === ENCODING_ARRAY && dtype === null)
    bad(name, `element type tag ${dtypeTag} is unknown`);
  if (encodingTag === ENCODING_JSON && dtypeTag !== 0)
    bad(name, `a JSON section has element type tag ${dtypeTag}, expected 0`);
  if (alignLog2 < MIN_ALIGN_LOG2 || alignLog2 > MAX_ALIGN_LOG2) {
    bad(name, `alignment 2^${alignLog2} is outside 2^${MIN_ALIGN_LOG2}..2^${MAX_ALIGN_LOG2}`);
  }
  if (view.getUint8(at + 9) !== 0 || view.getUint16(at + 10, true) !== 0)
    bad(name, "reserved bytes are not 0");
  return {
    name,
    encoding: encodingTag === ENCODING_JSON ? "json" : "array",
    dtype,
    offset: getUint64(view, at + 16),
    length: getUint64(view, at + 24),
    alignment: 2 ** alignLog2,
    crc32: view.getUint32(at + 12, true),
  };
}

/** Sections follow the directory in table order, each at the first offset its alignment allows. */
function checkLayout(
  bytes: Uint8Array,
  infos: readonly SectionInfo[],
  dir: Directory,
  file: string,
): void {
  const low = HEADER_SIZE + ENTRY_SIZE * dir.count + dir.nameTableLength;
  let end = low;
  for (const info of infos) {
    const section = info.name;
    if (info.offset < low || info.offset + info.length > bytes.length) {
      const range = { start: info.offset, end: info.offset + info.length, low, high: bytes.length };
      fail("QS4D-E508", { file, section, ...range }, sectionLoc(file, section));
    }
    const expected = alignUp(end, info.alignment);
    if (info.offset !== expected)
      fail("QS4D-E509", { file, section, start: info.offset, expected }, sectionLoc(file, section));
    for (let at = end; at < info.offset; at++) {
      if (bytes[at] !== 0)
        fail(
          "QS4D-E510",
          { file, section, offset: at, value: bytes[at]! },
          sectionLoc(file, section),
        );
    }
    if (info.dtype !== null && info.length % DTYPES[info.dtype].size !== 0) {
      const size = DTYPES[info.dtype].size;
      const actual = `${info.length} bytes`;
      const want = `a whole number of ${size}-byte ${info.dtype} elements`;
      fail("QS4D-E516", { file, section, actual, expected: want }, sectionLoc(file, section));
    }
    end = info.offset + info.length;
  }
  if (end !== bytes.length) {
    const reason = `the last section ends at byte ${end}, the file at ${bytes.length}`;
    fail("QS4D-E505", { file, reason }, { file });
  }
}

function decodeSection(bytes: Uint8Array, info: SectionInfo, file: string): Section {
  const payload = bytes.subarray(info.offset, info.offset + info.length);
  const actual = crc32(payload);
  if (actual !== info.crc32) {
    fail(
      "QS4D-E512",
      { file, section: info.name, actual: crcText(actual), expected: crcText(info.crc32) },
      sectionLoc(file, info.name),
    );
  }
  if (info.dtype !== null) {
    return {
      name: info.name,
      kind: "array",
      dtype: info.dtype,
      data: fromLittleEndian(info.dtype, payload),
    };
  }
  return { name: info.name, kind: "json", value: parseJsonObject(payload, info.name, file) };
}

/** A section's place in a diagnostic (built only when one is raised). */
function sectionLoc(file: string, section: string): { file: string; path: string } {
  return { file, path: `section '${section}'` };
}

function parseJsonObject(payload: Uint8Array, section: string, file: string): JsonObject {
  const refuse = (reason: string): never =>
    fail("QS4D-E513", { file, section, reason }, { file, path: `section '${section}'` });
  // TextDecoder drops a byte-order mark silently; the format forbids one (docs/chip-format.md).
  if (payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf) {
    refuse("it starts with a UTF-8 byte-order mark");
  }
  let value: unknown;
  try {
    const text = UTF8.decode(payload);
    if (jsonTooDeepAt(text) >= 0) {
      refuse(`objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels`);
    }
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof Qs4dError) throw error;
    refuse((error as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    refuse(`the top level is ${Array.isArray(value) ? "an array" : typeof value}, not an object`);
  }
  return value as JsonObject;
}

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function crcText(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
