// The linear half of fitting a kernel with diagonal modes: given the poles, the residues by
// least squares. A mode is a conjugate pair of poles (im > 0) or one real pole (im = 0); its
// contribution to the kernel is 2 Re(w lambda^l), l = 0..L-1. The conjugate-pair constraint
// holds by construction: the unknowns are (Re w, Im w) per pair and Re w per real pole, with
// basis columns 2 Re(lambda^l), -2 Im(lambda^l) and 2 lambda^l.

import { frobenius, type Matrix, zeros } from "../../util/linalg/matrix.js";
import { applyQ, applyQt, type Qr, qr, qrRank } from "../../util/linalg/qr.js";

export interface Pole {
  readonly re: number;
  /** 0: a real pole; > 0: the upper member of a conjugate pair. */
  readonly im: number;
}

export interface ModalFit {
  readonly modes: readonly Pole[];
  /** Residue w = C Bbar of each mode (im 0 for a real pole). */
  readonly w: readonly Pole[];
  /** K - k. */
  readonly residual: Float64Array;
  /** ||K - k|| / ||k||. */
  readonly error: number;
  /** Pivoted QR of the basis and its numerical rank: the projector onto its complement. */
  readonly qr: Qr;
  readonly rank: number;
}

const columnsOf = (m: Pole) => (m.im === 0 ? 1 : 2);

export function modalBasis(modes: readonly Pole[], length: number): Matrix {
  const cols = modes.reduce((n, m) => n + columnsOf(m), 0);
  const phi = zeros(length, cols);
  let c = 0;
  for (const m of modes) {
    let [zr, zi] = [1, 0];
    for (let l = 0; l < length; l++) {
      phi.data[l * cols + c] = 2 * zr;
      if (m.im !== 0) phi.data[l * cols + c + 1] = -2 * zi;
      [zr, zi] = [zr * m.re - zi * m.im, zr * m.im + zi * m.re];
    }
    c += columnsOf(m);
  }
  return phi;
}

/** Least-squares residues for fixed poles; `norm` = ||k||. Needs at least one mode. */
export function fitModes(k: Float64Array, modes: readonly Pole[], norm: number): ModalFit {
  const L = k.length;
  const phi = modalBasis(modes, L);
  const n = phi.cols;
  const f = qr(phi, true);
  const rank = qrRank(f, Math.max(L, n) * Number.EPSILON);
  // x = R^-1 Q^T k on the leading `rank` columns (the basic solution), as leastSquares does;
  // the factorization is kept for the projector.
  const c = applyQt(f, { rows: L, cols: 1, data: k }).data;
  const y = new Float64Array(n);
  for (let i = rank - 1; i >= 0; i--) {
    let s = c[i]!;
    for (let j = i + 1; j < rank; j++) s -= f.r.data[i * n + j]! * y[j]!;
    y[i] = s / f.r.data[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) x[f.perm[j]!] = y[j]!;
  const w: Pole[] = [];
  let col = 0;
  for (const m of modes) {
    w.push({ re: x[col]!, im: m.im === 0 ? 0 : x[col + 1]! });
    col += columnsOf(m);
  }
  const residual = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    let s = -k[l]!;
    for (let j = 0; j < n; j++) s += phi.data[l * n + j]! * x[j]!;
    residual[l] = s;
  }
  return { modes, w, residual, error: frobenius(residual) / norm, qr: f, rank };
}

/** (I - P) v with P the projector onto the fitted basis' column space. */
export function projectOut(fit: ModalFit, v: Float64Array): Float64Array {
  const c = applyQt(fit.qr, { rows: v.length, cols: 1, data: v });
  c.data.fill(0, 0, fit.rank);
  return applyQ(fit.qr, c).data;
}

/** The fit without the modes least squares left at w = 0 (their basis columns were dependent). */
export function withoutUnused(fit: ModalFit): { modes: Pole[]; w: Pole[] } {
  const used = fit.w.map((w) => w.re !== 0 || w.im !== 0);
  return {
    modes: fit.modes.filter((_, i) => used[i]),
    w: fit.w.filter((_, i) => used[i]),
  };
}
