// A pass is a named, described function from IR to IR (MLIR/Binaryen style). Passes never
// mutate their input model: they return a new one (sharing untouched parts).

import type { DiagnosticSink } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import type { TargetDescription } from "../target/types.js";
import type { CalibrationData } from "./lib/calibrate.js";

export type PassOptionValue = string | number | boolean;

/**
 * One option a pass reads from PassContext.options. `qs4dc passes` lists them; the pass manager
 * refuses an option no registered pass declares (QS4D-E055). The pass parses and checks the
 * value itself (its own coded diagnostic for a bad value).
 */
export interface PassOptionSpec {
  /** kebab-case: the CLI flag is --<name>, the API's CompileOptions key its camelCase. */
  readonly name: string;
  /** What the value must be; "string" values may be restricted to `values`. */
  readonly type: "integer" | "number" | "boolean" | "string";
  /** The accepted values of a string option with a fixed set of them. */
  readonly values?: readonly string[];
  /** The value used when the option is not given; null when it is derived (the description says from what). */
  readonly default: PassOptionValue | null;
  /** One line for `qs4dc passes`. */
  readonly description: string;
}

export interface PassContext {
  /** The target being compiled for; null when only target-independent passes run. */
  readonly target: TargetDescription | null;
  /** Options from the command line or API by name: only those some pass declares (Pass.options). */
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
  /**
   * Every option the pass reads from `context.options` (empty when it reads none). Two passes
   * may read one option: they then declare the same spec (the registry checks).
   */
  readonly options: readonly PassOptionSpec[];
  run(model: Model, context: PassContext): Model;
}
