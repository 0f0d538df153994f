// Reading an input file, with the coded error every command gives for an unreadable one and
// the size limit every reader shares (docs/limits.md): a file is measured before it is read.

import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { fail } from "../diag/error.js";

/** The largest input file any reader accepts: 1 GiB (docs/limits.md). */
export const MAX_INPUT_BYTES = 2 ** 30;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    return fail("QS4D-E001", { file: path, reason: (error as Error).message }, { file: path });
  }
}

/**
 * The file's bytes; `shared`: in a SharedArrayBuffer, so that views on them (a chip's arrays)
 * go to worker threads without a copy.
 */
export function readFileBytes(path: string, shared = false): Uint8Array {
  const size = sizeOf(path);
  if (size > MAX_INPUT_BYTES) {
    fail("QS4D-E065", { file: path, size, limit: MAX_INPUT_BYTES }, { file: path });
  }
  try {
    return shared ? readShared(path, size) : readFileSync(path);
  } catch (error) {
    return fail("QS4D-E001", { file: path, reason: (error as Error).message }, { file: path });
  }
}

/** The first `size` bytes of the file into shared memory (fewer if it has shrunk since). */
function readShared(path: string, size: number): Uint8Array {
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const fd = openSync(path, "r");
  try {
    let at = 0;
    for (let n = -1; at < size && n !== 0; at += n) n = readSync(fd, bytes, at, size - at, at);
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

export function readFileText(path: string): string {
  return new TextDecoder("utf-8").decode(readFileBytes(path));
}
