// The small dense linear algebra of src/util/linalg on matrices whose answers are known by
// construction: orthogonal similarity of block-diagonal matrices with chosen eigenvalues,
// companion matrices of polynomials with chosen roots, products Q1 diag(s) Q2^T with chosen
// singular values, consistent and inconsistent least-squares systems.

import { describe, expect, it } from "vitest";
import { eigenvalues } from "../../src/util/linalg/eig.js";
import {
  fromRows,
  identity,
  type Matrix,
  multiply,
  transpose,
  zeros,
} from "../../src/util/linalg/matrix.js";
import { leastSquares, qr } from "../../src/util/linalg/qr.js";
import { svd } from "../../src/util/linalg/svd.js";
import { random } from "../passes/synthetic.js";

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rand = random(seed);
  const m = zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rand();
  return m;
}

/** A random orthogonal n x n matrix: the Q of a random matrix's QR. */
function randomOrthogonal(n: number, seed: number): Matrix {
  const a = randomMatrix(n, n, seed);
  const f = qr(a);
  // Q = Q I, applied column by column through the reflectors.
  let q = identity(n);
  for (let k = n - 1; k >= 0; k--) {
    const v = f.vectors[k]!;
    const tau = f.tau[k]!;
    const next = zeros(n, n);
    next.data.set(q.data);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i - k]! * q.data[i * n + j]!;
      for (let i = k; i < n; i++)
        next.data[i * n + j] = next.data[i * n + j]! - tau * s * v[i - k]!;
    }
    q = next;
  }
  return q;
}

function maxAbsDiff(a: Matrix, b: Matrix): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** Every wanted eigenvalue matched to the nearest computed one not matched yet. */
function expectSameSpectrum(
  got: { re: Float64Array; im: Float64Array },
  want: readonly (readonly [number, number])[],
  tolerance: number,
): void {
  expect(got.re.length).toBe(want.length);
  const free = Array.from(got.re, (r, i) => [r, got.im[i]!] as const);
  for (const [wr, wi] of want) {
    const distance = (g: readonly [number, number]) => Math.hypot(g[0] - wr, g[1] - wi);
    const best = free.reduce((b, g, i) => (distance(g) < distance(free[b]!) ? i : b), 0);
    expect(distance(free[best]!)).toBeLessThanOrEqual(tolerance);
    free.splice(best, 1);
  }
}

describe("qr and least squares", () => {
  it("Q R reproduces A, and Q is orthogonal", () => {
    const a = randomMatrix(9, 5, 3);
    const f = qr(a);
    const eye = zeros(9, 5);
    for (let i = 0; i < 5; i++) eye.data[i * 5 + i] = 1;
    // A = Q [R; 0]: rebuild through the reflectors.
    const r = zeros(9, 5);
    r.data.set(f.r.data);
    let qr0 = r;
    for (let k = 4; k >= 0; k--) {
      const v = f.vectors[k]!;
      const next = { ...qr0, data: Float64Array.from(qr0.data) };
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let i = k; i < 9; i++) s += v[i - k]! * qr0.data[i * 5 + j]!;
        for (let i = k; i < 9; i++)
          next.data[i * 5 + j] = next.data[i * 5 + j]! - f.tau[k]! * s * v[i - k]!;
      }
      qr0 = next;
    }
    expect(maxAbsDiff(qr0, a)).toBeLessThan(1e-14);
    const q = randomOrthogonal(6, 11);
    expect(maxAbsDiff(multiply(transpose(q), q), identity(6))).toBeLessThan(1e-14);
  });

  it("solves a consistent overdetermined system exactly", () => {
    const a = randomMatrix(12, 4, 5);
    const x = fromRows([[1], [-2], [0.5], [3]]);
    const b = multiply(a, x);
    expect(maxAbsDiff(leastSquares(a, b), x)).toBeLessThan(1e-13);
  });

  it("gives the least-squares solution of an inconsistent one (A^T r = 0)", () => {
    const a = randomMatrix(20, 3, 7);
    const b = randomMatrix(20, 2, 8);
    const x = leastSquares(a, b);
    const r = multiply(a, x);
    for (let i = 0; i < r.data.length; i++) r.data[i] = b.data[i]! - r.data[i]!;
    const normal = multiply(transpose(a), r);
    for (const v of normal.data) expect(Math.abs(v)).toBeLessThan(1e-13);
  });

  it("sets dependent unknowns to zero (basic solution) rather than blowing up", () => {
    const base = randomMatrix(10, 2, 9);
    const a = zeros(10, 3);
    for (let i = 0; i < 10; i++) {
      a.data[i * 3] = base.data[i * 2]!;
      a.data[i * 3 + 1] = base.data[i * 2 + 1]!;
      a.data[i * 3 + 2] = 2 * base.data[i * 2]!; // column 2 = 2 x column 0
    }
    const b = multiply(a, fromRows([[1], [1], [1]]));
    const x = leastSquares(a, b);
    expect(x.data.filter((v) => v === 0).length).toBe(1);
    const fit = multiply(a, x);
    expect(maxAbsDiff(fit, b)).toBeLessThan(1e-13);
  });
});

