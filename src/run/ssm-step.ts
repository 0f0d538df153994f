// One time step of each SSM form. A stepper keeps only what its form needs between steps:
// the complex state [H, M] (diagonal, integer) or the last `taps` inputs (FIR, the one
// form whose memory grows with its kernel length).

import { clamp, fround, roundHalfEven } from "../arith/numeric.js";
import type { DiagonalSsm, FirSsm, IntegerSsm, SsmPlan } from "./ssm-plan.js";

export interface SsmStepper {
  /** y_t [H] from u_t [H]. */
  step(u: Float64Array, y: Float64Array): void;
  reset(): void;
  /** The integer core's last u_q and y_q [H]; null for float forms. */
  readonly uq: Float64Array | null;
  readonly yq: Float64Array | null;
}

class DiagonalStepper implements SsmStepper {
  readonly uq = null;
  readonly yq = null;
  private readonly xRe: Float64Array;
  private readonly xIm: Float64Array;

  constructor(private readonly ssm: DiagonalSsm) {
    this.xRe = new Float64Array(ssm.channels * ssm.modes);
    this.xIm = new Float64Array(ssm.channels * ssm.modes);
  }

  reset(): void {
    this.xRe.fill(0);
    this.xIm.fill(0);
  }

  step(u: Float64Array, y: Float64Array): void {
    const { channels: H, modes: M, lamRe, lamIm, bRe, bIm, cRe, cIm, d } = this.ssm;
    const { xRe, xIm } = this;
    for (let h = 0; h < H; h++) {
      const uh = u[h]!;
      let acc = 0;
      for (let m = h * M; m < (h + 1) * M; m++) {
        const xr = xRe[m]!;
        const xi = xIm[m]!;
        const nr = lamRe[m]! * xr - lamIm[m]! * xi + bRe[m]! * uh;
        const ni = lamRe[m]! * xi + lamIm[m]! * xr + bIm[m]! * uh;
        xRe[m] = nr;
        xIm[m] = ni;
        acc += cRe[m]! * nr - cIm[m]! * ni;
      }
      y[h] = 2 * acc + d[h]! * uh;
    }
  }
}

class FirStepper implements SsmStepper {
  readonly uq = null;
  readonly yq = null;
  /** [H, taps] ring buffer of past inputs; `head` is where u_t goes. */
  private readonly ring: Float64Array;
  private head = 0;
  private seen = 0;

  constructor(private readonly ssm: FirSsm) {
    this.ring = new Float64Array(ssm.channels * ssm.taps);
  }

  reset(): void {
    this.ring.fill(0);
    this.head = 0;
    this.seen = 0;
  }

  step(u: Float64Array, y: Float64Array): void {
    const { channels: H, taps, k, d } = this.ssm;
    const { ring, head } = this;
    const span = Math.min(this.seen + 1, taps);
    for (let h = 0; h < H; h++) {
      const row = h * taps;
      ring[row + head] = u[h]!;
      let acc = 0;
      for (let l = 0; l < span; l++) {
        const j = head - l;
        acc += k[row + l]! * ring[row + (j < 0 ? j + taps : j)]!;
      }
      y[h] = acc + d[h]! * u[h]!;
    }
    this.head = head + 1 === taps ? 0 : head + 1;
    this.seen++;
  }
}

/** qs4d-symmetric-v1, README 'Quantized forward semantics' steps 1-5 (y dequantized). */
class IntegerStepper implements SsmStepper {
  readonly uq: Float64Array;
  readonly yq: Float64Array;
  private readonly xr: Float64Array;
  private readonly xi: Float64Array;

  constructor(private readonly ssm: IntegerSsm) {
    this.uq = new Float64Array(ssm.channels);
    this.yq = new Float64Array(ssm.channels);
    this.xr = new Float64Array(ssm.channels * ssm.modes);
    this.xi = new Float64Array(ssm.channels * ssm.modes);
  }

  reset(): void {
    this.xr.fill(0);
    this.xi.fill(0);
  }

  step(u: Float64Array, y: Float64Array): void {
    const { ssm, uq, yq } = this;
    const [uLo, uHi] = ssm.uRange;
    for (let h = 0; h < ssm.channels; h++) {
      // Step 1: the division in float32.
      uq[h] = clamp(roundHalfEven(fround(fround(u[h]!) / ssm.su)), uLo, uHi);
    }
    integerCoreStep(ssm, this.xr, this.xi, uq, yq);
    for (let h = 0; h < ssm.channels; h++) y[h] = fround(yq[h]! * ssm.sy);
  }
}

/**
 * Steps 3-4 on integer codes: the state update requantized to the state grid, then y from the
 * NEW state. Every product and sum is a float64 operation in the README's order; integer
 * intermediates stay far below 2^53, so this is bit exact in any IEEE-754 float64 arithmetic.
 */
export function integerCoreStep(
  ssm: IntegerSsm,
  xr: Float64Array,
  xi: Float64Array,
  uq: Float64Array,
  yq: Float64Array,
): void {
  const { modes: M, ar, ai, br, bi, cr, ci, dq, mA, mB, mC, mD } = ssm;
  const [xLo, xHi] = ssm.xRange;
  const [yLo, yHi] = ssm.yRange;
  for (let h = 0; h < ssm.channels; h++) {
    const u = uq[h]!;
    const ma = mA[h]!;
    const mb = mB[h]!;
    let acc = 0;
    for (let m = h * M; m < (h + 1) * M; m++) {
      const pr = ar[m]! * xr[m]! - ai[m]! * xi[m]!;
      const pi = ar[m]! * xi[m]! + ai[m]! * xr[m]!;
      const tr = ma * pr + mb * (br[m]! * u);
      const ti = ma * pi + mb * (bi[m]! * u);
      xr[m] = clamp(roundHalfEven(tr), xLo, xHi);
      xi[m] = clamp(roundHalfEven(ti), xLo, xHi);
      acc += cr[m]! * xr[m]! - ci[m]! * xi[m]!;
    }
    yq[h] = clamp(roundHalfEven(mC[h]! * acc + mD[h]! * (dq[h]! * u)), yLo, yHi);
  }
}

export function stepperFor(ssm: SsmPlan): SsmStepper {
  switch (ssm.kind) {
    case "diagonal":
      return new DiagonalStepper(ssm);
    case "fir":
      return new FirStepper(ssm);
    case "integer":
      return new IntegerStepper(ssm);
  }
}
