// The flags every lowering command shares (`compile`, `emulate`): --target, --calib,
// --calib-labels, --prune, --realize-modes, --realize-tolerance, and how they become
// LowerOptions.

import type { Command } from "commander";
import { fail } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import type { LowerOptions } from "../passes/pipeline.js";
import { checkInput } from "../run/index.js";
import { loadTarget } from "../target/load.js";
import { type NpyArray, readNpy } from "../util/npy.js";

export interface LoweringFlags {
  readonly target?: string;
  readonly calib?: string;
  readonly calibLabels?: string;
  readonly prune?: string;
  readonly realizeModes?: string;
  readonly realizeTolerance?: string;
  readonly seqLen?: string;
  readonly maxError?: string;
  readonly maxAccuracyDrop?: string;
  readonly allowLoss?: boolean;
  readonly stateUpdate?: string;
}

export function addLoweringOptions(command: Command): Command {
  return command
    .option(
      "--target <name|file>",
      "built-in target name or target JSON file (default imssa-64; see 'qs4dc targets')",
    )
    .option(
      "--calib <file>",
      "calibration inputs .npy [batch, length, d_in] for post-training quantization",
    )
    .option(
      "--calib-labels <file>",
      "labels .npy [batch] of the calibration inputs: accuracy in the reports",
    )
    .option("--prune <criterion>", "prune modes: zero | energy:T | ratio:R (see 'qs4dc passes')")
    .option(
      "--realize-modes <M>",
      "kernel-only models: complex modes per channel to realize each kernel with (default d_state/2)",
    )
    .option(
      "--realize-tolerance <T>",
      "kernel-only models: relative kernel error above which realize-kernel warns (default 1e-3)",
    )
    .option(
      "--seq-len <L>",
      "sequence length the chip will run, for the precision analysis (default: the model's, else --calib's)",
    )
    .option(
      "--max-error <E>",
      "fidelity budget: predicted relative SSM output error per layer (default 0.01)",
    )
    .option(
      "--max-accuracy-drop <P>",
      "with --calib-labels: accuracy points the chip may lose on the calibration data (default 1)",
    )
    .option("--allow-loss", "keep the best configuration with a warning when none meets the budget")
    .option(
      "--state-update <scheme>",
      "SSM state update: auto (the cheapest within the budget), plain, residual (default auto)",
    );
}

/** Model inputs from a .npy file as float64, with their [batch, length, dIn] shape. */
export function readInputs(model: Model, file: string): { inputs: Float64Array; shape: number[] } {
  const npy = readNpy(file);
  const data = npy.data;
  // checkInput rejects any other dtype with a coded error before the cast matters.
  const { batch, length } = checkInput(model, data as Float32Array, npy.shape, file);
  return {
    inputs: Float64Array.from(data as Float32Array),
    shape: [batch, length, model.config.dIn],
  };
}

export function readLabels(file: string, batch: number): Int32Array {
  const npy: NpyArray = readNpy(file);
  const data = npy.data;
  const count = npy.shape.reduce((a, b) => a * b, 1);
  if (
    npy.shape.length !== 1 ||
    count !== batch ||
    data instanceof Float32Array ||
    data instanceof Float64Array
  ) {
    fail(
      "QS4D-E417",
      { file, shape: `[${npy.shape.join(", ")}]`, dtype: npy.dtype, batch },
      { file },
    );
  }
  return Int32Array.from(data as Int32Array, (v) => Number(v));
}

/** The flags that are pass options, by the names the passes read. */
function passOptions(flags: LoweringFlags): Record<string, string> {
  const options: Record<string, string> = {};
  if (flags.prune !== undefined) options.prune = flags.prune;
  if (flags.realizeModes !== undefined) options["realize-modes"] = flags.realizeModes;
  if (flags.realizeTolerance !== undefined) options["realize-tolerance"] = flags.realizeTolerance;
  if (flags.seqLen !== undefined) options["seq-len"] = flags.seqLen;
  if (flags.maxError !== undefined) options["max-error"] = flags.maxError;
  if (flags.maxAccuracyDrop !== undefined) options["max-accuracy-drop"] = flags.maxAccuracyDrop;
  if (flags.allowLoss === true) options["allow-loss"] = "true";
  if (flags.stateUpdate !== undefined) options["state-update"] = flags.stateUpdate;
  return options;
}

export function loweringOptions(model: Model, flags: LoweringFlags): LowerOptions {
  const target = loadTarget(flags.target);
  const calibration = flags.calib === undefined ? null : readInputs(model, flags.calib);
  if (flags.calibLabels !== undefined && calibration === null) {
    fail("QS4D-E003", { reason: "--calib-labels needs --calib" });
  }
  const calibrationLabels =
    flags.calibLabels === undefined || calibration === null
      ? null
      : readLabels(flags.calibLabels, calibration.shape[0]!);
  return {
    target,
    calibration,
    calibrationLabels,
    options: passOptions(flags),
  };
}
