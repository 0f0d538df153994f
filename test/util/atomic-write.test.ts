// Outputs that cannot be written: a coded QS4D-E002 naming the path (exit 2), and nothing
// partial left behind (no temporary file beside the target).

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { type OutputData, writeFileAtomic, writeOutputs } from "../../src/util/atomic-write.js";

/** One folder output, replacing an existing non-empty folder only with `force`. */
function writeFolder(path: string, files: ReadonlyMap<string, OutputData>, force = false): void {
  writeOutputs([{ path, files, force }]);
}

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
    ["a folder", () => writeFolder(join(file, "csv"), new Map([["a.csv", "1"]]))],
    [
      "a second output of a transaction",
      () =>
        writeOutputs([
          { path: join(scratch, "y.npy"), data: "logits" },
          { path: join(file, "traces"), files: new Map() },
        ]),
    ],
  ])("%s under a regular file", (_, write) => {
    const e = refusal(write);
    expect(e.diagnostic.code).toBe("QS4D-E002");
    expect(e.exitCode).toBe(2);
    expect(e.diagnostic.location.file).toContain(file);
    expect(readdirSync(scratch)).toEqual(["a-file"]);
  });
});

describe("outputs as one transaction", () => {
  it("a failure while committing puts back what was there and leaves no temporary file", () => {
    const dir = mkdtempSync(join(scratch, "commit-"));
    writeFileSync(join(dir, "y.npy"), "old logits");
    // The second target is a folder the first rename cannot replace: found at check time.
    const e = refusal(() =>
      writeOutputs([
        { path: join(dir, "y.npy"), data: "new logits" },
        { path: dir, data: "report" },
      ]),
    );
    expect(e.diagnostic.code).toBe("QS4D-E064");
    expect(readFileSync(join(dir, "y.npy"), "utf8")).toBe("old logits");
    expect(readdirSync(dir)).toEqual(["y.npy"]);
  });

  it("two outputs on one path are refused before anything is written", () => {
    const dir = mkdtempSync(join(scratch, "twice-"));
    const e = refusal(() =>
      writeOutputs([
        { path: join(dir, "a"), data: "1" },
        { path: join(dir, ".", "a"), data: "2" },
      ]),
    );
    expect(e.diagnostic.code).toBe("QS4D-E066");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an existing empty folder is replaced; a non-empty one only with force", () => {
    const dir = mkdtempSync(join(scratch, "folder-"));
    writeFolder(dir, new Map([["a.csv", "1"]]));
    expect(readdirSync(dir)).toEqual(["a.csv"]);
    expect(refusal(() => writeFolder(dir, new Map([["b.csv", "2"]]))).diagnostic.code).toBe(
      "QS4D-E063",
    );
    writeFolder(dir, new Map([["b.csv", "2"]]), true);
    expect(readdirSync(dir)).toEqual(["b.csv"]);
    expect(readdirSync(scratch).filter((n) => n.startsWith("."))).toEqual([]);
  });
});

describe("replacing an existing file", () => {
  it("puts the new content in place and keeps no copy of the old", () => {
    const dir = mkdtempSync(join(scratch, "replace-"));
    const file = join(dir, "chip.bin");
    writeFileSync(file, "old");
    writeFileAtomic(file, "new");
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["chip.bin"]);
  });
});
