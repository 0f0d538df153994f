// Outputs that cannot be written: a coded QS4D-E002 naming the path (exit 2), and nothing
// partial left behind (no temporary file beside the target).

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTraceDir } from "../../src/cli/batch-outputs.js";
import { Qs4dError } from "../../src/diag/error.js";
import { writeDirAtomic, writeFileAtomic } from "../../src/util/atomic-write.js";

const scratch = mkdtempSync(join(tmpdir(), "qs4dc-write-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function refusal(run: () => void): Qs4dError {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error;
    throw error;
  }
  throw new Error("the write succeeded");
}

describe("unwritable outputs: QS4D-E002", () => {
  // A regular file where a folder should be: no write below it can succeed, even as root.
  const file = join(scratch, "a-file");
  writeFileSync(file, "x");

  it.each([
    ["a file", () => writeFileAtomic(join(file, "chip.bin"), "data")],
    ["a folder", () => writeDirAtomic(join(file, "csv"), new Map([["a.csv", "1"]]))],
    ["a trace folder", () => writeTraceDir(join(file, "traces"), new Map())],
  ])("%s under a regular file", (_, write) => {
    const e = refusal(write);
    expect(e.diagnostic.code).toBe("QS4D-E002");
    expect(e.exitCode).toBe(2);
    expect(e.diagnostic.location.file).toContain(file);
    expect(readdirSync(scratch)).toEqual(["a-file"]);
  });
});
