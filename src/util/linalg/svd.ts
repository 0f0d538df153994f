// Singular values and right singular vectors of a real m x n matrix (m >= n): A = U diag(s) V^T
// with s decreasing. A is first reduced by Householder QR with column pivoting, A P = Q R; then
// one-sided Jacobi rotations (Hestenes) orthogonalize the columns of X = R^T: X W = Y with
// orthogonal columns, so R = W diag(s) Yhat^T with Yhat the normalized columns of Y, and
// V = P Yhat. Jacobi on the transposed triangular factor of a pivoted QR converges in a few
// sweeps (Drmac and Veselic's preconditioning), and one-sided Jacobi computes small singular
// values to high relative accuracy, which is what separating a signal subspace from float32
// rounding noise needs. U is not formed (no caller needs it; it is A V diag(1/s)).

import { frobenius, type Matrix, zeros } from "./matrix.js";
import { qr } from "./qr.js";

export interface Svd {
  /** Singular values, decreasing. */
  readonly s: Float64Array;
  /** n x n; column j is the right singular vector of s_j (0 when s_j = 0). */
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

/** Rotates columns a, b so that they become orthogonal; false when they already are. */
function orthogonalize(a: Float64Array, b: Float64Array): boolean {
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
  rotatePair(a, b, c, c * t);
  return true;
}

export function svd(a: Matrix): Svd {
  const { rows: m, cols: n } = a;
  if (m < n) throw new RangeError(`svd: needs rows >= cols, got ${m} x ${n}`);
  const f = qr(a, true);
  // Column j of X = R^T is row j of R.
  const cols = Array.from({ length: n }, (_, j) => f.r.data.slice(j * n, (j + 1) * n));
  let converged = false;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    converged = true;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) if (orthogonalize(cols[p]!, cols[q]!)) converged = false;
  }
  if (!converged) throw new Error(`svd: Jacobi sweeps did not converge for a ${m} x ${n} matrix`);
  const norms = cols.map((c) => frobenius(c));
  const order = Array.from({ length: n }, (_, j) => j).sort(
    (x, y) => norms[y]! - norms[x]! || x - y,
  );
  const v = zeros(n, n);
  order.forEach((j, k) => {
    if (norms[j] === 0) return;
    for (let i = 0; i < n; i++) v.data[f.perm[i]! * n + k] = cols[j]![i]! / norms[j]!;
  });
  return { s: Float64Array.from(order, (j) => norms[j]!), v };
}
