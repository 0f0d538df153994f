// No command leaves a partial output: write beside the target, then rename over it.

import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fail } from "../diag/error.js";

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = tempPathFor(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    fail("QS4D-E002", { file: path, reason: (error as Error).message }, { file: path });
  }
}

/** Build a whole output folder under a temporary name, then rename it into place. */
export function writeDirAtomic(
  path: string,
  files: ReadonlyMap<string, string | Uint8Array>,
): void {
  const temp = tempPathFor(path);
  try {
    mkdirSync(temp, { recursive: true });
    for (const [name, data] of files) writeFileSync(join(temp, name), data);
    rmSync(path, { recursive: true, force: true });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    fail("QS4D-E002", { file: path, reason: (error as Error).message }, { file: path });
  }
}