describe("svd", () => {
  it("recovers chosen singular values and right singular vectors", () => {
    const s = [5, 2, 1, 1e-3, 1e-9];
    const u0 = randomOrthogonal(8, 21);
    const v0 = randomOrthogonal(5, 22);
    const d = zeros(8, 5);
    s.forEach((x, i) => {
      d.data[i * 5 + i] = x;
    });
    const a = multiply(multiply(u0, d), transpose(v0));
    const r = svd(a);
    s.forEach((x, i) => {
      expect(Math.abs(r.s[i]! - x) / x).toBeLessThan(i < 4 ? 1e-13 : 1e-6);
    });
    expect(maxAbsDiff(multiply(transpose(r.v), r.v), identity(5))).toBeLessThan(1e-13);
    // V^T A^T A V = diag(s^2), and each v_i is +-v0_i (distinct singular values).
    const av = multiply(a, r.v);
    const gram = multiply(transpose(av), av);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++)
        expect(Math.abs(gram.data[i * 5 + j]! - (i === j ? s[i]! ** 2 : 0))).toBeLessThan(1e-13);
    for (let k = 0; k < 4; k++) {
      let dot = 0;
      for (let i = 0; i < 5; i++) dot += r.v.data[i * 5 + k]! * v0.data[i * 5 + k]!;
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-10);
    }
  });

  it("finds the rank of a rank-deficient matrix", () => {
    const a = multiply(randomMatrix(10, 3, 31), randomMatrix(3, 6, 32));
    const r = svd(a);
    expect(r.s[2]!).toBeGreaterThan(1e-3);
    for (let i = 3; i < 6; i++) expect(r.s[i]! / r.s[0]!).toBeLessThan(1e-14);
  });
});

