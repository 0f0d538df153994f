// The chip.bin container (docs/chip-format.md §2-§4): a 64-byte header, a table of 32-byte
// section entries, a name table, then the sections, each aligned and CRC32-checked. This file
// holds the layout constants shared by writer and reader and the writer itself; the container
// knows nothing of crossbars (chip-sections.ts gives the sections their meaning).

import { crc32 } from "node:zlib";
import { canonicalJson, type JsonObject } from "../util/canonical-json.js";
import {
  type ArrayDType,
  DTYPES,
  dtypeOfArray,
  littleEndianBytes,
  type NumericArray,
} from "./dtype.js";

/** 0x89 "QS4D" CR LF 0x1A: a non-ASCII first byte and a CR LF pair catch text-mode transfers. */
export const MAGIC: readonly number[] = [0x89, 0x51, 0x53, 0x34, 0x44, 0x0d, 0x0a, 0x1a];
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
export const HEADER_SIZE = 64;
export const ENTRY_SIZE = 32;
/** Offset of the directory CRC32 inside the header: it covers [0, 60) and the table and names. */
export const HEADER_CRC_OFFSET = 60;
export const ENCODING_JSON = 1;
export const ENCODING_ARRAY = 2;
export const JSON_ALIGNMENT = 8;
/** Typed arrays start on a cache line, so a reader can map them without copying. */
export const ARRAY_ALIGNMENT = 64;
export const MIN_ALIGN_LOG2 = 3;
export const MAX_ALIGN_LOG2 = 12;
/** Section names: lower-case ASCII letters, digits, '.', '_' and '-', at most 255 bytes. */
export const SECTION_NAME = /^[a-z0-9][a-z0-9._-]{0,254}$/;

export type Section =
  | { readonly name: string; readonly kind: "json"; readonly value: JsonObject }
  | {
      readonly name: string;
      readonly kind: "array";
      readonly dtype: ArrayDType;
      readonly data: NumericArray;
    };

export function jsonSection(name: string, value: JsonObject): Section {
  return { name, kind: "json", value };
}

export function arraySection(name: string, data: NumericArray): Section {
  return { name, kind: "array", dtype: dtypeOfArray(data), data };
}

/** The first offset at or after `offset` that is a multiple of `alignment`. */
export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

interface Placed {
  readonly name: Uint8Array;
  readonly encoding: number;
  readonly dtypeTag: number;
  readonly alignment: number;
  readonly payload: Uint8Array;
  readonly offset: number;
}

/** Lay out and encode `sections` in the given order. Deterministic: no clock, no map order. */
export function encodeContainer(sections: readonly Section[]): Uint8Array {
  const encoder = new TextEncoder();
  const seen = new Set<string>();
  for (const s of sections) {
    if (!SECTION_NAME.test(s.name) || seen.has(s.name)) {
      throw new Error(`chip.bin writer: bad or duplicate section name '${s.name}'`);
    }
    seen.add(s.name);
  }
  const names = sections.map((s) => encoder.encode(s.name));
  const nameTableLength = names.reduce((sum, n) => sum + n.length, 0);
  let end = HEADER_SIZE + ENTRY_SIZE * sections.length + nameTableLength;
  const placed: Placed[] = sections.map((s, i) => {
    const payload =
      s.kind === "json" ? encoder.encode(canonicalJson(s.value)) : littleEndianBytes(s.data);
    const alignment = s.kind === "json" ? JSON_ALIGNMENT : ARRAY_ALIGNMENT;
    const offset = alignUp(end, alignment);
    end = offset + payload.length;
    return {
      name: names[i]!,
      encoding: s.kind === "json" ? ENCODING_JSON : ENCODING_ARRAY,
      dtypeTag: s.kind === "json" ? 0 : DTYPES[s.dtype].tag,
      alignment,
      payload,
      offset,
    };
  });
  const bytes = new Uint8Array(end);
  const view = new DataView(bytes.buffer);
  writeHeader(view, sections.length, nameTableLength, end);
  let nameOffset = 0;
  placed.forEach((p, i) => {
    writeEntry(view, HEADER_SIZE + ENTRY_SIZE * i, p, nameOffset);
    bytes.set(p.name, HEADER_SIZE + ENTRY_SIZE * sections.length + nameOffset);
    nameOffset += p.name.length;
    bytes.set(p.payload, p.offset);
  });
  view.setUint32(HEADER_CRC_OFFSET, directoryCrc(bytes, sections.length, nameTableLength), true);
  return bytes;
}

function writeHeader(view: DataView, count: number, nameTableLength: number, size: number): void {
  new Uint8Array(view.buffer).set(MAGIC, 0);
  view.setUint16(8, FORMAT_MAJOR, true);
  view.setUint16(10, FORMAT_MINOR, true);
  view.setUint32(12, HEADER_SIZE, true);
  view.setUint32(16, ENTRY_SIZE, true);
  view.setUint32(20, count, true);
  view.setUint32(24, nameTableLength, true);
  view.setUint32(28, 0, true); // flags: none defined in 1.0
  setUint64(view, 32, size);
}

function writeEntry(view: DataView, at: number, p: Placed, nameOffset: number): void {
  view.setUint32(at, nameOffset, true);
  view.setUint16(at + 4, p.name.length, true);
  view.setUint8(at + 6, p.encoding);
  view.setUint8(at + 7, p.dtypeTag);
  view.setUint8(at + 8, Math.log2(p.alignment));
  view.setUint32(at + 12, crc32(p.payload), true);
  setUint64(view, at + 16, p.offset);
  setUint64(view, at + 24, p.payload.length);
}

/** CRC32 of the header without its CRC field, then the section table and the name table. */
export function directoryCrc(bytes: Uint8Array, count: number, nameTableLength: number): number {
  const head = crc32(bytes.subarray(0, HEADER_CRC_OFFSET));
  const tableEnd = HEADER_SIZE + ENTRY_SIZE * count + nameTableLength;
  return crc32(bytes.subarray(HEADER_SIZE, tableEnd), head);
}

function setUint64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

/** A u64 field as a number; values above 2^53 come out inexact but still too large to fit. */
export function getUint64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}
