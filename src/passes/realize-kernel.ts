// realize-kernel: a kernel-only SSM (a constant lag-ordered FIR kernel k[h, l], SsmKernel)
// becomes a discrete diagonal SSM the crossbars can run: per channel, M complex modes
// (lambda, Bbar, C) with 2 Re(sum_n C_n Bbar_n lambda_n^l) ~ k[h, l] for l = 0..L-1 (lib/
// realize.ts: Kung's Hankel-SVD identification, stable by construction, residues by least
// squares). D is unchanged: y = causal_conv(u, k) + D u.
//
// M is the model's d_state / 2, or the `realize-modes` option. A channel may need fewer modes
// than M: the rest are zero (lambda = Bbar = C = 0), which layout-imssa leaves out. How a
// mode's w = C Bbar is split is free (requantize rebalances it); it is split input-normally,
// Bbar = sqrt(1 - |lambda|^2) real, so that each mode's state has unit stationary rms for a
// white input of unit rms. The report gives every channel's relative L2 kernel error, modes,
// order and identified unstable poles; a layer whose worst error exceeds the
// `realize-tolerance` option (default 1e-3, well below what 8-bit weights resolve) gets W405.
// The convolution-mode kernel quantizer (QS4D state_quant on K) has no recurrent counterpart:
// dropped with W401, as apply-qat does for S4D kernels.

import { fail } from "../diag/error.js";
import type { Layer, Model, Ssm, SsmDiscrete, SsmKernel } from "../ir/model.js";
import { realizeKernel, roundingNoise } from "./lib/realize.js";
import { f64Tensor, values } from "./lib/tensors.js";
import type { Pass, PassContext, PassOptionSpec } from "./pass.js";

export interface RealizedChannel {
  readonly channel: number;
  /** Modes used (at most the layer's `modes`). */
  readonly modes: number;
  /** Real order of the identified system. */
  readonly order: number;
  /** ||K - k|| / ||k|| over the kernel's taps. */
  readonly error: number;
  /** Identified poles on or outside the stability bound, moved inside by the refinement. */
  readonly unstable: number;
}

export interface RealizedLayer {
  readonly layer: number;
  /** Modes per channel in the IR (the budget). */
  readonly modes: number;
  readonly taps: number;
  readonly channels: RealizedChannel[];
  readonly worst: { readonly channel: number; readonly error: number };
}

export interface RealizeKernelReport {
  readonly tolerance: number;
  readonly layers: RealizedLayer[];
  /** The worst channel of the model, null when no layer was kernel-only. */
  readonly worst: {
    readonly layer: number;
    readonly channel: number;
    readonly error: number;
  } | null;
}

export const DEFAULT_TOLERANCE = 1e-3;

const OPTIONS: readonly PassOptionSpec[] = [
  {
    name: "realize-modes",
    type: "integer",
    default: null,
    description:
      "kernel-only models: complex modes per channel to realize each kernel with (default d_state / 2)",
  },
  {
    name: "realize-tolerance",
    type: "number",
    default: DEFAULT_TOLERANCE,
    description:
      "kernel-only models: relative kernel error above which realize-kernel warns (W405)",
  },
];

function positiveOption(
  context: PassContext | null,
  option: string,
  integer: boolean,
): number | null {
  const raw = context?.options[option];
  if (raw === undefined) return null;
  const value = Number(raw);
  const ok = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok || typeof raw === "boolean") {
    const reason = integer ? "not an integer >= 1" : "not a number > 0";
    fail("QS4D-E418", { option, value: String(raw), reason });
  }
  return value;
}

/** Modes per channel: the option, else d_state / 2; the IR needs one M for all layers. */
function modeBudget(model: Model, option: number | null): number {
  const declared = Math.floor(model.config.state / 2);
  const mixed = model.layers.some((l) => l.ssm.form.kind !== "kernel");
  if (option !== null) {
    if (mixed && option !== declared) {
      fail("QS4D-E418", {
        option: "realize-modes",
        value: option,
        reason: `the model's S4D layers have ${declared} modes per channel, and one model has one mode count`,
      });
    }
    return option;
  }
  const first = model.layers.findIndex((l) => l.ssm.form.kind === "kernel");
  if (declared < 1) fail("QS4D-E419", { layer: first, model: model.name });
  return declared;
}

