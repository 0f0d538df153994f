// SHA-256 of a tensor's data as little-endian bytes, row-major: the digest the IR text prints.

import { createHash } from "node:crypto";
import { endianness } from "node:os";
import type { Tensor, TensorData } from "../tensor.js";

const LITTLE_ENDIAN = endianness() === "LE";

function littleEndianBytes(data: TensorData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const swapped = new Uint8Array(bytes.length);
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += width) {
    for (let b = 0; b < width; b++) swapped[i + b] = bytes[i + width - 1 - b]!;
  }
  return swapped;
}

export function dataDigest(data: TensorData): string {
  return createHash("sha256").update(littleEndianBytes(data)).digest("hex");
}

/** The digest of the data when present, else the digest the tensor was parsed with. */
export function tensorDigest(t: Tensor): string {
  if (t.data !== null) return dataDigest(t.data);
  if (t.digest === undefined) throw new Error("tensor has neither data nor digest");
  return t.digest;
}

export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;
