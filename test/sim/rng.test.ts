// The device model's random numbers (src/sim/rng.ts): the ziggurat's normals are standard
// normal (moments, Kolmogorov-Smirnov against the normal CDF, tail frequencies beyond the
// ziggurat's base layer), the batched fill draws exactly the one-at-a-time sequence, and
// streams are keyed by what they are for. Seeds are fixed: the bounds are 5-sigma ones for
// these sample sizes, so a wrong table or a lost sign fails and a correct sampler never does.

import { describe, expect, it } from "vitest";
import { Purpose, Rng } from "../../src/sim/rng.js";
import { erf } from "../../src/util/erf.js";

const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

function draws(n: number, seed = 7): Float64Array {
  const rng = new Rng(seed, Purpose.read, 1, 2);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = rng.gaussian();
  return z;
}

describe("Rng.gaussian (ziggurat)", () => {
  const n = 1_000_000;
  const z = draws(n);

  it("has the standard normal's first four moments", () => {
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of z) {
      m1 += v;
      m2 += v * v;
      m3 += v * v * v;
      m4 += v * v * v * v;
    }
    // Standard errors of the sample moments of N(0, 1): sqrt(1/n), sqrt(2/n), sqrt(15/n), sqrt(96/n).
    expect(Math.abs(m1 / n)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m3 / n)).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(m4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it("passes Kolmogorov-Smirnov against the normal CDF", () => {
    const sorted = Float64Array.from(z).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = normalCdf(sorted[i]!);
      d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
    // P(sqrt(n) D > 1.95) < 0.001 for a correct sampler.
    expect(Math.sqrt(n) * d).toBeLessThan(1.95);
  });

  it("draws the tails at the normal's rates, beyond the base layer (R = 3.654) too", () => {
    for (const t of [1, 2, 3, 3.6541528853610088, 4]) {
      const p = 2 * (1 - normalCdf(t));
      let count = 0;
      for (const v of z) if (Math.abs(v) > t) count++;
      expect(Math.abs(count - n * p), `|z| > ${t}`).toBeLessThan(
        5 * Math.sqrt(n * p * (1 - p)) + 1,
      );
    }
    let negative = 0;
    for (const v of z) if (v < -3.6541528853610088) negative++;
    let positive = 0;
    for (const v of z) if (v > 3.6541528853610088) positive++;
    const tail = n * (1 - normalCdf(3.6541528853610088));
    for (const count of [negative, positive])
      expect(Math.abs(count - tail)).toBeLessThan(5 * Math.sqrt(tail) + 1);
  });

  it("fills a batch with exactly the draws of one-at-a-time calls, rejections included", () => {
    const one = new Rng(3, Purpose.read, 0, 5);
    const batch = new Rng(3, Purpose.read, 0, 5);
    const out = new Float64Array(20_000);
    batch.gaussians(out, 7_000);
    batch.gaussians(out.subarray(7_000), 13_000);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(one.gaussian());
    // The batch left the generator where the calls did.
    expect(batch.nextU32()).toBe(one.nextU32());
  });

  it("keys streams by purpose and by its two words", () => {
    const a = new Rng(1, Purpose.read, 0, 0).nextU32();
    expect(new Rng(1, Purpose.read, 0, 0).nextU32()).toBe(a);
    for (const other of [
      new Rng(2, Purpose.read, 0, 0),
      new Rng(1, Purpose.programming, 0, 0),
      new Rng(1, Purpose.read, 1, 0),
      new Rng(1, Purpose.read, 0, 1),
    ])
      expect(other.nextU32()).not.toBe(a);
  });
});
