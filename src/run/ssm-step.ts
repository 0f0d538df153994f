// The time steps of each SSM form, a block of consecutive steps at a time ([steps, H] in and
// out, time-major). A stepper keeps only what its form needs between steps: the complex state
// [H, M] (diagonal, integer) or the last `taps` inputs (FIR, the one form whose memory grows
// with its kernel length), and buffers for one block of at most `capacity` steps.

import { clamp, fround, roundHalfEven } from "../arith/numeric.js";
import type { DiagonalSsm, FirSsm, IntegerSsm, SsmPlan } from "./ssm-plan.js";

export interface SsmStepper {
  /** y [steps, H] from u [steps, H], steps <= capacity, one step after another. */
  step(u: Float64Array, y: Float64Array): void;
  reset(): void;
  /** The integer core's u_q and y_q of the last block ([capacity, H]); null for float forms. */
  readonly uq: Float64Array | null;
  readonly yq: Float64Array | null;
}

/**
 * The diagonal recurrence x_t = lambda x_{t-1} + Bbar u_t, y_t = 2 Re(C x_t) + D u_t, channel by
 * channel and mode by mode over the whole block: a mode's lambda, Bbar, C and state stay in
 * registers while the steps go by, and two modes advance side by side (their recurrences are
 * independent) while each step's sum still takes its modes in order.
 */
class DiagonalStepper implements SsmStepper {
  readonly uq = null;
  readonly yq = null;
  private readonly xRe: Float64Array;
  private readonly xIm: Float64Array;
  /** One channel's inputs and mode sums over the block. */
  private readonly u: Float64Array;
  private readonly acc: Float64Array;

  constructor(
    private readonly ssm: DiagonalSsm,
    capacity: number,
  ) {
    this.xRe = new Float64Array(ssm.channels * ssm.modes);
    this.xIm = new Float64Array(ssm.channels * ssm.modes);
    this.u = new Float64Array(capacity);
    this.acc = new Float64Array(capacity);
  }

  reset(): void {
    this.xRe.fill(0);
    this.xIm.fill(0);
  }

