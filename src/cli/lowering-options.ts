// The flags every lowering command shares (`compile`, `emulate`): --target, --calib,
// --calib-labels, --prune, --realize-modes, --realize-tolerance, --threads, and how they
// become LowerOptions, over the defaults of the project's qs4dc.config.json (src/driver/config.ts).

import type { Command } from "commander";
import { fail } from "../diag/error.js";
import { projectConfig, withConfig } from "../driver/config.js";
import { readInputs, readLabels } from "../driver/inputs.js";
import type { LowerOptions } from "../driver/lower.js";
import { type LoweringChoices, passOptions } from "../driver/pass-options.js";
import type { Model } from "../ir/model.js";
import { loadTarget } from "../target/load.js";
import { integerOption } from "./integer-option.js";

export interface LoweringFlags extends LoweringChoices {
  readonly target?: string;
  readonly calib?: string;
  readonly calibLabels?: string;
  readonly threads?: string;
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
    )
    .option(
      "--threads <n>",
      "worker threads of the --calib forwards, of emulate's batch and of verify's simulations (default: the machine's cores when the work is worth it); results do not depend on it",
    );
}

export function loweringOptions(model: Model, given: LoweringFlags): LowerOptions {
  const flags = withConfig(projectConfig(process.cwd()), given);
  const target = loadTarget(flags.target);
  const calibration = flags.calib === undefined ? null : readInputs(model, flags.calib);
  if (flags.calibLabels !== undefined && calibration === null) {
    fail("QS4D-E003", { reason: "--calib-labels needs --calib" });
  }
  const calibrationLabels =
    flags.calibLabels === undefined || calibration === null
      ? null
      : readLabels(flags.calibLabels, calibration.shape[0]!, model.config.classes);
  return {
    target,
    calibration,
    calibrationLabels,
    options: passOptions(flags),
    ...(flags.threads === undefined
      ? {}
      : { threads: integerOption("--threads", flags.threads, 1, 1024) }),
  };
}
