// prune: structural removal of whole modes (their 4 rows and 4 columns) and of dead channels,
// by a stated criterion, after requantize (so that it sees what the chip would compute):
//   --prune zero          modes whose quantized Bbar or C is all zero: they contribute nothing
//                         to y (lossless);
//   --prune energy:T      also modes whose share of their channel's SSM output energy is < T;
//   --prune ratio:R       also the fraction R of all modes with the smallest shares.
// A mode's output energy is that of its impulse response 2 Re(C Bbar lambda^t) over t >= 0,
// 2|w|^2/(1-|lambda|^2) + 2 Re(w^2/(1-lambda^2)) with w = C Bbar (quantized values); its share
// ignores cross terms between modes. A pruned mode gets all its codes set to 0, which
// layout-imssa reads as "absent"; a channel with every mode pruned and D = 0 has no block.
// With --calib and --calib-labels the report includes the accuracy before and after, measured
// by the emulator on the calibration data.

import { fail } from "../diag/error.js";
import type { AffineQuantizer, Layer, Model, Quantizer } from "../ir/model.js";
import type { Tensor } from "../ir/tensor.js";
import { emptyLayoutReport, type LayoutReport, layoutImssa } from "./layout-imssa.js";
import { integerSsm } from "./lib/integer-ssm.js";
import { changeError } from "./lib/precision.js";
import { emulatedAccuracy } from "./lib/predict.js";
import { i32Tensor, ints } from "./lib/tensors.js";
import type { Pass, PassContext } from "./pass.js";
import { MAX_ERROR_OPTION, requantizeOptions, SEQ_LEN_OPTION } from "./requantize.js";

export type PruneCriterion =
  | { readonly kind: "none" }
  | { readonly kind: "zero" }
  | { readonly kind: "energy"; readonly threshold: number }
  | { readonly kind: "ratio"; readonly ratio: number };

export interface PrunedMode {
  readonly layer: number;
  readonly channel: number;
  readonly mode: number;
  readonly share: number;
  readonly reason: "zero" | "energy" | "ratio";
}

export interface PruneReport {
  readonly criterion: string;
  readonly modes: PrunedMode[];
  readonly deadChannels: string[];
  readonly rowsSaved: number;
  readonly colsSaved: number;
  readonly cellsSaved: number;
  readonly blocksSaved: number;
  /**
   * Predicted relative output error that pruning adds, per layer with pruned modes (the pruned
   * chip against the unpruned one at the analysis length), and the budget it is held to.
   */
  readonly predicted: { readonly layer: number; readonly error: number }[];
  readonly budget: number;
  /** Measured by the emulator on --calib data with --calib-labels; null without them. */
  readonly accuracy: {
    readonly before: number;
    readonly after: number;
    readonly samples: number;
  } | null;
}

export function parseCriterion(text: string | undefined): PruneCriterion {
  if (text === undefined || text === "" || text === "none") return { kind: "none" };
  if (text === "zero") return { kind: "zero" };
  // Number("") is 0: an empty or blank value ("energy:") is refused, not taken as 0.
  const [kind, arg = "", ...rest] = text.split(":");
  const value = arg.trim() === "" || rest.length > 0 ? Number.NaN : Number(arg);
  if (kind === "energy" && value >= 0 && value < 1) return { kind, threshold: value };
  if (kind === "ratio" && value >= 0 && value < 1) return { kind, ratio: value };
  return fail("QS4D-E416", { value: text });
}

interface ModeInfo {
  readonly layer: number;
  readonly channel: number;
  readonly mode: number;
  readonly share: number;
  readonly zero: boolean;
}

function scaleAt(q: AffineQuantizer, h: number): number {
  return typeof q.scale === "number" ? q.scale : (q.scale[q.scale.length === 1 ? 0 : h] ?? 1);
}

function affine(q: Quantizer | undefined, layer: number): AffineQuantizer {
  if (q?.kind !== "affine" || q.codes === undefined)
    fail("QS4D-E406", { layer, pass: "requantize" });
  return q;
}