function realizeSsm(ssm: Ssm, form: SsmKernel, layer: number, M: number) {
  const H = ssm.channels;
  const name = `layers.${layer}.kernel.K`;
  const k = values(form.k, name);
  const L = k.length / H;
  const mantissa = form.k.dtype === "f32" ? 23 : 52;
  const n = H * M;
  const t = {
    lamRe: new Float64Array(n),
    lamIm: new Float64Array(n),
    bRe: new Float64Array(n),
    bIm: new Float64Array(n),
    cRe: new Float64Array(n),
    cIm: new Float64Array(n),
  };
  const channels: RealizedChannel[] = [];
  for (let h = 0; h < H; h++) {
    const row = k.subarray(h * L, (h + 1) * L);
    const r = realizeKernel(row, M, roundingNoise(row, mantissa));
    for (let m = 0; m < r.modes; m++) {
      const i = h * M + m;
      const bbar = Math.sqrt(1 - (r.lamRe[m]! ** 2 + r.lamIm[m]! ** 2));
      t.lamRe[i] = r.lamRe[m]!;
      t.lamIm[i] = r.lamIm[m]!;
      t.bRe[i] = bbar;
      t.cRe[i] = r.wRe[m]! / bbar;
      t.cIm[i] = r.wIm[m]! / bbar;
    }
    channels.push({
      channel: h,
      modes: r.modes,
      order: r.order,
      error: r.error,
      unstable: r.unstable,
    });
  }
  const shape = [H, M];
  const discrete: SsmDiscrete = {
    kind: "discrete",
    lambdaRe: f64Tensor(shape, t.lamRe),
    lambdaIm: f64Tensor(shape, t.lamIm),
    bbarRe: f64Tensor(shape, t.bRe),
    bbarIm: f64Tensor(shape, t.bIm),
    cRe: f64Tensor(shape, t.cRe),
    cIm: f64Tensor(shape, t.cIm),
  };
  const worst = channels.reduce((a, b) => (b.error > a.error ? b : a));
  const report: RealizedLayer = {
    layer,
    modes: M,
    taps: L,
    channels,
    worst: { channel: worst.channel, error: worst.error },
  };
  const { kernel: dropped, ...quant } = ssm.quant;
  return {
    ssm: { ...ssm, modes: M, form: discrete, quant },
    report,
    dropped: dropped !== undefined,
  };
}

export function realizeKernels(model: Model, context: PassContext | null) {
  const tolerance = positiveOption(context, "realize-tolerance", false) ?? DEFAULT_TOLERANCE;
  const report: RealizeKernelReport = { tolerance, layers: [], worst: null };
  if (model.layers.every((l) => l.ssm.form.kind !== "kernel")) return { model, report };
  const M = modeBudget(model, positiveOption(context, "realize-modes", true));
  const layers = model.layers.map((layer, i): Layer => {
    const form = layer.ssm.form;
    if (form.kind !== "kernel") return layer;
    const r = realizeSsm(layer.ssm, form, i, M);
    report.layers.push(r.report);
    const tensor = `layers.${i}.kernel.K`;
    if (r.dropped) context?.diagnostics.warn("QS4D-W401", { tensor }, { tensor });
    const above = r.report.channels.filter((c) => c.error > tolerance);
    if (above.length > 0) {
      context?.diagnostics.warn(
        "QS4D-W405",
        {
          layer: i,
          count: above.length,
          channels: layer.ssm.channels,
          threshold: tolerance,
          channel: r.report.worst.channel,
          error: r.report.worst.error.toExponential(2),
        },
        { tensor },
      );
    }
    return { ...layer, ssm: r.ssm };
  });
  const worst = report.layers.reduce<RealizeKernelReport["worst"]>(
    (w, l) => (w === null || l.worst.error > w.error ? { layer: l.layer, ...l.worst } : w),
    null,
  );
  const config = { ...model.config, state: 2 * M };
  return { model: { ...model, config, layers }, report: { ...report, worst } };
}

export const REALIZE_KERNEL: Pass = {
  name: "realize-kernel",
  description:
    "realize kernel-only SSMs (constant FIR kernels) as M complex diagonal modes per channel (Hankel-SVD identification, stable, least-squares residues); report each channel's kernel error",
  options: OPTIONS,
  run(model, context) {
    const { model: result, report } = realizeKernels(model, context);
    context.reports.set("realize-kernel", report);
    return result;
  },
};
