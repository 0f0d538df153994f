// Symmetric integer grids for crossbar weights: codes in [-maxCode, maxCode] (a code's
// magnitude is a cell's level index), one scale per group (a channel's array columns share
// one ADC gain, so a channel is the natural group). The scale minimizes the squared error
// over a fixed set of clipping ratios, so the search is deterministic and cheap.

import { clamp, roundHalfEven } from "../../arith/numeric.js";

export interface Grid {
  readonly codes: Int32Array;
  /** One scale per group. */
  readonly scales: Float64Array;
}

/** Clipping ratios tried, from no clipping (1) down to 0.625 of the largest magnitude. */
const RATIOS = Array.from({ length: 25 }, (_, k) => 1 - k / 64);

/** Squared error of quantizing v[start, end) with `scale` (no codes written: the search). */
function groupError(
  v: Float64Array,
  start: number,
  end: number,
  scale: number,
  maxCode: number,
): number {
  let err = 0;
  for (let i = start; i < end; i++) {
    const c = clamp(roundHalfEven(v[i]! / scale), -maxCode, maxCode);
    err += (v[i]! - c * scale) ** 2;
  }
  return err;
}

/** Quantize `v` in `groups` equal contiguous groups onto [-maxCode, maxCode]. */
export function fitGrid(v: Float64Array, groups: number, maxCode: number): Grid {
  const codes = new Int32Array(v.length);
  const scales = new Float64Array(groups);
  const size = v.length / groups;
  for (let g = 0; g < groups; g++) {
    const start = g * size;
    const end = start + size;
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(v[i]!));
    if (m === 0) {
      scales[g] = 1;
      continue;
    }
    let best = Number.POSITIVE_INFINITY;
    for (const r of RATIOS) {
      const scale = (m * r) / maxCode;
      const err = groupError(v, start, end, scale, maxCode);
      if (err < best) {
        best = err;
        scales[g] = scale;
      }
    }
    for (let i = start; i < end; i++) {
      codes[i] = clamp(roundHalfEven(v[i]! / scales[g]!), -maxCode, maxCode);
    }
  }
  return { codes, scales };
}

/** Dequantized values of a grid. */
export function dequantize(grid: Grid, groups: number): Float64Array {
  const size = grid.codes.length / groups;
  const out = new Float64Array(grid.codes.length);
  for (let g = 0; g < groups; g++) {
    const s = grid.scales[g]!;
    for (let i = g * size; i < (g + 1) * size; i++) out[i] = grid.codes[i]! * s;
  }
  return out;
}

/** Signal-to-quantization-noise ratio in dB; Infinity when exact. */
export function sqnrDb(reference: ArrayLike<number>, quantized: ArrayLike<number>): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i]! ** 2;
    noise += (reference[i]! - quantized[i]!) ** 2;
  }
  if (noise === 0) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10(signal / noise);
}

export function maxAbsCode(codes: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < codes.length; i++) m = Math.max(m, Math.abs(codes[i]!));
  return m;
}