/** Output energy share of every mode of a layer, from its quantized codes. */
function modeInfos(layer: Layer, i: number): ModeInfo[] {
  const { channels: H, modes: M, quant } = layer.ssm;
  const [lq, bq, cq] = [affine(quant.lambda, i), affine(quant.bbar, i), affine(quant.c, i)];
  const [a, b, c] = [ints(lq.codes!, "lambda"), ints(bq.codes!, "bbar"), ints(cq.codes!, "C")];
  const infos: ModeInfo[] = [];
  for (let h = 0; h < H; h++) {
    const energies: number[] = [];
    const zeros: boolean[] = [];
    for (let n = 0; n < M; n++) {
      const k = 2 * (h * M + n);
      const [lr, li] = [a[k]! * scaleAt(lq, h), a[k + 1]! * scaleAt(lq, h)];
      const [br, bi] = [b[k]! * scaleAt(bq, h), b[k + 1]! * scaleAt(bq, h)];
      const [cr, ci] = [c[k]! * scaleAt(cq, h), c[k + 1]! * scaleAt(cq, h)];
      const wr = cr * br - ci * bi;
      const wi = cr * bi + ci * br;
      // 2|w|^2 / (1 - |l|^2) + 2 Re(w^2 / (1 - l^2))
      const w2r = wr * wr - wi * wi;
      const w2i = 2 * wr * wi;
      const dr = 1 - (lr * lr - li * li);
      const di = -2 * lr * li;
      const den = dr * dr + di * di;
      const cross = (w2r * dr + w2i * di) / den;
      energies.push((2 * (wr * wr + wi * wi)) / (1 - (lr * lr + li * li)) + 2 * cross);
      zeros.push((b[k] === 0 && b[k + 1] === 0) || (c[k] === 0 && c[k + 1] === 0));
    }
    const total = energies.reduce((s, e) => s + Math.max(e, 0), 0);
    energies.forEach((e, n) => {
      infos.push({
        layer: i,
        channel: h,
        mode: n,
        share: total > 0 ? Math.max(e, 0) / total : 0,
        zero: zeros[n]!,
      });
    });
  }
  return infos;
}

function choose(infos: readonly ModeInfo[], criterion: PruneCriterion): PrunedMode[] {
  const chosen = new Map<string, PrunedMode>();
  const key = (m: ModeInfo) => `${m.layer}.${m.channel}.${m.mode}`;
  for (const m of infos) if (m.zero) chosen.set(key(m), { ...m, reason: "zero" });
  if (criterion.kind === "energy") {
    for (const m of infos) {
      if (!chosen.has(key(m)) && m.share < criterion.threshold)
        chosen.set(key(m), { ...m, reason: "energy" });
    }
  } else if (criterion.kind === "ratio") {
    const count = Math.floor(criterion.ratio * infos.length);
    const order = [...infos].sort(
      (x, y) => x.share - y.share || x.layer - y.layer || x.channel - y.channel || x.mode - y.mode,
    );
    for (const m of order) {
      if (chosen.size >= count) break;
      if (!chosen.has(key(m))) chosen.set(key(m), { ...m, reason: "ratio" });
    }
  }
  return [...chosen.values()].sort(
    (x, y) => x.layer - y.layer || x.channel - y.channel || x.mode - y.mode,
  );
}

/** Zero every code of the pruned modes (lambda, bbar, C). */
function zeroModes(model: Model, pruned: readonly PrunedMode[]): Model {
  const layers = model.layers.map((layer, i) => {
    const mine = pruned.filter((p) => p.layer === i);
    if (mine.length === 0) return layer;
    const M = layer.ssm.modes;
    const quant = { ...layer.ssm.quant };
    for (const role of ["lambda", "bbar", "c"] as const) {
      const q = affine(quant[role], i);
      const codes = ints(q.codes!, role);
      for (const p of mine)
        codes.fill(0, 2 * (p.channel * M + p.mode), 2 * (p.channel * M + p.mode) + 2);
      quant[role] = { ...q, codes: i32Tensor(q.codes!.shape, codes) };
    }
    const r = layer.ssm.residual;
    if (r === undefined) return { ...layer, ssm: { ...layer.ssm, quant } };
    const zeroed = (t: Tensor, name: string) => {
      const codes = ints(t, name);
      for (const p of mine)
        codes.fill(0, 2 * (p.channel * M + p.mode), 2 * (p.channel * M + p.mode) + 2);
      return i32Tensor(t.shape, codes);
    };
    const residual = { ...r, delta: zeroed(r.delta, "delta"), bbar: zeroed(r.bbar, "bbar") };
    return { ...layer, ssm: { ...layer.ssm, quant, residual } };
  });
  return { ...model, layers };
}

function totals(r: LayoutReport) {
  return r.blocks.reduce(
    (s, b) => ({
      rows: s.rows + b.rows,
      cols: s.cols + b.cols,
      cells: s.cells + b.cells,
      blocks: s.blocks + 1,
    }),
    { rows: 0, cols: 0, cells: 0, blocks: 0 },
  );
}

