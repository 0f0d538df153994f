// Channels larger than one array (docs/chip-arithmetic.md §3, "Channels split over arrays"):
// how their modes are split into parts, and how the parts convert their partial y. Each part's
// ADC resolves its partial sum on a grid 2^fraction times finer than y's, in one or two
// conversion steps more than y itself needs (requantize chooses, Ssm.splitFraction), with a range
// 2^PART_HEADROOM_BITS times y's (a part whose sum the others cancel is not clipped). The commit
// adds the parts' fine codes exactly and rounds once to y's grid (a negative readout shift), so
// y differs from the unsplit channel's only where the whole sum lies within
// parts x 2^-(fraction + 1) codes of a rounding boundary, and then by one code.

import type { HardwareParams } from "../../ir/hardware.js";
import { MAX_CODE, MAX_FRACTION_BITS } from "../../ir/limits.js";
import { type IntegerSsm, modeIsNull } from "./integer-ssm.js";

/** A part's partial sum may reach 4x the range of y before its own ADC clips it. */
export const PART_HEADROOM_BITS = 2;

export interface PartReadout {
  /** Bits below y's grid that each part's code carries: its readout shift is -fraction. */
  readonly fraction: number;
  /** The part readout's ADC limit, in fine codes. */
  readonly limit: number;
}

/** Smallest m with 2^m - 1 >= limit: the magnitude bits of a code up to `limit`. */
function magnitudeBits(limit: number): number {
  return Math.max(1, Math.ceil(Math.log2(limit + 1)));
}

/**
 * The fraction bits of a part's conversion that take `extraSteps` conversion steps more than y
 * itself needs on an ADC of `adcBits` (docs/chip-arithmetic.md §2, multi-step conversions),
 * with PART_HEADROOM_BITS of range above y's, within the executors' limits.
 */
export function partFraction(yLimit: number, adcBits: number, extraSteps: number): number {
  const digit = adcBits - 1;
  const yBits = magnitudeBits(yLimit);
  const bits = (Math.ceil(yBits / digit) + extraSteps) * digit;
  const room = Math.floor(Math.log2(MAX_CODE + 1)) - yBits - PART_HEADROOM_BITS;
  return Math.max(1, Math.min(bits - yBits - PART_HEADROOM_BITS, MAX_FRACTION_BITS, room));
}

/** The part conversion of a layer's split channels: its IR choice, else one step more. */
export function partReadout(s: IntegerSsm, adcBits: number): PartReadout {
  const fraction = s.splitFraction ?? partFraction(s.yLimit, adcBits, 1);
  return { fraction, limit: 2 ** (magnitudeBits(s.yLimit) + PART_HEADROOM_BITS + fraction) - 1 };
}

/**
 * The channel's modes in parts that each fit one array: one part when the whole block fits
 * (the usual case), else as many modes per part as fit, in mode order. Each part has its own
 * u rows and partial y columns; only the first has the u1 rows of D. When not even one mode
 * fits beside them, the block stays whole and `tile` reports it (QS4D-E412).
 */
export function splitModes(
  modes: readonly number[],
  params: HardwareParams,
  delayedRows: boolean,
): (readonly number[])[] {
  const rowsPerSignal = params.encoding === "differential-columns" ? 1 : 2;
  const colsPerOutput = 2 * params.slices;
  const modeRows = 2 * rowsPerSignal;
  const modeCols = 2 * colsPerOutput;
  const yCols = colsPerOutput + (params.outputColumns === 4 ? 2 : 0);
  const capacity = (fixedRows: number) =>
    Math.min(
      Math.floor((params.rows - fixedRows) / modeRows),
      Math.floor((params.cols - yCols) / modeCols),
    );
  const first = capacity(rowsPerSignal * (delayedRows ? 2 : 1));
  const rest = capacity(rowsPerSignal);
  if (modes.length <= first || first < 1 || rest < 1) return [modes];
  const parts = [modes.slice(0, first)];
  for (let i = first; i < modes.length; i += rest) parts.push(modes.slice(i, i + rest));
  return parts;
}

/** [H] the parts each channel of the layer is split into (1: not split). */
export function channelParts(s: IntegerSsm, params: HardwareParams): Int32Array {
  const delayedRows = params.outputMode === "lagged" && s.d !== null;
  return Int32Array.from({ length: s.H }, (_, h) => {
    const modes = Array.from({ length: s.M }, (_, n) => n).filter((n) => !modeIsNull(s, h, n));
    return splitModes(modes, params, delayedRows).length;
  });
}

/**
 * [H] the output variance (codes^2) that splitting adds to each channel (parts from
 * channelParts), or null when no channel of the layer is split. With e the sum of the J parts' fine rounding errors (each
 * uniform over 2^-fraction codes, so e is close to Gaussian with sigma = sqrt(J / 12) 2^-fraction),
 * y moves by one code from the unsplit rounding with probability E|e| (the sum's fraction
 * spread uniformly): variance E|e| = sqrt(2 / pi) sigma. Counted before pruning, which can
 * only make parts fewer.
 */
export function splitOutputNoise(parts: Int32Array, fraction: number): Float64Array | null {
  if (parts.every((j) => j === 1)) return null;
  return Float64Array.from(parts, (j) =>
    j > 1 ? Math.sqrt(2 / Math.PI) * Math.sqrt(j / 12) * 2 ** -fraction : 0,
  );
}
