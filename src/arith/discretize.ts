// Discretization of a diagonal continuous SSM, one complex mode at a time (fixtures/models/README.md):
//   ZOH:      lambda = exp(dt A),               Bbar = (lambda - 1)/A * B = dt * phi1(dt A) * B
//   bilinear: lambda = (1 + dt A/2)/(1 - dt A/2), Bbar = dt/(1 - dt A/2) * B
// phi1(z) = (e^z - 1)/z is evaluated without cancellation and with its limit phi1(0) = 1, so
// a mode whose A quantized to 0 (ternary A_quant) is an integrator with Bbar = dt*B, not NaN.
// The reference executor (src/run) and the discretize pass share it.

export interface Complex {
  re: number;
  im: number;
}

export type Discretization = "zoh" | "bilinear";

/** (e^z - 1)/z for complex z, accurate for small |z| and exact at z = 0. */
export function phi1(re: number, im: number): Complex {
  if (Math.hypot(re, im) < 1e-4) {
    // Taylor 1 + z/2 + z^2/6 + z^3/24; the next term is below 1e-18 here. (The quotient
    // below would also underflow |z|^2 to 0 for |z| < 1e-154.)
    const z2r = re * re - im * im;
    const z2i = 2 * re * im;
    const z3r = z2r * re - z2i * im;
    const z3i = z2r * im + z2i * re;
    return { re: 1 + re / 2 + z2r / 6 + z3r / 24, im: im / 2 + z2i / 6 + z3i / 24 };
  }
  // e^z - 1 = (expm1(a) cos b - 2 sin^2(b/2)) + i e^a sin b: no cancellation near z = 0.
  const half = Math.sin(im / 2);
  const nr = Math.expm1(re) * Math.cos(im) - 2 * half * half;
  const ni = Math.exp(re) * Math.sin(im);
  const den = re * re + im * im;
  return { re: (nr * re + ni * im) / den, im: (ni * re - nr * im) / den };
}

export interface DiscreteMode {
  lamRe: number;
  lamIm: number;
  /** Bbar including B. */
  bRe: number;
  bIm: number;
}

export function discretizeMode(
  method: Discretization,
  dt: number,
  aRe: number,
  aIm: number,
  bRe: number,
  bIm: number,
): DiscreteMode {
  const zr = dt * aRe;
  const zi = dt * aIm;
  let lamRe: number;
  let lamIm: number;
  let fRe: number; // Bbar / B
  let fIm: number;
  if (method === "zoh") {
    const e = Math.exp(zr);
    lamRe = e * Math.cos(zi);
    lamIm = e * Math.sin(zi);
    const p = phi1(zr, zi);
    fRe = dt * p.re;
    fIm = dt * p.im;
  } else {
    // 1/(1 - z/2) = (1 - zr/2 + i zi/2) / |1 - z/2|^2
    const dr = 1 - zr / 2;
    const di = -zi / 2;
    const den = dr * dr + di * di;
    const invRe = dr / den;
    const invIm = -di / den;
    const nr = 1 + zr / 2;
    const ni = zi / 2;
    lamRe = nr * invRe - ni * invIm;
    lamIm = nr * invIm + ni * invRe;
    fRe = dt * invRe;
    fIm = dt * invIm;
  }
  return { lamRe, lamIm, bRe: fRe * bRe - fIm * bIm, bIm: fRe * bIm + fIm * bRe };
}

/** Discretized modes of an [H, M] diagonal SSM, each [H, M] (mode m of channel h at h*M + m). */
export interface DiscreteModes {
  lamRe: Float64Array;
  lamIm: Float64Array;
  /** Bbar including B. */
  bRe: Float64Array;
  bIm: Float64Array;
}

/**
 * Discretizes every mode of H channels of M modes: channel h steps by exp(logDt[h]). An absent
 * B (null) is B = 1, its effect folded into C.
 */
export function discretizeModes(
  method: Discretization,
  channels: number,
  modes: number,
  logDt: Float64Array,
  aRe: Float64Array,
  aIm: Float64Array,
  bRe: Float64Array | null,
  bIm: Float64Array | null,
): DiscreteModes {
  const n = channels * modes;
  const out: DiscreteModes = {
    lamRe: new Float64Array(n),
    lamIm: new Float64Array(n),
    bRe: new Float64Array(n),
    bIm: new Float64Array(n),
  };
  for (let h = 0; h < channels; h++) {
    const dt = Math.exp(logDt[h]!);
    for (let m = h * modes; m < (h + 1) * modes; m++) {
      const mode = discretizeMode(
        method,
        dt,
        aRe[m]!,
        aIm[m]!,
        bRe === null ? 1 : bRe[m]!,
        bIm === null ? 0 : bIm[m]!,
      );
      out.lamRe[m] = mode.lamRe;
      out.lamIm[m] = mode.lamIm;
      out.bRe[m] = mode.bRe;
      out.bIm[m] = mode.bIm;
    }
  }
  return out;
}