export function prune(
  model: Model,
  criterion: PruneCriterion,
  context: PassContext | null,
): { model: Model; report: PruneReport } {
  if (criterion.kind === "none") {
    const report: PruneReport = {
      criterion: "none",
      modes: [],
      deadChannels: [],
      rowsSaved: 0,
      colsSaved: 0,
      cellsSaved: 0,
      blocksSaved: 0,
      predicted: [],
      budget: 0,
      accuracy: null,
    };
    return { model, report };
  }
  if (model.hardware === null) fail("QS4D-E406", { layer: 0, pass: "requantize" });
  const infos = model.layers.flatMap((layer, i) => modeInfos(layer, i));
  const pruned = choose(infos, criterion);
  const result = zeroModes(model, pruned);
  const before = emptyLayoutReport();
  const after = emptyLayoutReport();
  const loweredBefore = layoutImssa(model, before);
  const loweredAfter = layoutImssa(result, after);
  const [t0, t1] = [totals(before), totals(after)];
  const measure =
    context?.calibration != null && context.calibrationLabels != null && pruned.length > 0;
  const report: PruneReport = {
    criterion:
      criterion.kind === "zero"
        ? "zero"
        : criterion.kind === "energy"
          ? `energy:${criterion.threshold}`
          : `ratio:${criterion.ratio}`,
    modes: pruned,
    deadChannels: after.deadChannels.filter((c) => !before.deadChannels.includes(c)),
    rowsSaved: t0.rows - t1.rows,
    colsSaved: t0.cols - t1.cols,
    cellsSaved: t0.cells - t1.cells,
    blocksSaved: t0.blocks - t1.blocks,
    ...predictedCost(model, result, pruned, context),
    accuracy: measure
      ? {
          before: emulatedAccuracy(
            loweredBefore,
            context!.calibration!,
            context!.calibrationLabels!,
          ),
          after: emulatedAccuracy(loweredAfter, context!.calibration!, context!.calibrationLabels!),
          samples: context!.calibration!.shape[0]!,
        }
      : null,
  };
  return { model: result, report };
}

/**
 * What the pruned modes cost, predicted: each pruned layer's chip against its unpruned chip
 * (requantize's analysis, at its length and budget); W408 for a layer over the budget.
 */
function predictedCost(
  model: Model,
  result: Model,
  pruned: readonly PrunedMode[],
  context: PassContext | null,
): Pick<PruneReport, "predicted" | "budget"> {
  const options = requantizeOptions(context?.options ?? {});
  const length = options.length ?? model.config.length ?? context?.calibration?.shape[1] ?? 1024;
  const dRows = model.hardware!.params.dPlacement === "rows";
  const adcBits = model.hardware!.params.adcBits;
  const layers = [...new Set(pruned.map((p) => p.layer))];
  const predicted = layers.map((i) => {
    const before = integerSsm(model.layers[i]!.ssm, i, dRows, adcBits);
    const after = integerSsm(result.layers[i]!.ssm, i, dRows, adcBits);
    return { layer: i, error: changeError(before, after, length) };
  });
  for (const p of predicted) {
    if (p.error <= options.maxError) continue;
    context?.diagnostics.warn("QS4D-W408", {
      layer: p.layer,
      modes: pruned.filter((m) => m.layer === p.layer).length,
      error: `${(p.error * 100).toPrecision(2)}%`,
      length,
      budget: `${(options.maxError * 100).toPrecision(2)}%`,
    });
  }
  return { predicted, budget: options.maxError };
}

export const PRUNE: Pass = {
  name: "prune",
  description:
    "remove whole modes (4 rows, 4 columns each) and dead channels: --prune zero | energy:T | ratio:R; report savings and accuracy change",
  options: [
    {
      name: "prune",
      type: "string",
      default: "none",
      description:
        "modes to remove: none | zero (all-zero modes) | energy:T (also modes under a share T of their channel's output energy) | ratio:R (also the share R of modes with the least energy); T, R in [0, 1)",
    },
    // The predicted cost of the pruned modes: requantize's analysis length and budget.
    SEQ_LEN_OPTION,
    MAX_ERROR_OPTION,
  ],
  run(model, context) {
    const option = context.options.prune;
    const criterion = parseCriterion(option === undefined ? undefined : String(option));
    const { model: result, report } = prune(model, criterion, context);
    context.reports.set("prune", report);
    return result;
  },
};
