// The compile command's chip artifacts: chip.bin bytes, or the CSV programming lists, from a
// lowered model and what it was lowered from. The manifest records the lowering's inputs by
// content (model and calibration digests, target, pass options), never by time or host. The
// model file's digest is taken over its bytes (read here unless the caller has them); src/emit
// only serializes.

import { createHash } from "node:crypto";
import { readChip } from "../emit/chip-read.js";
import { writeChip } from "../emit/chip-write.js";
import { chipToCsv } from "../emit/csv.js";
import type { PassOptionValue } from "../passes/pass.js";
import { readFileBytes } from "../util/read-file.js";
import type { Lowered, LowerOptions } from "./lower.js";

export interface ChipSource {
  /** The model file compiled: its bytes' SHA-256 goes into the manifest. */
  readonly modelPath: string;
  /** Its bytes when they are already in memory (the JS API); otherwise read from modelPath. */
  readonly modelBytes?: Uint8Array;
  readonly lowering: LowerOptions;
}

export function chipBytes(lowered: Lowered, source: ChipSource): Uint8Array {
  return writeChip(lowered.model, {
    sourceDigest: sha256(source.modelBytes ?? readFileBytes(source.modelPath)),
    target: source.lowering.target.description,
    options: recordedOptions(source.lowering),
    passes: lowered.passes,
    reports: lowered.reports,
  });
}

/** The CSV lists of the chip.bin the same compile would write (read back: checked as a lab's tool would). */
export function csvFiles(
  lowered: Lowered,
  source: ChipSource,
  output: string,
): Map<string, string> {
  return chipToCsv(readChip(chipBytes(lowered, source), output));
}

function recordedOptions(lowering: LowerOptions): Record<string, PassOptionValue> {
  const options: Record<string, PassOptionValue> = {
    ...lowering.options,
    target: lowering.target.description.name,
  };
  if (lowering.calibration) options.calibration = sha256(bytesOf(lowering.calibration.inputs));
  if (lowering.calibrationLabels)
    options.calibrationLabels = sha256(bytesOf(lowering.calibrationLabels));
  return options;
}

function bytesOf(data: Float64Array | Int32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
