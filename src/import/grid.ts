// Grid detection: a float weight that already sits on a uniform symmetric grid (a QAT export
// whose fake-quantization was folded into the constants) is annotated with that grid, so that
// later passes keep its integers exact instead of requantizing a quantized tensor.
//
// Every value v of a grid tensor is fl32(k * step) with an integer k, |k| <= kmax, and the
// tensor's max |v| is kmax * step (rounded). So the candidate steps are max|v| / kmax for
// kmax = 1..MAX_CODE, and the coarsest one under which every value is an integer multiple
// (within float32 rounding) is the grid. Ordinary float weights fail: a random value lies within
// the tolerance of a grid point with probability about 2 * REL_TOL * kmax <= 2.5e-4, and a tensor
// needs MIN_ELEMENTS values to qualify, so a false detection has probability below 1e-50.

import type { AffineQuantizer } from "../ir/model.js";
import { bitsFor, symmetricQuantizer } from "../ir/quantizer.js";
import { i32, type Tensor } from "../ir/tensor.js";

/** Largest integer code considered: grids up to 8 bits (signed, narrow range). */
const MAX_CODE = 127;
/** Fewer values than this cannot be told apart from chance. */
const MIN_ELEMENTS = 16;
/** Distance to the grid allowed, relative to max |v|: a few float32 roundings. */
const REL_TOL = 2 ** -20;

interface Fit {
  readonly step: number;
  readonly maxCode: number;
}

function fitGrid(values: ArrayLike<number>, start: number, end: number): Fit | null {
  let max = 0;
  for (let i = start; i < end; i++) max = Math.max(max, Math.abs(values[i]!));
  if (!(max > 0) || !Number.isFinite(max)) return null;
  const tol = REL_TOL * max;
  for (let maxCode = 1; maxCode <= MAX_CODE; maxCode++) {
    const step = max / maxCode;
    let onGrid = true;
    for (let i = start; i < end && onGrid; i++) {
      const v = values[i]!;
      onGrid = Math.abs(v - Math.round(v / step) * step) <= tol;
    }
    if (onGrid) return { step, maxCode };
  }
  return null;
}

function codesOf(t: Tensor, values: ArrayLike<number>, stepAt: (i: number) => number): Tensor {
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = Math.round(values[i]! / stepAt(i));
  return i32(t.shape, codes);
}

/**
 * The uniform symmetric grid `t` sits on, per tensor or else per index of axis 0 (per output
 * channel), with its integer codes; null for an ordinary float tensor.
 */
export function detectGrid(t: Tensor): AffineQuantizer | null {
  const values = t.data;
  if (values === null || values.length < MIN_ELEMENTS) return null;
  const whole = fitGrid(values, 0, values.length);
  if (whole !== null) {
    return symmetricQuantizer(
      bitsFor(whole.maxCode),
      whole.step,
      null,
      codesOf(t, values, () => whole.step),
    );
  }
  const rows = t.shape[0] ?? 0;
  if (t.shape.length < 2 || rows < 2) return null;
  const rowLength = values.length / rows;
  if (rowLength < MIN_ELEMENTS) return null;
  const fits: Fit[] = [];
  for (let r = 0; r < rows; r++) {
    const fit = fitGrid(values, r * rowLength, (r + 1) * rowLength);
    if (fit === null) return null;
    fits.push(fit);
  }
  const steps = fits.map((f) => f.step);
  const maxCode = Math.max(...fits.map((f) => f.maxCode));
  return symmetricQuantizer(
    bitsFor(maxCode),
    steps,
    0,
    codesOf(t, values, (i) => steps[Math.floor(i / rowLength)]!),
  );
}
