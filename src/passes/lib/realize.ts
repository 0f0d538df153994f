// State-space realization of one FIR kernel k[0..L-1] by complex diagonal modes:
//   k[l] ~ K[l] = 2 Re(sum_n w_n lambda_n^l),  l >= 0 (l = 0 included: D is separate),
// with w_n = C_n Bbar_n; a mode is a conjugate pair of poles or one real pole.
//   1. Kung's identification (Ho-Kalman with an SVD): the Hankel matrix H[i, j] = k[i + j]
//      of a sum of exponentials of real order r has rank r; its r leading left singular
//      vectors U_r are shift invariant, U_r[1:] = U_r[:-1] F, and the eigenvalues of F (by
//      least squares) are the poles. The residues follow by least squares (modal-fit.ts).
//   2. The order: the smallest r whose error is within a factor 2 of the best one the mode
//      budget reaches, and of the rounding noise of the kernel's own values (a float32 kernel
//      is known to ~2^-24 relative). Higher orders would fit that noise with extra poles and
//      large cancelling residues, which quantize badly. Orders beyond the Hankel singular
//      values above the noise are not tried, and the smallest good order is found by
//      bisection, so a long kernel with many modes costs O(log r) fits.
//   3. Stability: the chip needs |lambda| < 1, and a reduced-order fit of a cluster of slow
//      modes can put a pole just outside. Such a fit is refined with the poles constrained to
//      |lambda| <= RHO_MAX (refine-poles.ts, starting from the reflected poles); if the
//      constrained fit misses the target, the next order is tried, and at worst the best
//      stable fit found is kept (its error is reported).
//   4. Kung sees the kernel through a window of p taps: a final fit still above twice the
//      noise is polished by the same stable refinement over all L taps.

import { eigenvalues } from "../../util/linalg/eig.js";
import { frobenius, type Matrix, slice, zeros } from "../../util/linalg/matrix.js";
import { leastSquares } from "../../util/linalg/qr.js";
import { svd } from "../../util/linalg/svd.js";
import { fitModes, type ModalFit, type Pole, withoutUnused } from "./modal-fit.js";
import { RHO_MAX, refinePoles } from "./refine-poles.js";

export interface KernelRealization {
  /** Per mode (length = the mode budget); unused modes are 0. */
  readonly lamRe: Float64Array;
  readonly lamIm: Float64Array;
  /** w = C Bbar. */
  readonly wRe: Float64Array;
  readonly wIm: Float64Array;
  /** Modes used (pairs and real poles). */
  readonly modes: number;
  /** Real order of the identified system (the Hankel rank kept). */
  readonly order: number;
  /** ||K - k|| / ||k|| over the L taps (0 for k = 0). */
  readonly error: number;
  /** Identified poles that were outside RHO_MAX and were moved inside (by refinement). */
  readonly unstable: number;
}

/**
 * Hankel rows (at most half the kernel, at least 2M + 2): the longer the window, the better
 * slow poles are resolved; 128 keeps the SVD at a few 10^7 flops for any kernel length.
 */
const HANKEL_ROWS = 128;
/** An eigenvalue of the real shift matrix is real when |Im| <= this x max(1, |lambda|). */
const REAL_TOLERANCE = 1e-10;
/** Singular values down to this fraction of the noise level still count as signal. */
const NOISE_MARGIN = 0.5;
/** Orders tried beyond the signal directions (a pair split over the noise level). */
const EXTRA_ORDERS = 2;

/** Expected relative rounding error of the kernel's values (uniform within half an ulp). */
export function roundingNoise(k: ArrayLike<number>, mantissaBits: number): number {
  let noise = 0;
  let power = 0;
  for (let l = 0; l < k.length; l++) {
    const x = Math.abs(k[l]!);
    power += x * x;
    if (x === 0) continue;
    const ulp = 2 ** (Math.floor(Math.log2(x)) - mantissaBits);
    noise += (ulp * ulp) / 12;
  }
  return power === 0 ? 0 : Math.sqrt(noise / power);
}

/**
 * Left singular vectors of the p-row Hankel matrix of k, by decreasing singular value, and
 * how many of its singular values stand above the rounding noise: noise of rms sigma per
 * tap gives a p x q Hankel matrix singular values of about sigma (sqrt p + sqrt q), and an
 * order beyond those directions only fits noise (this bounds the orders tried).
 */
function hankelBasis(k: Float64Array, p: number, noise: number, norm: number) {
  const q = k.length - p + 1;
  // H^T (q x p, tall) has H's left singular vectors as its right ones.
  const ht = zeros(q, p);
  for (let i = 0; i < q; i++) for (let j = 0; j < p; j++) ht.data[i * p + j] = k[i + j]!;
  const { s, v } = svd(ht);
  const floor = ((noise * norm) / Math.sqrt(k.length)) * (Math.sqrt(p) + Math.sqrt(q));
  const cutoff = Math.max(floor, Number.EPSILON * s[0]!) * NOISE_MARGIN;
  return { basis: v, signal: s.filter((x) => x > cutoff).length };
}

