// `qs4dc verify MODEL --input X.npy [--labels L.npy] [--target T] [--calib ..] [--prune ..]`:
// compile the model, write and read back its chip.bin, then run the emulator, the ideal
// simulation of the chip.bin and the reference executor on the inputs and print one table.
// Exit 1 when the ideal simulation and the emulator differ (QS4D-E620), 0 otherwise.

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { chipBytes } from "../../emit/artifact.js";
import { readChip } from "../../emit/chip-read.js";
import { importModel } from "../../import/index.js";
import { lowerModel } from "../../passes/pipeline.js";
import { failIfInexact, formatVerify, verifyChip } from "../../sim/verify.js";
import {
  addLoweringOptions,
  type LoweringFlags,
  loweringOptions,
  readInputs,
  readLabels,
} from "../lowering-options.js";

interface VerifyFlags extends LoweringFlags {
  readonly input: string;
  readonly labels?: string;
}

function verify(modelPath: string, flags: VerifyFlags): void {
  const model = importModel(modelPath);
  const { inputs, shape } = readInputs(model, flags.input);
  const labels = flags.labels === undefined ? null : readLabels(flags.labels, shape[0]!);
  const lowering = loweringOptions(model, flags);
  const lowered = lowerModel(model, lowering);
  for (const d of lowered.diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const chip = readChip(chipBytes(lowered, { modelPath, lowering }), `${modelPath} (chip.bin)`);
  const result = verifyChip({
    model,
    lowered: lowered.model,
    chip,
    inputs,
    shape: shape as [number, number, number],
    labels,
  });
  process.stdout.write(formatVerify(result));
  failIfInexact(result);
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
