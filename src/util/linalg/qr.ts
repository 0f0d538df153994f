// Householder QR of a tall real matrix, optionally with column pivoting (Businger-Golub), and
// the least-squares solver built on it. A = Q R P^T with Q = H_0 H_1 ... H_{n-1},
// H_k = I - tau_k v_k v_k^T acting on rows k..m-1. Pivoting makes the QR rank revealing: the
// diagonal of R decreases in magnitude, and a least-squares problem with (numerically)
// dependent columns gets the basic solution (the dependent unknowns set to 0) rather than
// huge cancelling values.

import { type Matrix, zeros } from "./matrix.js";

export interface Qr {
  readonly m: number;
  readonly n: number;
  /** v_k, of length m - k. */
  readonly vectors: readonly Float64Array[];
  readonly tau: Float64Array;
  /** n x n upper triangular, columns in pivoted order. */
  readonly r: Matrix;
  /** Column j of R is column perm[j] of A. */
  readonly perm: Int32Array;
}

/** ||x[from..]||, in one pass unless the squares overflow or underflow. */
function norm2(x: Float64Array, from: number): number {
  let sum = 0;
  for (let i = from; i < x.length; i++) sum += x[i]! * x[i]!;
  if (Number.isFinite(sum) && (sum > 1e-280 || sum === 0)) return Math.sqrt(sum);
  let scale = 0;
  for (let i = from; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]!));
  if (scale === 0) return 0;
  sum = 0;
  for (let i = from; i < x.length; i++) sum += (x[i]! / scale) ** 2;
  return scale * Math.sqrt(sum);
}

/** QR of a (m x n, m >= n). */
export function qr(a: Matrix, pivoting = false): Qr {
  const { rows: m, cols: n } = a;
  if (m < n) throw new RangeError(`qr: needs rows >= cols, got ${m} x ${n}`);
  // Columns are contiguous: every step works on whole columns.
  const cols = Array.from({ length: n }, (_, j) =>
    Float64Array.from({ length: m }, (_, i) => a.data[i * n + j]!),
  );
  const perm = Int32Array.from({ length: n }, (_, j) => j);
  // Pivoting: the remaining columns' norms below row k, downdated after each step and
  // recomputed when the downdate has cancelled most of the norm (as LAPACK's xGEQP3).
  const norms = cols.map((c) => norm2(c, 0));
  const reference = norms.slice();
  const vectors: Float64Array[] = [];
  const tau = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (pivoting) {
      let best = k;
      for (let j = k + 1; j < n; j++) if (norms[j]! > norms[best]!) best = j;
      if (best !== k) {
        [cols[k], cols[best]] = [cols[best]!, cols[k]!];
        [perm[k], perm[best]] = [perm[best]!, perm[k]!];
        [norms[k], norms[best]] = [norms[best]!, norms[k]!];
        [reference[k], reference[best]] = [reference[best]!, reference[k]!];
      }
    }
    const x = cols[k]!;
    const v = x.slice(k);
    vectors.push(v);
    const norm = norm2(x, k);
    if (norm === 0) continue;
    // alpha has the opposite sign of v[0]: v[0] - alpha never cancels.
    const alpha = v[0]! >= 0 ? -norm : norm;
    v[0] = v[0]! - alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i]! * v[i]!;
    tau[k] = 2 / vv;
    for (let j = k + 1; j < n; j++) {
      const c = cols[j]!;
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k]! * c[i]!;
      s *= tau[k]!;
      for (let i = k; i < m; i++) c[i] = c[i]! - s * v[i - k]!;
      if (pivoting) {
        const rest = norms[j]! ** 2 - c[k]! ** 2;
        if (rest > 1e-8 * reference[j]! ** 2) norms[j] = Math.sqrt(rest);
        else {
          norms[j] = norm2(c, k + 1);
          reference[j] = norms[j]!;
        }
      }
    }
    x[k] = alpha;
    x.fill(0, k + 1);
  }
  const r = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r.data[i * n + j] = cols[j]![i]!;
  return { m, n, vectors, tau, r, perm };
}

function reflect(f: Qr, k: number, b: Float64Array, cols: number): void {
  const v = f.vectors[k]!;
  const t = f.tau[k]!;
  if (t === 0) return;
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = k; i < f.m; i++) s += v[i - k]! * b[i * cols + j]!;
    s *= t;
    for (let i = k; i < f.m; i++) b[i * cols + j] = b[i * cols + j]! - s * v[i - k]!;
  }
}

/** Q^T b for b with m rows. */
export function applyQt(f: Qr, b: Matrix): Matrix {
  const out = { rows: b.rows, cols: b.cols, data: Float64Array.from(b.data) };
  for (let k = 0; k < f.n; k++) reflect(f, k, out.data, b.cols);
  return out;
}

/** Q b for b with m rows. */
export function applyQ(f: Qr, b: Matrix): Matrix {
  const out = { rows: b.rows, cols: b.cols, data: Float64Array.from(b.data) };
  for (let k = f.n - 1; k >= 0; k--) reflect(f, k, out.data, b.cols);
  return out;
}

/** Numerical rank of a pivoted QR: diagonal entries of R above tolerance * |R00|. */
export function qrRank(f: Qr, tolerance: number): number {
  const r0 = Math.abs(f.r.data[0] ?? 0);
  let rank = 0;
  while (rank < f.n && Math.abs(f.r.data[rank * f.n + rank]!) > tolerance * r0) rank++;
  return rank;
}

/**
 * X minimizing ||A X - B|| column by column (A m x n, m >= n), by pivoted QR. Columns beyond
 * the numerical rank (|R_kk| <= tolerance |R_00|, default max(m, n) eps) get 0: the basic
 * solution.
 */
export function leastSquares(a: Matrix, b: Matrix, tolerance?: number): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`leastSquares: ${a.rows} != ${b.rows} rows`);
  const f = qr(a, true);
  const n = a.cols;
  const rank = qrRank(f, tolerance ?? Math.max(a.rows, n) * Number.EPSILON);
  const c = applyQt(f, b);
  const x = zeros(n, b.cols);
  const r = f.r.data;
  for (let col = 0; col < b.cols; col++) {
    const y = new Float64Array(n);
    for (let i = rank - 1; i >= 0; i--) {
      let s = c.data[i * b.cols + col]!;
      for (let j = i + 1; j < rank; j++) s -= r[i * n + j]! * y[j]!;
      y[i] = s / r[i * n + i]!;
    }
    for (let j = 0; j < n; j++) x.data[f.perm[j]! * b.cols + col] = y[j]!;
  }
  return x;
}
