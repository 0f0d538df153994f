// What a lowering decision costs, measured: the ideal chip's accuracy on the calibration data
// of a requantized model (laid out on the fly), used by requantize (lossy grids) and prune. The
// emulator runs it, through the calibration's forwards (src/driver/forwards.ts).

import type { Model } from "../../ir/model.js";
import { emptyLayoutReport, layoutImssa } from "../layout-imssa.js";
import type { CalibrationData } from "./calibrate.js";

export function emulatedAccuracy(model: Model, data: CalibrationData, labels: Int32Array): number {
  const report = emptyLayoutReport();
  const lowered = model.hardware?.program.length === 0 ? layoutImssa(model, report) : model;
  return data.forwards.accuracy(lowered, data, labels);
}
