// Scalar building blocks of the executor against independent values: erf from CPython's
// math.erf (the platform libm), hand-derived roundings, discretization formulas evaluated
// directly in complex arithmetic.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { discretizeMode, phi1 } from "../../src/arith/discretize.js";
import { roundHalfEven } from "../../src/arith/numeric.js";
import { maxQuantize } from "../../src/arith/quantize.js";
import { gelu } from "../../src/run/numeric.js";
import { erf } from "../../src/util/erf.js";

const ulps = (a: number, b: number) =>
  Math.abs(a - b) / (Math.abs(b) * 2 ** -52 || Number.MIN_VALUE);

describe("erf and GELU", () => {
  // (x, math.erf(x)) from CPython 3 on glibc.
  const table: [number, number][] = [
    [1e-10, 1.1283791670955126e-10],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [0.84375, 0.7672256612323416],
    [1.0, 0.8427007929497149],
    [1.2, 0.9103139782296353],
    [1.25, 0.9229001282564582],
    [2.0, 0.9953222650189527],
    [2.857, 0.9999466417399131],
    [3.5, 0.9999992569016276],
    [5.9, 0.9999999999999999],
    [-0.7, -0.6778011938374184],
    [-1.9, -0.9927904292352575],
    [-4.2, -0.9999999971445058],
  ];
  it.each(table)("erf(%s) within 1 ulp of libm", (x, expected) => {
    expect(ulps(erf(x), expected)).toBeLessThanOrEqual(1);
  });

  it("is odd, bounded and saturates", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -40, max: 40, noNaN: true }),
        (x) => erf(-x) === -erf(x) && Math.abs(erf(x)) <= 1,
      ),
    );
    expect(erf(6)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(Number.isNaN(erf(Number.NaN))).toBe(true);
  });

  it.each([
    [1.0, 0.8413447460685429],
    [-1.0, -0.15865525393145707],
    [0.5, 0.34573123063700656],
    [-3.0, -0.00404969409489031],
    [2.0, 1.9544997361036416],
  ])("gelu(%s) = x Phi(x)", (x, expected) => {
    expect(ulps(gelu(x), expected)).toBeLessThanOrEqual(2);
  });
});

describe("round half to even", () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, -0],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999999999999996, 2],
    [-3.5000000000000004, -4],
    [7, 7],
  ])("%s -> %s", (x, r) => {
    expect(roundHalfEven(x)).toBe(r);
  });
});

describe("the QS4D max quantizer", () => {
  it("maps max |x| to Q/2 and rounds half to even", () => {
    // Q = 4: s = 2; x*s = [0.6, -2, 0.98, 1.5] -> [1, -2, 1, 2]
    const q = maxQuantize([0.3, -1, 0.49, 0.75], 4);
    expect(q.scale).toBe(2);
    expect(Array.from(q.codes)).toEqual([1, -2, 1, 2]);
    expect(Array.from(q.values)).toEqual([0.5, -1, 0.5, 1]);
  });

  it("is ternary at Q = 2 and guards max |x| = 0 with 1e-5", () => {
    expect(Array.from(maxQuantize([0.3, -1, 0.6], 2).codes)).toEqual([0, -1, 1]);
    const zero = maxQuantize([0, 0], 8);
    expect(zero.scale).toBe(Math.fround(Math.fround(1 / Math.fround(1e-5)) * 4));
    expect(Array.from(zero.values)).toEqual([0, 0]);
  });
});