  step(u: Float64Array, y: Float64Array): void {
    const { channels: H, modes: M, d } = this.ssm;
    const steps = u.length / H;
    const { u: column, acc } = this;
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < steps; t++) {
        column[t] = u[t * H + h]!;
        acc[t] = 0;
      }
      let m = h * M;
      for (; m + 2 <= (h + 1) * M; m += 2) this.twoModes(m, steps);
      if (m < (h + 1) * M) this.oneMode(m, steps);
      const dh = d[h]!;
      for (let t = 0; t < steps; t++) y[t * H + h] = 2 * acc[t]! + dh * column[t]!;
    }
  }

  private oneMode(m: number, steps: number): void {
    const { lamRe, lamIm, bRe, bIm, cRe, cIm } = this.ssm;
    const { u, acc } = this;
    const lr = lamRe[m]!;
    const li = lamIm[m]!;
    const br = bRe[m]!;
    const bi = bIm[m]!;
    const cr = cRe[m]!;
    const ci = cIm[m]!;
    let xr = this.xRe[m]!;
    let xi = this.xIm[m]!;
    for (let t = 0; t < steps; t++) {
      const ut = u[t]!;
      const nr = lr * xr - li * xi + br * ut;
      const ni = lr * xi + li * xr + bi * ut;
      xr = nr;
      xi = ni;
      acc[t] = acc[t]! + (cr * nr - ci * ni);
    }
    this.xRe[m] = xr;
    this.xIm[m] = xi;
  }

  /** Modes m and m + 1: the same operations as oneMode twice, m's term added first. */
  private twoModes(m: number, steps: number): void {
    const { lamRe, lamIm, bRe, bIm, cRe, cIm } = this.ssm;
    const { u, acc } = this;
    const lr0 = lamRe[m]!;
    const li0 = lamIm[m]!;
    const br0 = bRe[m]!;
    const bi0 = bIm[m]!;
    const cr0 = cRe[m]!;
    const ci0 = cIm[m]!;
    const lr1 = lamRe[m + 1]!;
    const li1 = lamIm[m + 1]!;
    const br1 = bRe[m + 1]!;
    const bi1 = bIm[m + 1]!;
    const cr1 = cRe[m + 1]!;
    const ci1 = cIm[m + 1]!;
    let xr0 = this.xRe[m]!;
    let xi0 = this.xIm[m]!;
    let xr1 = this.xRe[m + 1]!;
    let xi1 = this.xIm[m + 1]!;
    for (let t = 0; t < steps; t++) {
      const ut = u[t]!;
      const nr0 = lr0 * xr0 - li0 * xi0 + br0 * ut;
      const ni0 = lr0 * xi0 + li0 * xr0 + bi0 * ut;
      const nr1 = lr1 * xr1 - li1 * xi1 + br1 * ut;
      const ni1 = lr1 * xi1 + li1 * xr1 + bi1 * ut;
      xr0 = nr0;
      xi0 = ni0;
      xr1 = nr1;
      xi1 = ni1;
      acc[t] = acc[t]! + (cr0 * nr0 - ci0 * ni0) + (cr1 * nr1 - ci1 * ni1);
    }
    this.xRe[m] = xr0;
    this.xIm[m] = xi0;
    this.xRe[m + 1] = xr1;
    this.xIm[m + 1] = xi1;
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
    const H = this.ssm.channels;
    for (let at = 0; at < u.length; at += H) this.stepAt(u, y, at);
  }

  /** One time step: the row of u and y at `at`. */
  private stepAt(u: Float64Array, y: Float64Array, at: number): void {
    const { channels: H, taps, k, d } = this.ssm;
    const { ring, head } = this;
    const span = Math.min(this.seen + 1, taps);
    for (let h = 0; h < H; h++) {
      const row = h * taps;
      ring[row + head] = u[at + h]!;
      let acc = 0;
      for (let l = 0; l < span; l++) {
        const j = head - l;
        acc += k[row + l]! * ring[row + (j < 0 ? j + taps : j)]!;
      }
      y[at + h] = acc + d[h]! * u[at + h]!;
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
  /** Each step's rows of uq and yq, made once. */
  private readonly uqRows: Float64Array[];
  private readonly yqRows: Float64Array[];

  constructor(
    private readonly ssm: IntegerSsm,
    capacity: number,
  ) {
    const H = ssm.channels;
    this.uq = new Float64Array(capacity * H);
    this.yq = new Float64Array(capacity * H);
    this.xr = new Float64Array(H * ssm.modes);
    this.xi = new Float64Array(H * ssm.modes);
    const rows = (a: Float64Array) =>
      Array.from({ length: capacity }, (_, t) => a.subarray(t * H, (t + 1) * H));
    this.uqRows = rows(this.uq);
    this.yqRows = rows(this.yq);
  }

  reset(): void {
    this.xr.fill(0);
    this.xi.fill(0);
  }

  step(u: Float64Array, y: Float64Array): void {
    const { ssm, uq, yq } = this;
    const [uLo, uHi] = ssm.uRange;
    for (let i = 0; i < u.length; i++) {
      // Step 1: the division in float32.
      uq[i] = clamp(roundHalfEven(fround(fround(u[i]!) / ssm.su)), uLo, uHi);
    }
    for (let t = 0; t < u.length / ssm.channels; t++)
      integerCoreStep(ssm, this.xr, this.xi, this.uqRows[t]!, this.yqRows[t]!);
    for (let i = 0; i < u.length; i++) y[i] = fround(yq[i]! * ssm.sy);
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

/** A stepper for blocks of at most `capacity` steps. */
export function stepperFor(ssm: SsmPlan, capacity: number): SsmStepper {
  switch (ssm.kind) {
    case "diagonal":
      return new DiagonalStepper(ssm, capacity);
    case "fir":
      return new FirStepper(ssm);
    case "integer":
      return new IntegerStepper(ssm, capacity);
  }
}
