// The numeric limits within which the two executors of a lowered IR are exact
// (docs/chip-arithmetic.md "Limits"). The verifier (verify-hardware.ts) checks every one of
// them, each with its own code, and the executors size and type their buffers from them: the
// emulator keeps registers, readout limits and cell coefficients in Int32Array and a
// conversion's term sums in a Float64Array of the crossbar's own term count.

/**
 * The largest register code, readout limit, level count and cell coefficient
 * (level x levels^slice): the largest int32 (QS4D-E432, and QS4D-E049 for the model's
 * quantizers).
 */
export const MAX_CODE = 2 ** 31 - 1;

/**
 * Integers of magnitude below 2^53 are exact in binary64: every partial sum of a conversion's
 * S_k stays below it when sum over its cells of level x levels^slice x the row signal's limit
 * does (QS4D-E431).
 */
export const EXACT_INTEGER = 2 ** 53;

/** Term slots per conversion (`termSignals.shape[1]`), as chip.bin allows (QS4D-E430). */
export const MAX_TERMS = 64;

/** Readout shifts are in -MAX_FRACTION_BITS..MAX_SHIFT (docs/chip-arithmetic.md §2). */
export const MAX_SHIFT = 30;

/**
 * A negative shift makes a code a fraction of a register code (2^shift, a split channel's
 * finer partial conversions): at most this many fraction bits, so that with the commit-sum
 * bound below every commit sum is an exact binary64 dyadic number.
 */
export const MAX_FRACTION_BITS = 16;

/**
 * Per written element, the sum over the primaries writing it of limit x 2^shift stays below
 * 2^(53 - f), f the most fraction bits among them (0 when no shift is negative): the commit's
 * binary64 sum of shifted codes is then exact in any order (QS4D-E433).
 */
export function commitSumBound(fractionBits: number): number {
  return 2 ** (53 - fractionBits);
}
