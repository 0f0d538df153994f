// Eigenvalues of a general square matrix, real or complex: reduction to upper Hessenberg form
// by complex Householder reflections, then the shifted QR algorithm on the Hessenberg matrix
// (single implicit shift, Wilkinson's shift from the trailing 2 x 2 block, an exceptional
// shift every 10 iterations without deflation), as EISPACK's comqr. Complex arithmetic
// throughout, so a real matrix is just the case im = 0; its complex eigenvalues come out as
// conjugate pairs to rounding (pair them by sign of the imaginary part).

import type { Matrix } from "./matrix.js";

export interface ComplexValues {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** A complex n x n matrix as two row-major planes. */
interface Planes {
  readonly n: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

const abs1 = (re: number, im: number) => Math.abs(re) + Math.abs(im);

function csqrt(re: number, im: number): [number, number] {
  const r = Math.hypot(re, im);
  if (r === 0) return [0, 0];
  const a = Math.sqrt((r + Math.abs(re)) / 2);
  const b = im / (2 * a);
  return re >= 0 ? [a, b] : [Math.abs(b), im >= 0 ? a : -a];
}

/** Complex Householder reduction to upper Hessenberg form, in place. */
function hessenberg(h: Planes): void {
  const { n, re, im } = h;
  for (let k = 0; k < n - 2; k++) {
    const len = n - k - 1;
    const vr = new Float64Array(len);
    const vi = new Float64Array(len);
    let norm2 = 0;
    for (let i = 0; i < len; i++) {
      vr[i] = re[(k + 1 + i) * n + k]!;
      vi[i] = im[(k + 1 + i) * n + k]!;
      norm2 += vr[i]! ** 2 + vi[i]! ** 2;
    }
    const tail = norm2 - vr[0]! ** 2 - vi[0]! ** 2;
    if (tail === 0) continue; // already zero below the subdiagonal
    const norm = Math.sqrt(norm2);
    const x0 = Math.hypot(vr[0]!, vi[0]!);
    // alpha = -e^{i arg x0} ||x||: v0 = x0 - alpha never cancels.
    const [pr, pi] = x0 === 0 ? [1, 0] : [vr[0]! / x0, vi[0]! / x0];
    vr[0] = vr[0]! + pr * norm;
    vi[0] = vi[0]! + pi * norm;
    let vv = 0;
    for (let i = 0; i < len; i++) vv += vr[i]! ** 2 + vi[i]! ** 2;
    const tau = 2 / vv;
    // Left: rows k+1.., H <- (I - tau v v^*) H.
    for (let j = k; j < n; j++) {
      let sr = 0;
      let si = 0;
      for (let i = 0; i < len; i++) {
        const hr = re[(k + 1 + i) * n + j]!;
        const hi = im[(k + 1 + i) * n + j]!;
        sr += vr[i]! * hr + vi[i]! * hi;
        si += vr[i]! * hi - vi[i]! * hr;
      }
      for (let i = 0; i < len; i++) {
        const at = (k + 1 + i) * n + j;
        re[at] = re[at]! - tau * (vr[i]! * sr - vi[i]! * si);
        im[at] = im[at]! - tau * (vr[i]! * si + vi[i]! * sr);
      }
    }
    // Right: columns k+1.., H <- H (I - tau v v^*).
    for (let i = 0; i < n; i++) {
      let tr = 0;
      let ti = 0;
      for (let j = 0; j < len; j++) {
        const hr = re[i * n + k + 1 + j]!;
        const hi = im[i * n + k + 1 + j]!;
        tr += hr * vr[j]! - hi * vi[j]!;
        ti += hr * vi[j]! + hi * vr[j]!;
      }
      for (let j = 0; j < len; j++) {
        const at = i * n + k + 1 + j;
        re[at] = re[at]! - tau * (tr * vr[j]! + ti * vi[j]!);
        im[at] = im[at]! - tau * (ti * vr[j]! - tr * vi[j]!);
      }
    }
    for (let i = k + 2; i < n; i++) {
      re[i * n + k] = 0;
      im[i * n + k] = 0;
    }
  }
}

/** The eigenvalue of the trailing 2 x 2 block of the window closer to its last diagonal entry. */
function wilkinsonShift(h: Planes, hi: number): [number, number] {
  const { n, re, im } = h;
  const [ar, ai] = [re[(hi - 1) * n + hi - 1]!, im[(hi - 1) * n + hi - 1]!];
  const [br, bi] = [re[(hi - 1) * n + hi]!, im[(hi - 1) * n + hi]!];
  const [cr, ci] = [re[hi * n + hi - 1]!, im[hi * n + hi - 1]!];
  const [dr, di] = [re[hi * n + hi]!, im[hi * n + hi]!];
  const [hr, hi2] = [(ar - dr) / 2, (ai - di) / 2];
  const [sr, si] = csqrt(hr * hr - hi2 * hi2 + br * cr - bi * ci, 2 * hr * hi2 + br * ci + bi * cr);
  const [mr, mi] = [(ar + dr) / 2, (ai + di) / 2];
  const plus: [number, number] = [mr + sr, mi + si];
  const minus: [number, number] = [mr - sr, mi - si];
  return abs1(plus[0] - dr, plus[1] - di) <= abs1(minus[0] - dr, minus[1] - di) ? plus : minus;
}

/**
 * One implicit single-shift QR sweep on the window [lo, hi]: Givens rotations G (c real) with
 * G [x; y] = [*; 0] chase the bulge down the subdiagonal; H <- G H G^*.
 */
function qrSweep(h: Planes, lo: number, hi: number, shift: [number, number]): void {
  const { n, re, im } = h;
  for (let k = lo; k < hi; k++) {
    const [xr, xi, yr, yi] =
      k === lo
        ? [
            re[lo * n + lo]! - shift[0],
            im[lo * n + lo]! - shift[1],
            re[(lo + 1) * n + lo]!,
            im[(lo + 1) * n + lo]!,
          ]
        : [
            re[k * n + k - 1]!,
            im[k * n + k - 1]!,
            re[(k + 1) * n + k - 1]!,
            im[(k + 1) * n + k - 1]!,
          ];
    const ax = Math.hypot(xr, xi);
    const nu = Math.hypot(ax, Math.hypot(yr, yi));
    if (nu === 0) continue;
    // c = |x|/nu, s = (x/|x|) conj(y)/nu (x = 0: c = 0, s = conj(y)/|y| rotates y to the top).
    let c: number;
    let sr: number;
    let si: number;
    if (ax === 0) {
      c = 0;
      const ay = Math.hypot(yr, yi);
      [sr, si] = [yr / ay, -yi / ay];
    } else {
      c = ax / nu;
      const [ur, ui] = [xr / ax, xi / ax];
      [sr, si] = [(ur * yr + ui * yi) / nu, (ui * yr - ur * yi) / nu];
    }
    // Rows k, k+1: [a; b] <- [c a + s b; -conj(s) a + c b].
    for (let j = k === lo ? lo : k - 1; j <= hi; j++) {
      const [pr, pi] = [re[k * n + j]!, im[k * n + j]!];
      const [qr, qi] = [re[(k + 1) * n + j]!, im[(k + 1) * n + j]!];
      re[k * n + j] = c * pr + (sr * qr - si * qi);
      im[k * n + j] = c * pi + (sr * qi + si * qr);
      re[(k + 1) * n + j] = -(sr * pr + si * pi) + c * qr;
      im[(k + 1) * n + j] = -(sr * pi - si * pr) + c * qi;
    }
    // Columns k, k+1: [a, b] <- [c a + conj(s) b, -s a + c b].
    for (let i = lo; i <= Math.min(k + 2, hi); i++) {
      const [pr, pi] = [re[i * n + k]!, im[i * n + k]!];
      const [qr, qi] = [re[i * n + k + 1]!, im[i * n + k + 1]!];
      re[i * n + k] = c * pr + (sr * qr + si * qi);
      im[i * n + k] = c * pi + (sr * qi - si * qr);
      re[i * n + k + 1] = -(sr * pr - si * pi) + c * qr;
      im[i * n + k + 1] = -(sr * pi + si * pr) + c * qi;
    }
    if (k > lo) {
      re[(k + 1) * n + k - 1] = 0;
      im[(k + 1) * n + k - 1] = 0;
    }
  }
}

const MAX_ITERATIONS_PER_VALUE = 30;

/** Eigenvalues of the square matrix re + i im (im omitted: a real matrix), in deflation order. */
export function eigenvalues(a: Matrix, imag?: Matrix): ComplexValues {
  const n = a.rows;
  if (a.cols !== n || (imag !== undefined && (imag.rows !== n || imag.cols !== n)))
    throw new RangeError("eigenvalues: needs a square matrix");
  const h: Planes = {
    n,
    re: Float64Array.from(a.data),
    im: imag === undefined ? new Float64Array(n * n) : Float64Array.from(imag.data),
  };
  hessenberg(h);
  const { re, im } = h;
  const out = { re: new Float64Array(n), im: new Float64Array(n) };
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, abs1(re[i]!, im[i]!));
  let hi = n - 1;
  let iterations = 0;
  while (hi >= 0) {
    // The largest lo whose subdiagonal entry is negligible splits off the active window.
    let lo = hi;
    while (lo > 0) {
      const sub = abs1(re[lo * n + lo - 1]!, im[lo * n + lo - 1]!);
      const diag =
        abs1(re[(lo - 1) * n + lo - 1]!, im[(lo - 1) * n + lo - 1]!) +
        abs1(re[lo * n + lo]!, im[lo * n + lo]!);
      if (sub <= Number.EPSILON * (diag === 0 ? scale : diag)) {
        re[lo * n + lo - 1] = 0;
        im[lo * n + lo - 1] = 0;
        break;
      }
      lo--;
    }
    if (lo === hi) {
      out.re[hi] = re[hi * n + hi]!;
      out.im[hi] = im[hi * n + hi]!;
      hi--;
      iterations = 0;
      continue;
    }
    iterations++;
    if (iterations > MAX_ITERATIONS_PER_VALUE * n)
      throw new Error(`eigenvalues: QR iteration did not converge for a ${n} x ${n} matrix`);
    const shift: [number, number] =
      iterations % 10 === 0
        ? [
            re[hi * n + hi]! +
              Math.abs(re[hi * n + hi - 1]!) +
              (hi >= 2 ? Math.abs(re[(hi - 1) * n + hi - 2]!) : 0),
            im[hi * n + hi]!,
          ]
        : wilkinsonShift(h, hi);
    qrSweep(h, lo, hi, shift);
  }
  return out;
}