function cmul(a: [number, number], b: [number, number]): [number, number] {
  return [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
}
function cdiv(a: [number, number], b: [number, number]): [number, number] {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
}
function cexp(z: [number, number]): [number, number] {
  return [Math.exp(z[0]) * Math.cos(z[1]), Math.exp(z[0]) * Math.sin(z[1])];
}

describe("discretization", () => {
  const close = (a: number, b: number, tol: number) =>
    Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

  it("ZOH: lambda = exp(dt A), Bbar = (lambda - 1)/A * B", () => {
    const dt = 0.03;
    const A: [number, number] = [-0.5, 2.2];
    const B: [number, number] = [0.7, -0.4];
    const m = discretizeMode("zoh", dt, A[0], A[1], B[0], B[1]);
    const lam = cexp([dt * A[0], dt * A[1]]);
    const bbar = cmul(cdiv([lam[0] - 1, lam[1]], A), B);
    expect(close(m.lamRe, lam[0], 1e-15) && close(m.lamIm, lam[1], 1e-15)).toBe(true);
    expect(close(m.bRe, bbar[0], 1e-12) && close(m.bIm, bbar[1], 1e-12)).toBe(true);
  });

  it("bilinear: lambda = (1 + dt A/2)/(1 - dt A/2), Bbar = dt/(1 - dt A/2) * B", () => {
    const dt = 0.2;
    const A: [number, number] = [-1.5, 4];
    const B: [number, number] = [1.1, 0.3];
    const m = discretizeMode("bilinear", dt, A[0], A[1], B[0], B[1]);
    const den: [number, number] = [1 - (dt * A[0]) / 2, (-dt * A[1]) / 2];
    const lam = cdiv([1 + (dt * A[0]) / 2, (dt * A[1]) / 2], den);
    const bbar = cmul(cdiv([dt, 0], den), B);
    expect(close(m.lamRe, lam[0], 1e-15) && close(m.lamIm, lam[1], 1e-15)).toBe(true);
    expect(close(m.bRe, bbar[0], 1e-15) && close(m.bIm, bbar[1], 1e-15)).toBe(true);
  });

  it("A = 0 is the integrator limit, not 0/0: lambda = 1, Bbar = dt B", () => {
    for (const method of ["zoh", "bilinear"] as const) {
      const m = discretizeMode(method, 0.05, 0, 0, 2, -1);
      expect([m.lamRe, m.lamIm, m.bRe, m.bIm]).toEqual([1, 0, 0.1, -0.05]);
    }
  });

  it("phi1(z) = (e^z - 1)/z keeps full precision as z -> 0 (Taylor 1 + z/2 + z^2/6)", () => {
    for (const z of [
      [1e-9, 0],
      [0, 1e-9],
      [-3e-7, 2e-7],
      [1e-300, -1e-300],
    ] as [number, number][]) {
      const p = phi1(z[0], z[1]);
      const z2 = cmul(z, z);
      expect(close(p.re, 1 + z[0] / 2 + z2[0] / 6, 1e-15)).toBe(true);
      expect(close(p.im, z[1] / 2 + z2[1] / 6, 1e-15)).toBe(true);
    }
  });

  it("phi1 is continuous across its series threshold and exact far from 0", () => {
    const taylor = (z: [number, number]) => {
      // sum_k z^k / (k+1)!, k = 0..8
      let term: [number, number] = [1, 0];
      const sum: [number, number] = [1, 0];
      for (let k = 1; k <= 8; k++) {
        term = cmul(term, [z[0] / (k + 1), z[1] / (k + 1)]);
        sum[0] += term[0];
        sum[1] += term[1];
      }
      return sum;
    };
    for (const z of [
      [0.99e-4, 0],
      [1.01e-4, 0],
      [0, -1.2e-4],
      [7e-5, 7e-5],
      [0.01, -0.02],
    ] as [number, number][]) {
      const p = phi1(z[0], z[1]);
      const t = taylor(z);
      expect(close(p.re, t[0], 4.5e-16) && close(p.im, t[1], 4.5e-16), `z = ${z}`).toBe(true); // 2 ulps
    }
    const z: [number, number] = [-2, 3];
    const e = cexp(z);
    const direct = cdiv([e[0] - 1, e[1]], z);
    const p = phi1(z[0], z[1]);
    expect(close(p.re, direct[0], 1e-15) && close(p.im, direct[1], 1e-15)).toBe(true);
  });
});
