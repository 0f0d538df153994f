// The default lowering pipeline and the driver that runs it for `qs4dc compile` and
// `qs4dc emulate` (and the JS API): target, calibration data and options in, the lowered
// model and every pass's report out.

import { DiagnosticSink } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import type { LoadedTarget } from "../target/types.js";
import { type RunPassesOptions, runPasses } from "./manager.js";
import type { PassContext, PassOptionValue } from "./pass.js";

/** In order; each stage needs the previous one's result (the passes check and say so). */
export const DEFAULT_PIPELINE: readonly string[] = [
  "apply-qat",
  "realize-kernel",
  "discretize",
  "requantize",
  "prune",
  "layout-imssa",
  "tile",
  "map-conductance",
];

export interface LowerOptions {
  readonly target: LoadedTarget;
  /** Calibration inputs [batch, length, dIn] (PTQ ranges; with labels, accuracy reports). */
  readonly calibration?: {
    readonly inputs: Float64Array;
    readonly shape: readonly number[];
  } | null;
  readonly calibrationLabels?: Int32Array | null;
  /** Pass options by name, e.g. { prune: "energy:0.01" }. */
  readonly options?: Readonly<Record<string, PassOptionValue>>;
  /** Passes to run instead of the default pipeline. */
  readonly passes?: readonly string[];
  readonly run?: RunPassesOptions;
}

export interface Lowered {
  readonly model: Model;
  /** Reports by pass name, in the order the passes ran. */
  readonly reports: Map<string, unknown>;
  readonly diagnostics: DiagnosticSink;
  readonly passes: readonly string[];
}

export function lowerModel(model: Model, options: LowerOptions): Lowered {
  const diagnostics = new DiagnosticSink();
  const context: PassContext = {
    target: options.target.description,
    options: options.options ?? {},
    calibration: options.calibration ?? null,
    calibrationLabels: options.calibrationLabels ?? null,
    diagnostics,
    reports: new Map(),
  };
  const passes =
    options.passes !== undefined && options.passes.length > 0 ? options.passes : DEFAULT_PIPELINE;
  const lowered = runPasses(model, passes, context, options.run ?? {});
  return { model: lowered, reports: context.reports, diagnostics, passes };
}
