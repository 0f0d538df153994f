// The simulator's inputs, checked against what the chip expects (d_in from chip.bin alone):
// [batch, length, d_in] (or [batch, length] when d_in = 1), float32 or float64, finite; and
// labels [batch] of integers. Coded errors name the file.

import { fail } from "../diag/error.js";
import type { NpyArray } from "../util/npy.js";

export interface SimInput {
  readonly data: Float32Array | Float64Array;
  readonly batch: number;
  readonly length: number;
  readonly dIn: number;
}

export function checkSimInput(npy: NpyArray, dIn: number, file: string, chip: string): SimInput {
  const { data, shape } = npy;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    fail("QS4D-E602", { input: file, dtype: npy.dtype }, { file });
  }
  const rankOk = shape.length === 3 ? shape[2] === dIn : shape.length === 2 && dIn === 1;
  if (!rankOk || shape[0]! < 1 || shape[1]! < 1) {
    const expected =
      dIn === 1 ? "[batch, length, 1] or [batch, length]" : `[batch, length, ${dIn}]`;
    fail("QS4D-E601", { input: file, shape: `[${shape.join(", ")}]`, chip, expected }, { file });
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const at = [Math.floor(i / (shape[1]! * dIn)), Math.floor(i / dIn) % shape[1]!, i % dIn];
      fail("QS4D-E603", { input: file, value: String(data[i]), index: at.join(", ") }, { file });
    }
  }
  return { data, batch: shape[0]!, length: shape[1]!, dIn };
}

/** Labels [batch] as integers (int8, int32 or int64 .npy). */
export function checkLabels(
  npy: NpyArray,
  batch: number,
  classes: number,
  file: string,
): Int32Array {
  const { data, shape } = npy;
  const integer = !(data instanceof Float32Array || data instanceof Float64Array);
  if (!integer || shape.length !== 1 || shape[0] !== batch) {
    fail("QS4D-E605", { file, shape: `[${shape.join(", ")}]`, dtype: npy.dtype, batch }, { file });
  }
  // Checked before the int32 narrowing: an int64 label of 2^40 must not wrap into range.
  const values = Array.from(data as ArrayLike<number | bigint>, Number);
  const bad = values.findIndex((v) => v < 0 || v >= classes);
  if (bad >= 0) {
    const value = String((data as ArrayLike<number | bigint>)[bad]);
    fail("QS4D-E606", { file, index: bad, value, classes }, { file });
  }
  return Int32Array.from(values);
}
