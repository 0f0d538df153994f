// The forward runs that passes need over calibration data (src/passes/lib/calibrate.ts
// CalibrationForwards), with the executors they need: the float calibration forward on the
// chip's digital periphery, and the integer emulator's accuracy. The driver attaches them to
// the calibration data it hands the passes (lower.ts), so that passes never import an executor.

import { emulate } from "../emulate/index.js";
import type { Model } from "../ir/model.js";
import type { CalibrationForwards, CalibrationInputs } from "../passes/lib/calibrate.js";
import { ssmStats } from "./calibrate.js";

/** Argmax accuracy of the emulator on labelled inputs (first maximum wins a tie). */
export function emulatorAccuracy(
  model: Model,
  data: CalibrationInputs,
  labels: Int32Array,
): number {
  const { logits, batch, classes } = emulate(model, data.inputs, data.shape);
  let correct = 0;
  for (let b = 0; b < batch; b++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (logits[b * classes + c]! > logits[b * classes + best]!) best = c;
    if (best === labels[b]) correct++;
  }
  return correct / batch;
}

/** The forwards, the statistics on `threads` threads (default: as the work is worth). */
export function chipForwards(threads?: number): CalibrationForwards {
  return {
    ssmStats: (model, data) => ssmStats(model, data, threads),
    accuracy: emulatorAccuracy,
  };
}

export const CHIP_FORWARDS: CalibrationForwards = chipForwards();
