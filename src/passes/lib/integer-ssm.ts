// The integer form of a requantized SSM, as the arrays compute it (fixtures/models/README.md
// "Quantized forward semantics", generalized to per-channel scales): codes of lambda, Bbar,
// C, D and the float64 column gains, computed in exactly the README's order:
//   M_A = sA;  M_B = (sB * su) / sx;  M_C = ((2 * sC) * sx) / sy;  M_D = (sD * su) / sy.
// With a per-sample input quantizer the arrays run in units of one u code: su = 1.

import { fail } from "../../diag/error.js";
import type { InputQuant } from "../../ir/hardware.js";
import type { AffineQuantizer, Quantizer, Ssm } from "../../ir/model.js";
import { f64 } from "../../ir/tensor.js";
import { ints, values } from "./tensors.js";

/** The residual update's codes and per-mode gains (Ssm.residual), flattened. */
export interface IntegerResidual {
  /** [H, M, 2] codes of lambda - 1 and of Bbar (register codes per input code). */
  readonly delta: Int32Array;
  readonly bbar: Int32Array;
  /** [H, M] */
  readonly deltaScale: Float64Array;
  readonly bbarScale: Float64Array;
  readonly shift: Int32Array;
  /** Code limit of the state columns' conversions. */
  readonly limit: number;
}

export interface IntegerSsm {
  readonly H: number;
  readonly M: number;
  /** [H, M, 2] codes (re, im). */
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly c: Int32Array;
  /** [H] codes of D, or null when D is applied digitally. */
  readonly d: Int32Array | null;
  readonly mA: Float64Array;
  readonly mB: Float64Array;
  readonly mC: Float64Array;
  readonly mD: Float64Array;
  /** Output dequantization scale per channel (relative to one u code for per-sample u). */
  readonly sy: Float64Array;
  readonly inputQuant: InputQuant;
  readonly uLimit: number;
  readonly xLimit: number;
  readonly yLimit: number;
  /** The ADC's code limit: a residual state column converts dx within it. */
  readonly adcLimit: number;
  /** The state update in residual form (the state register accumulates), or null. */
  readonly residual: IntegerResidual | null;
  /** The fraction bits of split channels' part conversions (Ssm.splitFraction), or null. */
  readonly splitFraction: number | null;
}

function affineOf(q: Quantizer | undefined, layer: number, role: string): AffineQuantizer {
  if (q?.kind !== "affine")
    fail("QS4D-E406", { layer, pass: "requantize" }, { tensor: `layers.${layer}.${role}` });
  return q;
}

function perChannel(q: AffineQuantizer, H: number): Float64Array {
  if (typeof q.scale === "number") return new Float64Array(H).fill(q.scale);
  if (q.scale.length === 1) return new Float64Array(H).fill(q.scale[0]!);
  return Float64Array.from(q.scale);
}

function codes(q: AffineQuantizer, layer: number, role: string): Int32Array {
  if (q.codes === undefined)
    fail("QS4D-E406", { layer, pass: "requantize" }, { tensor: `layers.${layer}.${role}` });
  return ints(q.codes, `layers.${layer}.${role}`);
}

const limitOf = (bits: number) => 2 ** (bits - 1) - 1;

export function integerSsm(ssm: Ssm, layer: number, dOnRows: boolean, adcBits: number): IntegerSsm {
  const H = ssm.channels;
  const M = ssm.modes;
  const q = ssm.quant;
  const lambda = affineOf(q.lambda, layer, "lambda");
  const bbar = affineOf(q.bbar, layer, "bbar");
  const c = affineOf(q.c, layer, "C");
  const x = affineOf(q.x, layer, "x");
  const y = affineOf(q.y, layer, "y");
  const u = q.u;
  let su: Float64Array;
  let inputQuant: InputQuant;
  let uLimit: number;
  if (u?.kind === "levels" && u.scope === "sample") {
    su = new Float64Array(H).fill(1);
    uLimit = Math.floor(u.levels / 2);
    inputQuant = { kind: "sample", levels: u.levels };
  } else {
    const ua = affineOf(u, layer, "u");
    su = perChannel(ua, H);
    uLimit = limitOf(ua.bits);
    inputQuant = { kind: "static", scale: f64([H], su), limit: uLimit };
  }
  const sA = perChannel(lambda, H);
  const sB = perChannel(bbar, H);
  const sC = perChannel(c, H);
  const sx = perChannel(x, H);
  const sy = perChannel(y, H);
  const dq = dOnRows ? affineOf(q.d, layer, "D") : null;
  const sD = dq === null ? new Float64Array(H) : perChannel(dq, H);
  return {
    H,
    M,
    a: codes(lambda, layer, "lambda"),
    b: codes(bbar, layer, "bbar"),
    c: codes(c, layer, "C"),
    d: dq === null ? null : codes(dq, layer, "D"),
    mA: sA.slice(),
    mB: sB.map((s, h) => (s * su[h]!) / sx[h]!),
    mC: sC.map((s, h) => (2 * s * sx[h]!) / sy[h]!),
    mD: sD.map((s, h) => (s * su[h]!) / sy[h]!),
    sy,
    inputQuant,
    uLimit,
    xLimit: limitOf(x.bits),
    yLimit: limitOf(y.bits),
    adcLimit: limitOf(adcBits),
    residual: residualOf(ssm, layer),
    splitFraction: ssm.splitFraction ?? null,
  };
}

function residualOf(ssm: Ssm, layer: number): IntegerResidual | null {
  const r = ssm.residual;
  if (r === undefined) return null;
  const p = `layers.${layer}.residual`;
  return {
    delta: ints(r.delta, `${p}.delta`),
    bbar: ints(r.bbar, `${p}.bbar`),
    deltaScale: Float64Array.from(values(r.deltaScale, `${p}.delta_scale`)),
    bbarScale: Float64Array.from(values(r.bbarScale, `${p}.bbar_scale`)),
    shift: ints(r.shift, `${p}.shift`),
    limit: r.limit,
  };
}

/** A mode all of whose codes are 0 contributes nothing: it is not laid out (`prune` makes them). */
export function modeIsNull(s: IntegerSsm, h: number, n: number): boolean {
  const k = 2 * (h * s.M + n);
  if (s.residual !== null && (s.residual.bbar[k] !== 0 || s.residual.bbar[k + 1] !== 0))
    return false;
  return (
    s.a[k] === 0 &&
    s.a[k + 1] === 0 &&
    s.b[k] === 0 &&
    s.b[k + 1] === 0 &&
    s.c[k] === 0 &&
    s.c[k + 1] === 0
  );
}
