// What a lowering decision costs, measured: the emulator's accuracy on the calibration data of a
// requantized model (laid out on the fly), used by requantize (lossy grids) and prune.

import { emulate } from "../../emulate/index.js";
import type { Model } from "../../ir/model.js";
import { emptyLayoutReport, layoutImssa } from "../layout-imssa.js";
import type { CalibrationData } from "./calibrate.js";

export function emulatedAccuracy(model: Model, data: CalibrationData, labels: Int32Array): number {
  const report = emptyLayoutReport();
  const lowered = model.hardware?.program.length === 0 ? layoutImssa(model, report) : model;
  const { logits, batch, classes } = emulate(lowered, data.inputs, data.shape);
  let correct = 0;
  for (let b = 0; b < batch; b++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (logits[b * classes + c]! > logits[b * classes + best]!) best = c;
    if (best === labels[b]) correct++;
  }
  return correct / batch;
}
