// Thin singular value decomposition of a real m x n matrix (m >= n): A = U diag(s) V^T, s in
// decreasing order. A is first reduced to its n x n triangular factor R (Householder QR), then
// R is orthogonalized by one-sided Jacobi rotations (Hestenes): the columns of R V converge to
// U_R diag(s). One-sided Jacobi computes small singular values to high relative accuracy,
// which is what separating a signal subspace from float32 rounding noise needs.

import { frobenius, type Matrix, zeros } from "./matrix.js";
import { applyQ, qr } from "./qr.js";

export interface Svd {
  /** Singular values, decreasing. */
  readonly s: Float64Array;
  /** m x n; column j for s_j. Columns of zero singular values are 0. */
  readonly u: Matrix;
  /** n x n orthogonal; column j for s_j. */
  readonly v: Matrix;
}

const MAX_SWEEPS = 80;

function rotatePair(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

/** Rotates columns p, q of a column list so that they become orthogonal. */
function rotate(cols: Float64Array[], v: Float64Array[], p: number, q: number): boolean {
  const a = cols[p]!;
  const b = cols[q]!;
  let alpha = 0;
  let beta = 0;
  let gamma = 0;
  for (let i = 0; i < a.length; i++) {
    alpha += a[i]! * a[i]!;
    beta += b[i]! * b[i]!;
    gamma += a[i]! * b[i]!;
  }
  if (gamma === 0 || Math.abs(gamma) <= Number.EPSILON * Math.sqrt(alpha * beta)) return false;
  const zeta = (beta - alpha) / (2 * gamma);
  const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
  const c = 1 / Math.sqrt(1 + t * t);
  const s = c * t;
  rotatePair(a, b, c, s);
  rotatePair(v[p]!, v[q]!, c, s);
  return true;
}

export function svd(a: Matrix): Svd {
  const { rows: m, cols: n } = a;
  if (m < n) throw new RangeError(`svd: needs rows >= cols, got ${m} x ${n}`);
  const f = qr(a);
  // Work on the columns of R; v starts as the identity.
  const cols = Array.from({ length: n }, (_, j) =>
    Float64Array.from({ length: n }, (_, i) => f.r.data[i * n + j]!),
  );
  const v = Array.from({ length: n }, (_, j) => {
    const e = new Float64Array(n);
    e[j] = 1;
    return e;
  });
  let converged = false;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    converged = true;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) if (rotate(cols, v, p, q)) converged = false;
  }
  if (!converged) throw new Error(`svd: Jacobi sweeps did not converge for a ${m} x ${n} matrix`);
  const norms = cols.map((c) => frobenius(c));
  const order = Array.from({ length: n }, (_, j) => j).sort(
    (x, y) => norms[y]! - norms[x]! || x - y,
  );
  const s = Float64Array.from(order, (j) => norms[j]!);
  const ur = zeros(m, n);
  const vm = zeros(n, n);
  order.forEach((j, k) => {
    for (let i = 0; i < n; i++) {
      vm.data[i * n + k] = v[j]![i]!;
      if (norms[j]! > 0) ur.data[i * n + k] = cols[j]![i]! / norms[j]!;
    }
  });
  return { s, u: applyQ(f, ur), v: vm };
}
