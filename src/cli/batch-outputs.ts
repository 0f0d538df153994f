// What the batch commands (`run`, `emulate`) write: logits as a float32 .npy [batch, classes]
// and, with --trace DIR, one .npy per trace file in DIR: all of them in one transaction.

import { checkOutputs, type Output, writeOutputs } from "../util/atomic-write.js";
import { writeNpy } from "../util/npy.js";

export interface BatchLogits {
  readonly batch: number;
  readonly classes: number;
  readonly logits: Float32Array;
}

export interface BatchOutputFlags {
  readonly output: string;
  readonly trace?: string;
  readonly force?: boolean;
}

/** Before the run: the outputs' paths can take them (checked again when they are written). */
export function checkBatchOutputs(flags: BatchOutputFlags): void {
  const trace =
    flags.trace === undefined
      ? []
      : [{ path: flags.trace, folder: true, force: flags.force === true }];
  checkOutputs([{ path: flags.output, folder: false }, ...trace]);
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
  const outputs: Output[] = [{ path: flags.output, data: writeNpy(logits) }];
  if (flags.trace !== undefined && traces !== null) {
    outputs.push({ path: flags.trace, files: traces, force: flags.force === true });
  }
  writeOutputs(outputs);
}
