// What the batch commands (`run`, `emulate`) write: logits as a float32 .npy [batch, classes]
// and, with --trace DIR, one .npy per trace file in DIR, every file atomically; and the
// summary line of a batch (accuracy, or the predicted classes).

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

/** Samples whose predicted class is listed in the summary when there are no labels. */
const LISTED_PREDICTIONS = 16;

function argmax(result: BatchLogits, sample: number): number {
  const row = result.logits.subarray(sample * result.classes, (sample + 1) * result.classes);
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/** "16 samples, accuracy 0.9375 (15/16)\n", or the first predicted classes without labels. */
export function batchSummary(result: BatchLogits, labels: Int32Array | null): string {
  const predicted = Array.from({ length: result.batch }, (_, i) => argmax(result, i));
  const head = `${result.batch} samples, ${result.classes} classes`;
  if (labels === null) {
    const listed = predicted.slice(0, LISTED_PREDICTIONS).join(" ");
    const more = result.batch > LISTED_PREDICTIONS ? " ..." : "";
    return `${head}; predicted classes ${listed}${more}\n`;
  }
  const right = predicted.filter((p, i) => p === labels[i]).length;
  return `${head}; accuracy ${(right / result.batch).toFixed(4)} (${right}/${result.batch})\n`;
}
