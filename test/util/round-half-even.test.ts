// Both implementations of round half to even (src/arith for the compiler, emulator and
// reference executor; src/sim/arith.ts for the simulator) take a fast path for |x| < 2^51
// (adding 1.5 x 2^52); so does the emulator's ADC code (adcCode: clamp, then round). Checked against a definition from floor, bit for bit (Object.is: the
// sign of a zero too, which reaches float outputs), over every binade, on the halves, at the
// edges of the fast path and beyond it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adcCode, roundHalfEven } from "../../src/arith/numeric.js";
import { roundClamp } from "../../src/sim/arith.js";

/** Nearest integer, a tie to the even one; a zero result takes the sign of x. */
function reference(x: number): number {
  if (!Number.isFinite(x)) return x;
  const down = Math.floor(x);
  const diff = x - down; // exact: x and its floor share a binade's grid or x is an integer
  let r = diff < 0.5 ? down : diff > 0.5 ? down + 1 : down % 2 === 0 ? down : down + 1;
  if (r === 0) r = x < 0 || Object.is(x, -0) ? -0 : 0;
  return r;
}

const edges = [
  0,
  -0,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  0.49999999999999994,
  -0.49999999999999994,
  2 ** 51 - 0.5,
  -(2 ** 51) + 0.5,
  2 ** 51,
  -(2 ** 51),
  2 ** 51 + 0.5,
  -(2 ** 51) - 0.5,
  2 ** 52 - 0.5,
  2 ** 52,
  2 ** 53 + 2,
  1e300,
  -1e-300,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Infinity,
  -Infinity,
];

/** Doubles of every magnitude up to 2^60, and the halves among them. */
const anyScale = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 60 }))
  .chain(([m, k]) => fc.constantFrom(m * 2 ** k, Math.floor(m * 2 ** k) + 0.5));

describe("round half to even", () => {
  it.each(edges)("roundHalfEven(%s) as defined, zero signs included", (x) => {
    expect(Object.is(roundHalfEven(x), reference(x))).toBe(true);
  });

  it("roundHalfEven agrees with the definition on every scale", () => {
    fc.assert(
      fc.property(anyScale, (x) => Object.is(roundHalfEven(x), reference(x))),
      {
        numRuns: 20000,
        seed: 7,
      },
    );
  });

  it("the simulator's roundClamp rounds the same and clamps to its bound", () => {
    const bound = 2 ** 31 - 1;
    const clamped = (x: number) => (x >= bound ? bound : x <= -bound ? -bound : reference(x));
    for (const x of edges) expect(Object.is(roundClamp(x, bound), clamped(x))).toBe(true);
    for (const x of edges) expect(Object.is(roundClamp(x, Infinity), reference(x))).toBe(true);
    fc.assert(
      fc.property(anyScale, (x) => Object.is(roundClamp(x, bound), clamped(x))),
      {
        numRuns: 20000,
        seed: 11,
      },
    );
    expect(Number.isNaN(roundClamp(Number.NaN, bound))).toBe(true);
  });

  it.each([0, 1, 127, 2 ** 31 - 1])(
    "the emulator's adcCode is the clamped rounding, a zero as +0 (bound %s)",
    (bound) => {
      const clamped = (x: number) => Math.min(Math.max(reference(x), -bound), bound) + 0;
      for (const x of edges) expect(Object.is(adcCode(x, bound), clamped(x))).toBe(true);
      for (const x of [bound - 0.5, bound + 0.5, -bound - 0.5, -bound + 0.5, bound / 2 + 0.5])
        expect(Object.is(adcCode(x, bound), clamped(x))).toBe(true);
      fc.assert(
        fc.property(anyScale, (x) => Object.is(adcCode(x, bound), clamped(x))),
        { numRuns: 5000, seed: 13 },
      );
    },
  );
});
