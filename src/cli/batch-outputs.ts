// What the batch commands (`run`, `emulate`) write: logits as a float32 .npy [batch, classes]
// and, with --trace DIR, one .npy per trace file in DIR: all of them in one transaction; and
// the summary line of a batch (accuracy, or the predicted classes).

import { checkOutputs, type Output, writeOutputs } from "../util/atomic-write.js";
import { writeNpy } from "../util/npy.js";

export interface BatchLogits {
  readonly batch: number;
  readonly classes: number;
  readonly logits: Float32Array;
}

export interface BatchOutputFlags {
  /** Absent: no logits file (the command's value is its summary line). */
  readonly output?: string;
  readonly trace?: string;
  readonly force?: boolean;
}

/** Before the run: the outputs' paths can take them (checked again when they are written). */
export function checkBatchOutputs(flags: BatchOutputFlags): void {
  const trace =
    flags.trace === undefined
      ? []
      : [{ path: flags.trace, folder: true, force: flags.force === true }];
  const logits = flags.output === undefined ? [] : [{ path: flags.output, folder: false }];
  checkOutputs([...logits, ...trace]);
}

/** The logits at --output and, when there are traces, the --trace folder: all or none. */
export function writeBatchOutputs(
  flags: BatchOutputFlags,
  result: BatchLogits,
  traces: ReadonlyMap<string, Uint8Array> | null,
): void {
  const logits = {
    dtype: "float32" as const,
    shape: [result.batch, result.classes],
    data: result.logits,
  };
  const outputs: Output[] =
    flags.output === undefined ? [] : [{ path: flags.output, data: writeNpy(logits) }];
  if (flags.trace !== undefined && traces !== null) {
    outputs.push({ path: flags.trace, files: traces, force: flags.force === true });
  }
  writeOutputs(outputs);
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
