// Calibration for post-training quantization, as the passes see it: the calibration inputs and
// the forward runs over them that passes need but must not implement. Passes do not import the
// executors (docs/architecture.md, test/architecture/import-graph.test.ts): the driver
// provides the forwards with the calibration data (src/driver/forwards.ts), and the pass
// context carries them to requantize and prune.

import type { Model } from "../../ir/model.js";

export interface SsmStats {
  /** True when u is quantized per sample: x and y below are in units of one u code. */
  readonly perSample: boolean;
  /** [H] max |u| (physical units). */
  readonly uMax: Float64Array;
  /** [H * M] max over time of max(|Re x|, |Im x|) per mode. */
  readonly xMax: Float64Array;
  /** [H] max |y|. */
  readonly yMax: Float64Array;
}

/** Calibration inputs [batch, length, dIn]. */
export interface CalibrationInputs {
  readonly inputs: Float64Array;
  readonly shape: readonly number[];
}

/** The forward runs over calibration inputs that passes use (src/driver/forwards.ts). */
export interface CalibrationForwards {
  /**
   * Per-layer converter statistics of a model after discretize: the model run in float on
   * the chip's digital periphery, the SSMs in float (src/driver/calibrate.ts).
   */
  ssmStats(model: Model, data: CalibrationInputs): SsmStats[];
  /** The ideal chip's accuracy (the integer emulator) of a laid-out model on labelled inputs. */
  accuracy(model: Model, data: CalibrationInputs, labels: Int32Array): number;
}

/** Calibration inputs with the forwards that run models on them. */
export interface CalibrationData extends CalibrationInputs {
  readonly forwards: CalibrationForwards;
}

/** Per-layer statistics over all calibration samples (model after discretize). */
export function calibrate(model: Model, data: CalibrationData): SsmStats[] {
  return data.forwards.ssmStats(model, data);
}
