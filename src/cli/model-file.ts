// The model file of a command. A chip.bin given where a model is expected
// (`qs4dc emulate chip.bin`) is refused with a pointer to `sim`, rather than the importer's
// "unknown input format".

import { closeSync, openSync, readSync } from "node:fs";
import { fail } from "../diag/error.js";
import { MAGIC } from "../emit/container.js";
import { importModel } from "../import/index.js";
import type { Model } from "../ir/model.js";
import { step } from "./progress.js";

function startsWithChipMagic(file: string): boolean {
  const head = new Uint8Array(MAGIC.length);
  let fd: number | null = null;
  try {
    fd = openSync(file, "r");
    readSync(fd, head, 0, head.length, 0);
  } catch {
    return false; // the importer reports the unreadable file (QS4D-E001)
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return MAGIC.every((b, i) => head[i] === b);
}

/** The model at `file` for `qs4dc <command>`; QS4D-E807 when the file is a chip.bin. */
export function importModelFor(file: string, command: string): Model {
  if (startsWithChipMagic(file)) fail("QS4D-E807", { file, command: `qs4dc ${command}` }, { file });
  return step(`importing ${file}`, () => importModel(file));
}
