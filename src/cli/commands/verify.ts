// `qs4dc verify MODEL --input X.npy [--labels L.npy] [--target T] [--calib ..] [--prune ..]`:
// compile the model, write and read back its chip.bin, then run the emulator, the ideal
// simulation of the chip.bin and the reference executor on the inputs and print one table.
// Exit 1 when the ideal simulation and the emulator differ (QS4D-E620), or when the chip strays
// from the reference by more than the fidelity budget (QS4D-E621), 0 otherwise.

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { fail } from "../../diag/error.js";
import { chipBytes } from "../../driver/artifact.js";
import { readInputs, readLabels } from "../../driver/inputs.js";
import { lowerModel } from "../../driver/lower.js";
import { type VerifyResult, verifyChip } from "../../driver/verify.js";
import { readChip } from "../../emit/chip-read.js";
import { requantizeOptions } from "../../passes/requantize.js";
import { addLoweringOptions, type LoweringFlags, loweringOptions } from "../lowering-options.js";
import { importModelFor } from "../model-file.js";
import { step } from "../progress.js";
import { failIfInexact, formatVerify } from "../verify-output.js";

interface VerifyFlags extends LoweringFlags {
  readonly input: string;
  readonly labels?: string;
}

function verify(modelPath: string, flags: VerifyFlags): void {
  const model = importModelFor(modelPath, "verify");
  const { inputs, shape } = readInputs(model, flags.input);
  const labels =
    flags.labels === undefined ? null : readLabels(flags.labels, shape[0]!, "QS4D-E810");
  const lowering = loweringOptions(model, flags);
  const lowered = step("lowering", () => lowerModel(model, lowering));
  for (const d of lowered.diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const chip = readChip(chipBytes(lowered, { modelPath, lowering }), `${modelPath} (chip.bin)`);
  const result = step("verifying", () =>
    verifyChip({
      model,
      lowered: lowered.model,
      chip,
      inputs,
      shape: shape as [number, number, number],
      labels,
    }),
  );
  process.stdout.write(formatVerify(result));
  failIfInexact(result);
  failIfOutsideBudget(result, requantizeOptions(lowering.options ?? {}).maxAccuracyDrop);
}

/**
 * QS4D-E621 with exit code 1 when the emulator or the ideal simulation strays from the
 * reference by more than the fidelity budget: with labels, accuracy points lost; without,
 * the share of samples (in points) whose argmax differs from the reference's.
 */
function failIfOutsideBudget(r: VerifyResult, budget: number): void {
  const lost: string[] = [];
  if (r.accuracy !== null) {
    const { reference, emulator, simulator } = r.accuracy;
    for (const [name, acc] of [
      ["emulator", emulator],
      ["ideal simulation", simulator],
    ] as const) {
      const drop = (reference - acc) * 100;
      if (drop > budget) lost.push(`the ${name} loses ${drop.toFixed(1)} points of accuracy`);
    }
  } else {
    // The simulator equals the emulator here (failIfInexact), so one comparison says both.
    const disagree = (1 - r.reference.agreement) * 100;
    if (disagree > budget)
      lost.push(`the chip's argmax differs from the reference's on ${disagree.toFixed(1)} % of`);
  }
  if (lost.length === 0) return;
  fail("QS4D-E621", { what: lost.join("; "), batch: r.batch, budget }, {}, 1);
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
    .option("--labels <file>", "labels .npy [batch]: the accuracy of each executor");
  addLoweringOptions(command).action((modelPath: string, flags: VerifyFlags) => {
    verify(modelPath, flags);
  });
}
