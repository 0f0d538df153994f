// The simulator's own scalar arithmetic (docs/chip-arithmetic.md): round half to even with a
// clamp (every converter: the ADC of a readout, the DAC of a static or per-sample input code),
// and the QS4D max quantizer of the per-sample converters.
//
// A deliberate second implementation, kept in this one file. The compiler, the integer
// emulator and the reference executor share src/arith/ (one copy of each rounding rule); the
// simulator reads chip.bin only and imports nothing from src/arith, src/ir, src/passes,
// src/emulate or src/run (docs/architecture.md, test/architecture/import-graph.test.ts), so
// that when it agrees with the emulator bit for bit (test/sim/exact.test.ts, `qs4dc verify`)
// two implementations written from the one specification agree, not one with itself. The
// special function erf is platform arithmetic, like Math.exp: both executors take it from
// src/util/erf.ts.

/** 1.5 x 2^52, and the |x| below which adding it rounds x to an integer. */
const HALF_EVEN_ROUNDER = 6755399441055744;
const HALF_EVEN_RANGE = 2 ** 51;

/**
 * Round half to even, then clamp to [-bound, bound] (bound an integer). Clamped first: beyond
 * an integer bound the rounded value is beyond it too, so the result is the same.
 */
export function roundClamp(x: number, bound: number): number {
  if (x >= bound) return bound;
  if (x <= -bound) return -bound;
  if (x > -HALF_EVEN_RANGE && x < HALF_EVEN_RANGE) {
    // In [2^52, 2^53) binary64 holds exactly the integers: the addition rounds half to even
    // and the subtraction is exact. Math.round measured 8x slower in V8.
    const sum = x + HALF_EVEN_ROUNDER - HALF_EVEN_ROUNDER;
    return sum === 0 ? x * 0 : sum; // a zero keeps x's sign, as Math.round's does
  }
  let r = Math.round(x); // half rounds toward +infinity
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return r;
}

/** A commit's sum of fractional shifted codes (negative shifts), rounded half to even. */
export function commitRound(sum: number): number {
  return roundClamp(sum, Number.POSITIVE_INFINITY);
}

/** ADC code: round half to even, then the readout's clamp. */
export const adcCode: (analog: number, limit: number) => number = roundClamp;

/** The QS4D max quantizer's scale: s = f32(f32(1 / max(f32(m), f32(1e-5))) * Q/2). */
export function sampleScale(maxAbs: number, levels: number): number {
  const clipped = Math.max(Math.fround(maxAbs), Math.fround(1e-5));
  return Math.fround(Math.fround(1 / clipped) * (levels / 2));
}

/** Code of the max quantizer: clamp(rhe(f32(v * s)), -floor(Q/2), floor(Q/2)). */
export function sampleCode(v: number, scale: number, levels: number): number {
  return roundClamp(Math.fround(v * scale), Math.floor(levels / 2));
}

/** Static DAC code of the SSM input: clamp(rhe(f32(u / s_h)), -Q, Q). */
export function staticCode(u: number, scale: number, limit: number): number {
  return roundClamp(Math.fround(u / scale), limit);
}
