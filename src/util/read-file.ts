// Reading an input file, with the coded error every command gives for an unreadable one and
// the size limit every reader shares (docs/limits.md): a file is measured before it is read.

import { readFileSync, statSync } from "node:fs";
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

export function readFileBytes(path: string): Uint8Array {
  const size = sizeOf(path);
  if (size > MAX_INPUT_BYTES) {
    fail("QS4D-E065", { file: path, size, limit: MAX_INPUT_BYTES }, { file: path });
  }
  try {
    return readFileSync(path);
  } catch (error) {
    return fail("QS4D-E001", { file: path, reason: (error as Error).message }, { file: path });
  }
}

export function readFileText(path: string): string {
  return new TextDecoder("utf-8").decode(readFileBytes(path));
}
