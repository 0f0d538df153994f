// Batches from .npy files for the commands and the API: model inputs (checked against the
// model as the reference executor checks them) and class labels.

import { fail } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import { checkInput } from "../run/index.js";
import { type NpyArray, readNpy } from "../util/npy.js";

/** Model inputs from a .npy file as float64, with their [batch, length, dIn] shape. */
export function readInputs(model: Model, file: string): { inputs: Float64Array; shape: number[] } {
  const npy = readNpy(file);
  const data = npy.data;
  // checkInput rejects any other dtype with a coded error before the cast matters.
  const { batch, length } = checkInput(model, data as Float32Array, npy.shape, file);
  return {
    inputs: Float64Array.from(data as Float32Array),
    shape: [batch, length, model.config.dIn],
  };
}

/**
 * Labels [batch] of a model with `classes` classes, from an integer .npy file. A batch mismatch
 * names what the labels go with: the --calib batch (QS4D-E417, the default) or the --input batch
 * (QS4D-E810).
 */
export function readLabels(
  file: string,
  batch: number,
  classes: number,
  code: "QS4D-E417" | "QS4D-E810" = "QS4D-E417",
): Int32Array {
  const npy: NpyArray = readNpy(file);
  const data = npy.data;
  const count = npy.shape.reduce((a, b) => a * b, 1);
  if (
    npy.shape.length !== 1 ||
    count !== batch ||
    data instanceof Float32Array ||
    data instanceof Float64Array
  ) {
    fail(code, { file, shape: `[${npy.shape.join(", ")}]`, dtype: npy.dtype, batch }, { file });
  }
  return checkLabelRange(data as ArrayLike<number | bigint>, classes, file);
}

/** The labels as int32 once each is a class index in 0..classes-1 (checked before narrowing). */
export function checkLabelRange(
  labels: ArrayLike<number | bigint>,
  classes: number,
  file: string,
): Int32Array {
  for (let index = 0; index < labels.length; index++) {
    const value = Number(labels[index]);
    if (!(Number.isInteger(value) && value >= 0 && value < classes)) {
      const args = { value: String(labels[index]), index, file, classes, max: classes - 1 };
      fail("QS4D-E309", args, { file });
    }
  }
  return Int32Array.from(labels, Number);
}
