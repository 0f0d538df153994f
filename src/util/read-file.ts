// Reading an input file, with the coded error every command gives for an unreadable one.

import { readFileSync } from "node:fs";
import { fail } from "../diag/error.js";

export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    return fail("QS4D-E001", { file: path, reason: (error as Error).message }, { file: path });
  }
}
