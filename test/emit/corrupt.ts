// Helpers shared by the chip.bin tests: an independent CRC32 (bitwise, from the polynomial,
// so the tests do not trust node:zlib) and in-place edits of a file that re-seal its CRCs, to
// reach the checks that sit behind the CRC checks.

export function crc32Reference(bytes: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

export const view = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export interface EntryFields {
  readonly nameOffset: number;
  readonly nameLength: number;
  readonly encoding: number;
  readonly dtype: number;
  readonly alignLog2: number;
  readonly crc: number;
  readonly offset: number;
  readonly length: number;
  readonly name: string;
}

/** Section table entry `i`, decoded straight from the spec's byte offsets. */
export function entry(bytes: Uint8Array, i: number): EntryFields {
  const v = view(bytes);
  const count = v.getUint32(20, true);
  const at = 64 + 32 * i;
  const nameOffset = v.getUint32(at, true);
  const nameLength = v.getUint16(at + 4, true);
  const namesStart = 64 + 32 * count;
  return {
    nameOffset,
    nameLength,
    encoding: v.getUint8(at + 6),
    dtype: v.getUint8(at + 7),
    alignLog2: v.getUint8(at + 8),
    crc: v.getUint32(at + 12, true),
    offset: v.getUint32(at + 16, true) + v.getUint32(at + 20, true) * 2 ** 32,
    length: v.getUint32(at + 24, true) + v.getUint32(at + 28, true) * 2 ** 32,
    name: new TextDecoder().decode(
      bytes.subarray(namesStart + nameOffset, namesStart + nameOffset + nameLength),
    ),
  };
}

export function sectionCount(bytes: Uint8Array): number {
  return view(bytes).getUint32(20, true);
}

export function findEntry(bytes: Uint8Array, name: string): number {
  for (let i = 0; i < sectionCount(bytes); i++) if (entry(bytes, i).name === name) return i;
  throw new Error(`no section ${name}`);
}

/** Recompute the header CRC (bytes [0,60) + section table + name table) after an edit. */
export function resealDirectory(bytes: Uint8Array): void {
  const v = view(bytes);
  const end = 64 + 32 * v.getUint32(20, true) + v.getUint32(24, true);
  const head = crc32Reference(bytes.subarray(0, 60));
  v.setUint32(60, crc32Reference(bytes.subarray(64, end), head), true);
}

/** Recompute section i's CRC after its payload changed, then the directory's. */
export function resealSection(bytes: Uint8Array, i: number): void {
  const e = entry(bytes, i);
  const crc = crc32Reference(bytes.subarray(e.offset, e.offset + e.length));
  view(bytes).setUint32(64 + 32 * i + 12, crc, true);
  resealDirectory(bytes);
}

/** Replace a JSON section's payload by `text` (same length or shorter, space-padded). */
export function rewriteJson(bytes: Uint8Array, name: string, text: string): Uint8Array {
  const copy = bytes.slice();
  const i = findEntry(copy, name);
  const e = entry(copy, i);
  const encoded = new TextEncoder().encode(text);
  if (encoded.length > e.length) throw new Error(`rewriteJson: ${encoded.length} > ${e.length}`);
  copy.fill(0x20, e.offset, e.offset + e.length);
  copy.set(encoded, e.offset);
  resealSection(copy, i);
  return copy;
}
