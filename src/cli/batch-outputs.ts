// What the batch commands (`run`, `emulate`) write: logits as a float32 .npy [batch, classes]
// and, with --trace DIR, one .npy per trace file in DIR. Every file is written atomically.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../diag/error.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { writeNpy } from "../util/npy.js";

export interface BatchLogits {
  readonly batch: number;
  readonly classes: number;
  readonly logits: Float32Array;
}

export function writeLogits(path: string, result: BatchLogits): void {
  const logits = {
    dtype: "float32" as const,
    shape: [result.batch, result.classes],
    data: result.logits,
  };
  writeFileAtomic(path, writeNpy(logits));
}

/** Creates `dir` (with its parents) and writes each named file into it. */
export function writeTraceDir(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    fail("QS4D-E002", { file: dir, reason: (error as Error).message }, { file: dir });
  }
  for (const [name, bytes] of files) writeFileAtomic(join(dir, name), bytes);
}
