// The S4D quantities (fixtures/models/README.md) computed in float64 from recovered parameters, so that the
// importer can check that the graph computes exactly this model (and tell ZOH from bilinear,
// and the S4 sign of Im A from the S4D one) instead of trusting names.

export type Discretization = "zoh" | "bilinear";

/** Continuous diagonal SSM in float64: H channels, M modes, B null means B = 1. */
export interface SsmF64 {
  readonly h: number;
  readonly m: number;
  readonly dt: Float64Array;
  readonly aRe: Float64Array;
  readonly aIm: Float64Array;
  readonly bRe: Float64Array | null;
  readonly bIm: Float64Array | null;
  readonly cRe: Float64Array;
  readonly cIm: Float64Array;
}

export interface Discrete {
  readonly dARe: Float64Array;
  readonly dAIm: Float64Array;
  readonly dBRe: Float64Array;
  readonly dBIm: Float64Array;
}

export function discretize(p: SsmF64, method: Discretization): Discrete {
  const n = p.h * p.m;
  const out = {
    dARe: new Float64Array(n),
    dAIm: new Float64Array(n),
    dBRe: new Float64Array(n),
    dBIm: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const dt = p.dt[Math.floor(i / p.m)]!;
    const ar = p.aRe[i]!;
    const ai = p.aIm[i]!;
    let lr: number;
    let li: number;
    let gr: number;
    let gi: number;
    if (method === "zoh") {
      const mag = Math.exp(dt * ar);
      lr = mag * Math.cos(dt * ai);
      li = mag * Math.sin(dt * ai);
      // (lambda - 1) / A
      const den = ar * ar + ai * ai;
      gr = ((lr - 1) * ar + li * ai) / den;
      gi = (li * ar - (lr - 1) * ai) / den;
    } else {
      // lambda = (1 + dt A/2) / (1 - dt A/2), Bbar = dt / (1 - dt A/2)
      const pr = 1 + (dt * ar) / 2;
      const pi = (dt * ai) / 2;
      const qr = 1 - (dt * ar) / 2;
      const qi = -(dt * ai) / 2;
      const den = qr * qr + qi * qi;
      lr = (pr * qr + pi * qi) / den;
      li = (pi * qr - pr * qi) / den;
      gr = (dt * qr) / den;
      gi = (-dt * qi) / den;
    }
    const br = p.bRe === null ? 1 : p.bRe[i]!;
    const bi = p.bIm === null ? 0 : p.bIm[i]!;
    out.dARe[i] = lr;
    out.dAIm[i] = li;
    out.dBRe[i] = gr * br - gi * bi;
    out.dBIm[i] = gr * bi + gi * br;
  }
  return out;
}

/** w = C dB and dA in polar form, per mode: what the kernel at any lag needs. */
export interface KernelModes {
  readonly m: number;
  readonly wRe: Float64Array;
  readonly wIm: Float64Array;
  readonly logMag: Float64Array;
  readonly angle: Float64Array;
}

export function kernelModes(p: SsmF64, d: Discrete): KernelModes {
  const n = p.h * p.m;
  const out = {
    m: p.m,
    wRe: new Float64Array(n),
    wIm: new Float64Array(n),
    logMag: new Float64Array(n),
    angle: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    out.wRe[i] = p.cRe[i]! * d.dBRe[i]! - p.cIm[i]! * d.dBIm[i]!;
    out.wIm[i] = p.cRe[i]! * d.dBIm[i]! + p.cIm[i]! * d.dBRe[i]!;
    out.logMag[i] = Math.log(Math.hypot(d.dARe[i]!, d.dAIm[i]!));
    out.angle[i] = Math.atan2(d.dAIm[i]!, d.dARe[i]!);
  }
  return out;
}

/** k[h, lag] = 2 Re(sum_n C dB dA^lag). */
export function kernelAt(k: KernelModes, h: number, lag: number): number {
  let acc = 0;
  for (let i = h * k.m; i < (h + 1) * k.m; i++) {
    const mag = lag === 0 ? 1 : Math.exp(lag * k.logMag[i]!);
    const a = lag * k.angle[i]!;
    acc += 2 * mag * (k.wRe[i]! * Math.cos(a) - k.wIm[i]! * Math.sin(a));
  }
  return acc;
}

/** Interleave (re, im) pairs into the [..., 2] real view. */
export function realView(re: Float64Array, im: Float64Array): Float64Array {
  const out = new Float64Array(re.length * 2);
  for (let i = 0; i < re.length; i++) {
    out[2 * i] = re[i]!;
    out[2 * i + 1] = im[i]!;
  }
  return out;
}

/** Largest |a - b| relative to the largest |b| (0 for two zero arrays). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}
