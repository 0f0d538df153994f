// No command leaves a partial output: write beside the target, then rename over it.

import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fail } from "../diag/error.js";

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Removes what a failed write left; when even that fails (no such folder), there is nothing. */
function cleanUp(temp: string): void {
  try {
    rmSync(temp, { recursive: true, force: true });
  } catch {
    // ENOTDIR and the like: the temporary path could not have been created either.
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = tempPathFor(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    cleanUp(temp);
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
    cleanUp(temp);
    fail("QS4D-E002", { file: path, reason: (error as Error).message }, { file: path });
  }
}
