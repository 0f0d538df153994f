// The lowering driver for `qs4dc compile`, `qs4dc emulate`, `qs4dc verify` and the JS API:
// target, calibration data and options in, the default pipeline (src/passes/pipeline.ts) or
// the given passes run, the lowered model and every pass's report out. It hands the passes the
// calibration data together with the forward runs over it (forwards.ts), which need the
// executors that passes may not import.

import { DiagnosticSink } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import type { CalibrationInputs } from "../passes/lib/calibrate.js";
import { type RunPassesOptions, runPasses } from "../passes/manager.js";
import type { PassContext, PassOptionValue } from "../passes/pass.js";
import { DEFAULT_PIPELINE } from "../passes/pipeline.js";
import type { LoadedTarget } from "../target/types.js";
import { chipForwards } from "./forwards.js";

export interface LowerOptions {
  readonly target: LoadedTarget;
  /** Calibration inputs [batch, length, dIn] (PTQ ranges; with labels, accuracy reports). */
  readonly calibration?: CalibrationInputs | null;
  readonly calibrationLabels?: Int32Array | null;
  /** Pass options by name, e.g. { prune: "energy:0.01" }. */
  readonly options?: Readonly<Record<string, PassOptionValue>>;
  /** Passes to run instead of the default pipeline. */
  readonly passes?: readonly string[];
  readonly run?: RunPassesOptions;
  /** Threads of the calibration forwards (default: the machine's cores, as the work is worth). */
  readonly threads?: number;
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
  const calibration = options.calibration ?? null;
  const context: PassContext = {
    target: options.target.description,
    options: options.options ?? {},
    calibration:
      calibration === null ? null : { ...calibration, forwards: chipForwards(options.threads) },
    calibrationLabels: options.calibrationLabels ?? null,
    diagnostics,
    reports: new Map(),
  };
  const passes =
    options.passes !== undefined && options.passes.length > 0 ? options.passes : DEFAULT_PIPELINE;
  const lowered = runPasses(model, passes, context, options.run ?? {});
  return { model: lowered, reports: context.reports, diagnostics, passes };
}
