// `qs4dc emulate MODEL --input X.npy [-o Y.npy] [--labels L.npy] [--target T] [--calib ..]
// [--prune ..] [--trace DIR]`: lower the model for the target and run the integer emulator of
// the ideal chip on a batch; a summary on stderr (the accuracy with --labels), the logits to a
// float32 .npy [batch, classes] with -o. A model that is already lowered (.qs4d text written
// by `compile --emit ir --print-tensors`) is run as it is. The batch is spread over --threads
// (src/emulate/batch.ts): the same numbers for any thread count.

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { fail } from "../../diag/error.js";
import { readInputs, readLabels } from "../../driver/inputs.js";
import { lowerModel } from "../../driver/lower.js";
import { emulateBatch } from "../../emulate/batch.js";
import type { LayerCodes } from "../../emulate/index.js";
import type { Model } from "../../ir/model.js";
import { writeNpy } from "../../util/npy.js";
import { batchSummary, checkBatchOutputs, writeBatchOutputs } from "../batch-outputs.js";
import { noteInputLength } from "../input-length.js";
import { integerOption } from "../integer-option.js";
import { addLoweringOptions, type LoweringFlags, loweringOptions } from "../lowering-options.js";
import { importModelFor } from "../model-file.js";
import { step, stepAsync } from "../progress.js";

interface EmulateFlags extends LoweringFlags {
  readonly input: string;
  readonly output?: string;
  readonly labels?: string;
  readonly trace?: string;
  readonly force?: boolean;
  readonly quiet?: boolean;
}

function lowered(model: Model, flags: EmulateFlags): Model {
  if (model.hardware !== null && model.hardware.program.length > 0) return model;
  const result = step("lowering", () => lowerModel(model, loweringOptions(model, flags)));
  for (const d of result.diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  return result.model;
}

function traceFiles(traces: readonly LayerCodes[], shape: number[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const t of traces) {
    files.set(`trace_layer${t.layer}_u_q.npy`, writeNpy({ dtype: "int32", shape, data: t.uq }));
    files.set(`trace_layer${t.layer}_y_q.npy`, writeNpy({ dtype: "int32", shape, data: t.yq }));
  }
  return files;
}

async function run(modelPath: string, flags: EmulateFlags): Promise<void> {
  if (flags.quiet === true && flags.output === undefined && flags.trace === undefined) {
    fail("QS4D-E811", { command: "qs4dc emulate", reason: "-q without -o or --trace" });
  }
  // The inputs first: a bad file is reported as such before any lowering work.
  checkBatchOutputs(flags);
  const source = importModelFor(modelPath, "emulate");
  const { inputs, shape } = readInputs(source, flags.input);
  noteInputLength(source, shape[1]!, flags.input);
  const labels =
    flags.labels === undefined
      ? null
      : readLabels(flags.labels, shape[0]!, source.config.classes, "QS4D-E810");
  const model = lowered(source, flags);
  const threads =
    flags.threads === undefined ? undefined : integerOption("--threads", flags.threads, 1, 1024);
  const result = await stepAsync("emulating", () =>
    emulateBatch(model, inputs, shape, {
      trace: flags.trace !== undefined,
      ...(threads !== undefined ? { threads } : {}),
    }),
  );
  const traces =
    result.traces === null
      ? null
      : traceFiles(result.traces, [shape[0]!, model.config.channels, shape[1]!]);
  writeBatchOutputs(flags, result, traces);
  if (flags.quiet !== true) process.stderr.write(`emulate: ${batchSummary(result, labels)}`);
}

export function register(program: Command): void {
  const command = program
    .command("emulate")
    .description(
      "lower a model for a target and run the integer emulator of the ideal chip on a batch of inputs",
    )
    .argument("<model>", "model file: .onnx, weights.json or .qs4d IR text (lowered or not)")
    .requiredOption(
      "--input <file>",
      "inputs .npy [batch, length, d_in] (or [batch, length] when d_in = 1)",
    )
    .option("-o, --output <file>", "write the logits .npy [batch, classes], float32")
    .option("--labels <file>", "labels .npy [batch] (integers): the accuracy in the summary")
    .option("-q, --quiet", "no summary on stderr")
    .option(
      "--trace <dir>",
      "also write the per-layer SSM codes trace_layer{i}_u_q.npy, trace_layer{i}_y_q.npy [batch, H, L]",
    )
    .option("--force", "replace an existing non-empty --trace folder (its files are deleted)");
  addLoweringOptions(command).action(async (modelPath: string, flags: EmulateFlags) => {
    await run(modelPath, flags);
  });
}
