// A pass is a named, described function from IR to IR (MLIR/Binaryen style). Passes never
// mutate their input model: they return a new one (sharing untouched parts).

import type { DiagnosticSink } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import type { TargetDescription } from "../target/types.js";
import type { CalibrationData } from "./lib/calibrate.js";

export type PassOptionValue = string | number | boolean;

export interface PassContext {
  /** The target being compiled for; null when only target-independent passes run. */
  readonly target: TargetDescription | null;
  /** Options from the command line or API (`prune`, `calib` data, ...), by name. */
  readonly options: Readonly<Record<string, PassOptionValue>>;
  /**
   * Calibration inputs [batch, length, dIn] for post-training quantization, if given, with the
   * forward runs over them that the driver provides (passes do not import executors).
   */
  readonly calibration: CalibrationData | null;
  readonly calibrationLabels: Int32Array | null;
  /** Warnings and notes raised by passes. */
  readonly diagnostics: DiagnosticSink;
  /** Per-pass reports (SQNR tables, prune savings, utilization), keyed by pass name. */
  readonly reports: Map<string, unknown>;
}

export interface Pass {
  /** kebab-case, stable: it appears in --passes, --print-after and chip.bin manifests. */
  readonly name: string;
  /** One line for `qs4dc passes`. */
  readonly description: string;
  run(model: Model, context: PassContext): Model;
}
