// discretize: (dt, A, B, C) -> (lambda, Bbar, C), per complex mode, ZOH by default or bilinear
// (the SSM's `discretization`). A = 0 (ternary A_quant) takes the limit (lambda - 1)/A -> dt
// (src/arith/discretize.ts evaluates phi1 without cancellation), never 0/0. Every mode must end
// strictly inside the unit circle: |lambda| >= 1 is a coded error naming layer, channel, mode.
// Quantizers on lambda and bbar (qs4d-symmetric-v1 grids on dA, dB) now annotate the values
// they were defined on. Kernel-only SSMs have nothing to discretize and pass unchanged.

import { discretizeModes } from "../arith/discretize.js";
import { fail } from "../diag/error.js";
import type { Layer, Model, Ssm, SsmContinuous, SsmDiscrete } from "../ir/model.js";
import { f64Tensor, values } from "./lib/tensors.js";
import type { Pass } from "./pass.js";

export interface DiscretizeReport {
  readonly layers: {
    readonly layer: number;
    readonly method: "zoh" | "bilinear";
    /** Largest |lambda| over the layer's modes: how close to the unit circle. */
    readonly maxMagnitude: number;
    /** Modes whose Re A is exactly 0 (the A = 0 limit was taken). */
    readonly zeroA: number;
  }[];
}

function discretizeSsm(
  ssm: Ssm,
  form: SsmContinuous,
  layer: number,
  report: DiscretizeReport,
): Ssm {
  const H = ssm.channels;
  const M = ssm.modes;
  const prefix = `layers.${layer}.kernel`;
  const logDt = values(form.logDt, `${prefix}.log_dt`);
  const aRe = values(form.aRe, `${prefix}.A_real`);
  const aIm = values(form.aIm, `${prefix}.A_imag`);
  const bRe = form.bRe === null ? null : values(form.bRe, `${prefix}.B`);
  const bIm = form.bIm === null ? null : values(form.bIm, `${prefix}.B`);
  const out = discretizeModes(ssm.discretization, H, M, logDt, aRe, aIm, bRe, bIm);
  let maxMagnitude = 0;
  let zeroA = 0;
  for (let h = 0; h < H; h++) {
    for (let m = h * M; m < (h + 1) * M; m++) {
      const magnitude = Math.hypot(out.lamRe[m]!, out.lamIm[m]!);
      // The squared magnitude is what the later passes use (1 - |lambda|^2): hypot can round
      // just below 1 where the square does not.
      if (!(out.lamRe[m]! ** 2 + out.lamIm[m]! ** 2 < 1)) {
        const dt = Math.exp(logDt[h]!);
        fail(
          "QS4D-E405",
          { layer, channel: h, mode: m - h * M, magnitude, aRe: aRe[m]!, aIm: aIm[m]!, dt },
          { tensor: `${prefix}.A_real` },
        );
      }
      maxMagnitude = Math.max(maxMagnitude, magnitude);
      if (aRe[m] === 0) zeroA++;
    }
  }
  report.layers.push({ layer, method: ssm.discretization, maxMagnitude, zeroA });
  const shape = [H, M];
  const discrete: SsmDiscrete = {
    kind: "discrete",
    lambdaRe: f64Tensor(shape, out.lamRe),
    lambdaIm: f64Tensor(shape, out.lamIm),
    bbarRe: f64Tensor(shape, out.bRe),
    bbarIm: f64Tensor(shape, out.bIm),
    cRe: form.cRe,
    cIm: form.cIm,
  };
  // Quantizers of the continuous parameters were consumed by apply-qat; any left over would
  // annotate tensors that no longer exist.
  const { logDt: _dt, aRe: _ar, aIm: _ai, ...quant } = ssm.quant;
  return { ...ssm, form: discrete, quant };
}

export function discretize(model: Model, report: DiscretizeReport): Model {
  const layers = model.layers.map((layer, i): Layer => {
    const form = layer.ssm.form;
    if (form.kind !== "continuous") return layer;
    if (layer.ssm.quant.logDt !== undefined || layer.ssm.quant.aRe !== undefined) {
      fail("QS4D-E406", { layer: i, pass: "apply-qat" }, { tensor: `layers.${i}.kernel` });
    }
    return { ...layer, ssm: discretizeSsm(layer.ssm, form, i, report) };
  });
  return { ...model, layers };
}

export const DISCRETIZE: Pass = {
  name: "discretize",
  description:
    "discretize each SSM (ZOH or bilinear) to lambda, Bbar, C; reject modes with |lambda| >= 1",
  options: [],
  run(model, context) {
    const report: DiscretizeReport = { layers: [] };
    const result = discretize(model, report);
    context.reports.set("discretize", report);
    return result;
  },
};
