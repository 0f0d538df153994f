// The residual state update of one SSM layer (docs/lowering.md, "Long memories"): the cells of
// mode n hold lambda - 1 and Bbar on a grid of their own (one gain per mode's columns), the
// columns read dx = (lambda - 1) x + Bbar u, the ADC converts it in steps of 2^shift register
// codes, and the periphery adds it into a wider state register. A slow mode's lambda - 1 is
// small: on its own grid it keeps the relative precision that QS4D's continuous-domain
// quantization keeps, and its small increment fills the ADC instead of a 1/127 sliver of it.

import { clamp, roundHalfEven } from "../../arith/numeric.js";
import type { ResidualUpdate } from "../../ir/model.js";
import { f64Tensor, i32Tensor } from "./tensors.js";

export interface ResidualInput {
  readonly H: number;
  readonly M: number;
  /** [H, M, 2] the trained lambda (re, im). */
  readonly lambda: Float64Array;
  /** [H, M, 2] Bbar in register codes per input code. */
  readonly bbar: Float64Array;
  /** A grid of bbar the model already has, kept when the cells hold it: codes and [H] scales. */
  readonly bbarGrid: { readonly codes: Int32Array; readonly scales: Float64Array } | null;
  /** Code limits of the state register, the input DAC and the state columns' conversions. */
  readonly xLimit: number;
  readonly uLimit: number;
  readonly convLimit: number;
  /** Largest code a weight may have (cells x slices). */
  readonly maxCode: number;
}

/** Codes of one complex pair on a grid of its own: scale = max |part| / maxCode. */
function pairGrid(re: number, im: number, maxCode: number): [number, number, number] {
  const m = Math.max(Math.abs(re), Math.abs(im));
  if (m === 0) return [0, 0, 1];
  const scale = m / maxCode;
  const code = (v: number) => clamp(roundHalfEven(v / scale), -maxCode, maxCode);
  return [code(re), code(im), scale];
}

/**
 * |1 + delta| < 1 is what keeps the recurrence stable: pull a rounded delta inside, to the
 * largest code c <= dr with (1 + c s)^2 + (di s)^2 < 1 (closed form, then a step or two for
 * the rounding of the square root; never a walk over the code range).
 */
function stabilized(dr: number, di: number, scale: number, maxCode: number): number {
  const stable = (c: number) => (1 + c * scale) ** 2 + (di * scale) ** 2 < 1;
  if (stable(dr)) return dr;
  const room = 1 - (di * scale) ** 2;
  if (room <= 0) return -maxCode;
  let code = Math.min(dr, Math.ceil((Math.sqrt(room) - 1) / scale));
  while (!stable(code) && code > -maxCode) code--;
  return Math.max(code, -maxCode);
}

/** The smallest shift whose ADC steps hold the largest increment |dx| of the mode. */
function shiftFor(bound: number, adcLimit: number): number {
  let shift = 0;
  while (bound / 2 ** shift > adcLimit && shift < 30) shift++;
  return shift;
}

/**
 * The range of a mode's increment dx, in register codes, on the footing of the state's own
 * range (xLimit stands for 4 rms of x, requantize's headroom): a stationary x driven by a white
 * input has E|x_t - x_{t-1}|^2 = 2 (1 - Re lambda) E|x|^2, so dx spans sqrt(2 (1 - Re lambda))
 * xLimit; a step of the input can also give dx = Bbar u at once.
 */
function incrementRange(r: ResidualInput, k: number, bbarMagnitude: number): number {
  const drift = Math.sqrt(Math.max(0, 2 * (1 - r.lambda[k]!))) * r.xLimit;
  return Math.max(drift, bbarMagnitude * r.uLimit);
}

export function residualUpdate(r: ResidualInput): ResidualUpdate {
  const { H, M, maxCode } = r;
  const delta = new Int32Array(2 * H * M);
  const bbar = new Int32Array(2 * H * M);
  const deltaScale = new Float64Array(H * M);
  const bbarScale = new Float64Array(H * M);
  const shift = new Int32Array(H * M);
  const grid = r.bbarGrid?.codes.every((c) => Math.abs(c) <= maxCode) ? r.bbarGrid : null;
  for (let m = 0; m < H * M; m++) {
    const k = 2 * m;
    const [dr, di, ds] = pairGrid(r.lambda[k]! - 1, r.lambda[k + 1]!, maxCode);
    delta[k] = stabilized(dr, di, ds, maxCode);
    delta[k + 1] = di;
    deltaScale[m] = ds;
    if (grid !== null) {
      bbar[k] = grid.codes[k]!;
      bbar[k + 1] = grid.codes[k + 1]!;
      bbarScale[m] = grid.scales[Math.floor(m / M)]!;
    } else {
      const [br, bi, bs] = pairGrid(r.bbar[k]!, r.bbar[k + 1]!, maxCode);
      bbar[k] = br;
      bbar[k + 1] = bi;
      bbarScale[m] = bs;
    }
    shift[m] = shiftFor(
      incrementRange(r, k, bbarScale[m]! * Math.hypot(bbar[k]!, bbar[k + 1]!)),
      r.convLimit,
    );
  }
  const hm = [H, M];
  const hm2 = [H, M, 2];
  return {
    delta: i32Tensor(hm2, delta),
    deltaScale: f64Tensor(hm, deltaScale),
    bbar: i32Tensor(hm2, bbar),
    bbarScale: f64Tensor(hm, bbarScale),
    shift: i32Tensor(hm, shift),
    limit: r.convLimit,
  };
}