/** One pole per mode from the order-r shift matrix: upper members of pairs, and real poles. */
function kungModes(basis: Matrix, r: number): Pole[] {
  const p = basis.rows;
  const ur = slice(basis, 0, p, 0, r);
  const ev = eigenvalues(leastSquares(slice(ur, 0, p - 1), slice(ur, 1, p)));
  const modes: Pole[] = [];
  ev.re.forEach((re, i) => {
    const im = ev.im[i]!;
    if (Math.abs(im) <= REAL_TOLERANCE * Math.max(1, Math.hypot(re, im))) modes.push({ re, im: 0 });
    else if (im > 0) modes.push({ re, im });
  });
  return modes.sort((a, b) => b.re - a.re || b.im - a.im);
}

const isStable = (m: Pole) => Math.hypot(m.re, m.im) <= RHO_MAX;

interface Candidate {
  readonly order: number;
  readonly fit: ModalFit;
  readonly unstable: number;
}

/** The unconstrained fits of each order, computed on demand (null: over the mode budget). */
class Orders {
  private readonly cache = new Map<number, Candidate | null>();

  constructor(
    private readonly k: Float64Array,
    private readonly basis: Matrix,
    private readonly maxModes: number,
    private readonly norm: number,
  ) {}

  at(r: number): Candidate | null {
    if (!this.cache.has(r)) {
      const modes = kungModes(this.basis, r);
      const fits = modes.length > 0 && modes.length <= this.maxModes;
      const unstable = modes.filter((m) => !isStable(m)).length;
      this.cache.set(
        r,
        fits ? { order: r, fit: fitModes(this.k, modes, this.norm), unstable } : null,
      );
    }
    return this.cache.get(r)!;
  }

  /** The stable fits among the orders evaluated so far. */
  stable(): Candidate[] {
    return [...this.cache.values()].filter((c): c is Candidate => c !== null && c.unstable === 0);
  }
}

/**
 * The order: the highest one within the budget gives the best error the modes reach, and the
 * target is twice that or twice the noise; the smallest order meeting it is found by
 * bisection (errors fall with the order, up to noise-level wiggles), so the cost grows with
 * log(order), not the order. An unstable fit is refined; if that misses the target the next
 * orders are tried, and at worst the best stable fit seen (refined, or evaluated on the way)
 * is kept.
 */
function choose(k: Float64Array, orders: Orders, top: number, noise: number, norm: number) {
  let hi = top;
  while (hi > 1 && orders.at(hi) === null) hi--;
  const best = orders.at(hi);
  if (best === null) return null;
  const target = 2 * Math.max(best.fit.error, noise);
  const meets = (r: number) => {
    const c = orders.at(r);
    return c !== null && c.fit.error <= target;
  };
  let lo = 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) hi = mid;
    else lo = mid + 1;
  }
  const refined: Candidate[] = [];
  for (let r = hi; r <= top; r++) {
    const c = orders.at(r);
    if (c === null) continue;
    const fit = c.unstable === 0 ? c.fit : refinePoles(k, c.fit.modes, norm, target);
    if (fit.error <= target) return { ...c, fit };
    refined.push({ ...c, fit });
  }
  // No stable fit meets the target: the best stable one seen, refined or not.
  return [...refined, ...orders.stable()].reduce((a, b) => (b.fit.error < a.fit.error ? b : a));
}

/**
 * Realizes k with at most `maxModes` modes. `noise` is the relative rounding noise of k's
 * values (roundingNoise): the accuracy below which a better fit means nothing.
 */
export function realizeKernel(k: Float64Array, maxModes: number, noise: number): KernelRealization {
  const result = (order: number, error: number, fit: ModalFit | null, unstable: number) => {
    const out = {
      lamRe: new Float64Array(maxModes),
      lamIm: new Float64Array(maxModes),
      wRe: new Float64Array(maxModes),
      wIm: new Float64Array(maxModes),
    };
    const used = fit === null ? { modes: [], w: [] } : withoutUnused(fit);
    used.modes.forEach((m, n) => {
      out.lamRe[n] = m.re;
      out.lamIm[n] = m.im;
      out.wRe[n] = used.w[n]!.re;
      out.wIm[n] = used.w[n]!.im;
    });
    return { ...out, modes: used.modes.length, order, error, unstable };
  };
  const norm = frobenius(k);
  if (norm === 0) return result(0, 0, null, 0);
  const p = Math.min(Math.floor((k.length + 1) / 2), Math.max(HANKEL_ROWS, 2 * maxModes + 2));
  // Too short a kernel for a shift structure, or no order within the budget: no modes.
  if (p < 2) return result(0, 1, null, 0);
  const { basis, signal } = hankelBasis(k, p, noise, norm);
  const top = Math.max(1, Math.min(2 * maxModes, p - 1, signal + EXTRA_ORDERS));
  const chosen = choose(k, new Orders(k, basis, maxModes, norm), top, noise, norm);
  if (chosen === null) return result(0, 1, null, 0);
  // Kung's poles come from a window of p taps; when the fit over all L taps is not yet at the
  // noise, the poles are polished on the whole kernel (the same stable refinement).
  const polished =
    chosen.fit.error > 2 * noise ? refinePoles(k, chosen.fit.modes, norm, 2 * noise) : chosen.fit;
  const fit = polished.error < chosen.fit.error ? polished : chosen.fit;
  return result(chosen.order, fit.error, fit, chosen.unstable);
}