describe("eigenvalues", () => {
  it("of a real matrix with chosen real and complex-conjugate eigenvalues", () => {
    // Block diagonal: two rotation-scaling blocks (a +- ib) and two reals, then Q B Q^T.
    const blocks = [
      [0.9, 0.3],
      [0.5, -0.7],
    ];
    const reals = [0.99, -0.2];
    const n = 6;
    const b = zeros(n, n);
    blocks.forEach(([re, im], k) => {
      b.data[2 * k * n + 2 * k] = re!;
      b.data[2 * k * n + 2 * k + 1] = im!;
      b.data[(2 * k + 1) * n + 2 * k] = -im!;
      b.data[(2 * k + 1) * n + 2 * k + 1] = re!;
    });
    reals.forEach((x, k) => {
      b.data[(4 + k) * n + 4 + k] = x;
    });
    const q = randomOrthogonal(n, 41);
    const a = multiply(multiply(q, b), transpose(q));
    const want = [
      ...blocks.flatMap(([re, im]) => [[re!, im!] as const, [re!, -im!] as const]),
      ...reals.map((x) => [x, 0] as const),
    ];
    expectSameSpectrum(eigenvalues(a), want, 1e-12);
  });

  it("of a companion matrix: the roots of its polynomial", () => {
    // (z - 1)(z - 2)(z - 3)(z + 0.5)(z^2 + 1) = z^6 + c5 z^5 + ... + c0, roots 1, 2, 3, -0.5, +-i.
    const roots: [number, number][] = [
      [1, 0],
      [2, 0],
      [3, 0],
      [-0.5, 0],
      [0, 1],
      [0, -1],
    ];
    // Multiply out (real coefficients, highest first).
    let poly = [1];
    const mul = (p: number[], q: number[]) => {
      const out = new Array<number>(p.length + q.length - 1).fill(0);
      p.forEach((x, i) => {
        q.forEach((y, j) => {
          out[i + j]! += x * y;
        });
      });
      return out;
    };
    for (const r of [1, 2, 3, -0.5]) poly = mul(poly, [1, -r]);
    poly = mul(poly, [1, 0, 1]);
    const n = 6;
    const c = zeros(n, n);
    for (let j = 0; j < n; j++) c.data[j] = -poly[j + 1]!;
    for (let i = 1; i < n; i++) c.data[i * n + i - 1] = 1;
    expectSameSpectrum(eigenvalues(c), roots, 1e-10);
  });

  it("of a complex matrix: U T U^* with T triangular", () => {
    const n = 5;
    const diag: [number, number][] = [
      [1, 2],
      [-0.5, 0.25],
      [0.3, -0.9],
      [2, 0],
      [0, 0],
    ];
    const rand = random(51);
    const tr = zeros(n, n);
    const ti = zeros(n, n);
    for (let i = 0; i < n; i++) {
      tr.data[i * n + i] = diag[i]![0];
      ti.data[i * n + i] = diag[i]![1];
      for (let j = i + 1; j < n; j++) {
        tr.data[i * n + j] = rand();
        ti.data[i * n + j] = rand();
      }
    }
    // A unitary U = Q (real orthogonal) times a diagonal of phases.
    const q = randomOrthogonal(n, 52);
    const phase = Array.from({ length: n }, (_, k) => 0.7 * k + 0.1);
    const ur = zeros(n, n);
    const ui = zeros(n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        ur.data[i * n + j] = q.data[i * n + j]! * Math.cos(phase[j]!);
        ui.data[i * n + j] = q.data[i * n + j]! * Math.sin(phase[j]!);
      }
    // A = U T U^*, complex products by planes.
    const cmul = (ar: Matrix, ai: Matrix, br: Matrix, bi: Matrix) => {
      const rr = multiply(ar, br);
      const ii = multiply(ai, bi);
      const ri = multiply(ar, bi);
      const ir = multiply(ai, br);
      for (let k = 0; k < rr.data.length; k++) {
        rr.data[k] = rr.data[k]! - ii.data[k]!;
        ri.data[k] = ri.data[k]! + ir.data[k]!;
      }
      return [rr, ri] as const;
    };
    const [xr, xi] = cmul(ur, ui, tr, ti);
    const uhr = transpose(ur);
    const uhi = transpose(ui);
    for (let k = 0; k < uhi.data.length; k++) uhi.data[k] = -uhi.data[k]!;
    const [ar, ai] = cmul(xr, xi, uhr, uhi);
    expectSameSpectrum(eigenvalues(ar, ai), diag, 1e-12);
  });

  it("of tiny and trivial matrices", () => {
    expectSameSpectrum(eigenvalues(fromRows([[0.5]])), [[0.5, 0]], 0);
    expectSameSpectrum(
      eigenvalues(
        fromRows([
          [0, -1],
          [1, 0],
        ]),
      ),
      [
        [0, 1],
        [0, -1],
      ],
      1e-15,
    );
    expectSameSpectrum(
      eigenvalues(zeros(3, 3)),
      [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      0,
    );
  });
});
