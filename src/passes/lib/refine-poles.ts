// Stable refinement of a modal fit: the poles move to minimize ||K - k|| while staying inside
// the disc |lambda| <= RHO_MAX, the residues following by least squares at every step
// (variable projection, Golub-Pereyra, with Kaufman's Jacobian J_j = (I - P) dPhi/dp_j w).
// The constraint is built into the parameters, so every iterate is stable:
//   pair:  lambda = RHO_MAX exp(-exp(b)) e^{i theta}     (b, theta)
//   real:  lambda = RHO_MAX tanh(a)                      (a)
// Levenberg-Marquardt with Marquardt's scaling; the step solves the damped least-squares
// problem [J; sqrt(mu) D] delta = [-r; 0] by QR. Used when the unconstrained identification
// put poles outside the unit circle: a reduced-order fit of a cluster of slow modes does.

import { type Matrix, zeros } from "../../util/linalg/matrix.js";
import { leastSquares } from "../../util/linalg/qr.js";
import { fitModes, type ModalFit, type Pole, projectOut } from "./modal-fit.js";

/** Largest pole magnitude a realization keeps. */
export const RHO_MAX = 1 - 2 ** -20;
/** Starting points stay this far (relatively) inside the bound, where the parameters are finite. */
const START_MARGIN = 1e-9;
const MAX_ITERATIONS = 100;
const MAX_DAMPING = 1e12;

type Kind = "pair" | "real";

function toParameters(modes: readonly Pole[]): { p: Float64Array; kinds: Kind[] } {
  const p: number[] = [];
  const kinds: Kind[] = [];
  for (const m of modes) {
    const rho = Math.min(Math.hypot(m.re, m.im), RHO_MAX * (1 - START_MARGIN));
    if (m.im === 0) {
      kinds.push("real");
      p.push(Math.atanh((Math.sign(m.re) * rho) / RHO_MAX));
    } else {
      kinds.push("pair");
      p.push(Math.log(-Math.log(rho / RHO_MAX)), Math.atan2(m.im, m.re));
    }
  }
  return { p: Float64Array.from(p), kinds };
}

function toModes(p: Float64Array, kinds: readonly Kind[]): Pole[] {
  let i = 0;
  return kinds.map((kind) => {
    if (kind === "real") return { re: RHO_MAX * Math.tanh(p[i++]!), im: 0 };
    const rho = RHO_MAX * Math.exp(-Math.exp(p[i]!));
    const theta = p[i + 1]!;
    i += 2;
    // A pair whose angle reached 0 or pi stays a pair (its second column is then dependent).
    return { re: rho * Math.cos(theta), im: rho * Math.sin(theta) || Number.MIN_VALUE };
  });
}

/**
 * The derivatives of one mode's contribution 2 Re(w lambda^l) with respect to its parameters:
 * d/dlambda is 2 Re(w l lambda^(l-1) dlambda). Real pole: dlambda/da = RHO_MAX (1 - tanh^2 a).
 * Pair: dlambda = lambda dq with dq = -e^b db and dq = i dtheta, so the derivatives are
 * -2 l e^b Re(w lambda^l) and -2 l Im(w lambda^l).
 */
function modeDerivatives(mode: Pole, w: Pole, kind: Kind, param: number, L: number) {
  const columns =
    kind === "real" ? [new Float64Array(L)] : [new Float64Array(L), new Float64Array(L)];
  const dReal = kind === "real" ? RHO_MAX * (1 - Math.tanh(param) ** 2) : 0;
  const eb = kind === "pair" ? Math.exp(param) : 0;
  let [zr, zi] = [1, 0]; // lambda^l
  let previous = 0; // lambda^(l-1), real poles only
  for (let l = 0; l < L; l++) {
    if (kind === "real") {
      columns[0]![l] = 2 * w.re * l * previous * dReal;
      previous = zr;
    } else {
      const vr = w.re * zr - w.im * zi;
      const vi = w.re * zi + w.im * zr;
      columns[0]![l] = -2 * l * eb * vr;
      columns[1]![l] = -2 * l * vi;
    }
    [zr, zi] = [zr * mode.re - zi * mode.im, zr * mode.im + zi * mode.re];
  }
  return columns;
}

/** Kaufman's Jacobian of the residual K - k with respect to the parameters. */
function jacobian(fit: ModalFit, p: Float64Array, kinds: readonly Kind[]): Matrix {
  const L = fit.residual.length;
  const J = zeros(L, p.length);
  let j = 0;
  kinds.forEach((kind, n) => {
    for (const column of modeDerivatives(fit.modes[n]!, fit.w[n]!, kind, p[j]!, L)) {
      const projected = projectOut(fit, column);
      for (let l = 0; l < L; l++) J.data[l * p.length + j] = projected[l]!;
      j++;
    }
  });
  return J;
}

/** The damped Gauss-Newton step for damping mu. */
function step(J: Matrix, residual: Float64Array, mu: number): Float64Array {
  const [L, P] = [J.rows, J.cols];
  const a = zeros(L + P, P);
  a.data.set(J.data);
  for (let j = 0; j < P; j++) {
    let norm = 0;
    for (let l = 0; l < L; l++) norm += J.data[l * P + j]! ** 2;
    a.data[(L + j) * P + j] = Math.sqrt(mu * (norm > 0 ? norm : 1));
  }
  const b = zeros(L + P, 1);
  for (let l = 0; l < L; l++) b.data[l] = -residual[l]!;
  return leastSquares(a, b).data;
}

/**
 * Moves the poles of `modes` (any magnitude: poles outside start from their reflection) to a
 * stable fit of k; stops once the error is at most `target`. `norm` = ||k||.
 */
export function refinePoles(
  k: Float64Array,
  modes: readonly Pole[],
  norm: number,
  target: number,
): ModalFit {
  const reflected = modes.map((m) => {
    const rho2 = m.re * m.re + m.im * m.im;
    return rho2 >= 1 ? { re: m.re / rho2, im: m.im / rho2 } : m;
  });
  const start = toParameters(reflected);
  const kinds = start.kinds;
  let p = start.p;
  let fit = fitModes(k, toModes(p, kinds), norm);
  let mu = 1e-3;
  for (let it = 0; it < MAX_ITERATIONS && fit.error > target; it++) {
    const J = jacobian(fit, p, kinds);
    let accepted = false;
    while (!accepted && mu <= MAX_DAMPING) {
      const delta = step(J, fit.residual, mu);
      const trial = Float64Array.from(p, (x, i) => x + delta[i]!);
      const next = fitModes(k, toModes(trial, kinds), norm);
      if (next.error < fit.error) {
        const gain = (fit.error - next.error) / fit.error;
        [p, fit, accepted] = [trial, next, true];
        mu = Math.max(mu / 3, 1e-12);
        if (gain < 1e-9) return fit;
      } else {
        mu *= 4;
      }
    }
    if (!accepted) break;
  }
  return fit;
}
