// `qs4dc verify MODEL --input X.npy [--labels L.npy] [--target T] [--calib ..] [--prune ..]`:
// compile the model, write and read back its chip.bin, then run the emulator, the ideal
// simulation of the chip.bin and the reference executor on the inputs and print one table.
// With --noise, also a Monte Carlo of the chip.bin under device noise. Exit 1 when the ideal
// simulation and the emulator differ (QS4D-E620), or when the chip (ideal, or the noisy runs'
// mean) strays from the reference by more than the fidelity budget (QS4D-E621), 0 otherwise.

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { fail } from "../../diag/error.js";
import { chipBytes } from "../../driver/artifact.js";
import {
  type NoisyResult,
  type NoisyRuns,
  verifyChip,
  verifyUnderNoise,
} from "../../driver/compare-executors.js";
import { readInputs, readLabels } from "../../driver/inputs.js";
import { lowerModel } from "../../driver/lower.js";
import { readChip } from "../../emit/chip-read.js";
import { requantizeOptions } from "../../passes/requantize.js";
import { parseNoise, targetNoise } from "../../sim/index.js";
import { noteInputLength } from "../input-length.js";
import { integerOption } from "../integer-option.js";
import { addLoweringOptions, type LoweringFlags, loweringOptions } from "../lowering-options.js";
import { importModelFor } from "../model-file.js";
import { step, stepAsync } from "../progress.js";
import { failIfInexact, failIfOutsideBudget, formatVerify } from "../verify-output.js";

interface VerifyFlags extends LoweringFlags {
  readonly input: string;
  readonly labels?: string;
  readonly noise?: string;
  readonly runs?: string;
  readonly seed: string;
}

/** Monte Carlo runs when --noise is given without --runs: enough for a mean, quick on a laptop. */
const DEFAULT_NOISY_RUNS = 8;

/** The noisy runs asked for, checked before anything is compiled; null without --noise. */
function noisyRuns(flags: VerifyFlags): (Omit<NoisyRuns, "noise"> & { spec: string }) | null {
  if (flags.noise === undefined) {
    if (flags.runs !== undefined)
      fail("QS4D-E609", { option: "--runs", value: flags.runs, reason: "needs --noise SPEC" });
    return null;
  }
  return {
    spec: flags.noise,
    runs:
      flags.runs === undefined
        ? DEFAULT_NOISY_RUNS
        : integerOption("--runs", flags.runs, 1, 1_000_000),
    seed: integerOption("--seed", flags.seed, 0, Number.MAX_SAFE_INTEGER),
    ...(flags.threads === undefined
      ? {}
      : { threads: integerOption("--threads", flags.threads, 1, 1024) }),
  };
}

async function verify(modelPath: string, flags: VerifyFlags): Promise<void> {
  const noisy = noisyRuns(flags);
  const model = importModelFor(modelPath, "verify");
  const { inputs, shape } = readInputs(model, flags.input);
  noteInputLength(model, shape[1]!, flags.input);
  const labels =
    flags.labels === undefined
      ? null
      : readLabels(flags.labels, shape[0]!, model.config.classes, "QS4D-E810");
  const lowering = loweringOptions(model, flags);
  const lowered = step("lowering", () => lowerModel(model, lowering));
  for (const d of lowered.diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const bytes = chipBytes(lowered, { modelPath, lowering });
  const file = `${modelPath} (chip.bin)`;
  const batch = { inputs, shape: shape as [number, number, number], labels };
  const chip = readChip(bytes, file);
  const result = await stepAsync("verifying", () =>
    verifyChip({ model, lowered: lowered.model, chip, ...batch }, lowering.threads),
  );
  let underNoise: NoisyResult | null = null;
  if (noisy !== null) {
    const noise = parseNoise(noisy.spec, targetNoise(chip.target.description));
    underNoise = await verifyUnderNoise(batch, bytes, file, result.referenceLogits, {
      ...noisy,
      noise,
    });
  }
  process.stdout.write(formatVerify(result, underNoise));
  failIfInexact(result);
  failIfOutsideBudget(
    result,
    underNoise,
    requantizeOptions(lowering.options ?? {}).maxAccuracyDrop,
  );
}

export function register(program: Command): void {
  const command = program
    .command("verify")
    .description(
      "compile a model, then compare the reference executor, the emulator and the ideal simulation of its chip.bin on a batch (exit 1 if simulation and emulator differ)",
    )
    .argument("<model>", "model file: .onnx, weights.json or .qs4d IR text")
    .requiredOption(
      "--input <file>",
      "inputs .npy [batch, length, d_in] (or [batch, length] when d_in = 1)",
    )
    .option("--labels <file>", "labels .npy [batch]: the accuracy of each executor")
    .option(
      "--noise <spec>",
      "also simulate the chip under device noise ('target' or overrides, as in `qs4dc sim --noise`) over --runs programmings; exit 1 when their mean falls outside the budget",
    )
    .option("--runs <k>", `Monte Carlo runs with --noise (default ${DEFAULT_NOISY_RUNS})`)
    .option("--seed <n>", "seed of every random draw with --noise", "0");
  addLoweringOptions(command).action(async (modelPath: string, flags: VerifyFlags) => {
    await verify(modelPath, flags);
  });
}
