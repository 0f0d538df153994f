// `qs4dc run MODEL --input X.npy -o Y.npy`: the reference executor on a batch of inputs.
// Logits go to a float32 .npy [batch, classes]; --trace DIR adds the per-layer SSM integers
// of a quantized model (trace_layer{i}_u_q.npy, trace_layer{i}_y_q.npy, [batch, H, L]).
// The files are written as one transaction, and only after the whole batch ran: a failed run
// leaves no output behind. The batch is spread over --threads (src/run/batch.ts): the same
// numbers for any thread count.

import { type Command, Option } from "commander";
import { runBatch } from "../../run/batch.js";
import type { LayerTrace } from "../../run/index.js";
import { readNpy, writeNpy } from "../../util/npy.js";
import { checkBatchOutputs, writeBatchOutputs } from "../batch-outputs.js";
import { noteInputLength } from "../input-length.js";
import { integerOption } from "../integer-option.js";
import { importModelFor } from "../model-file.js";
import { stepAsync } from "../progress.js";

interface RunFlags {
  readonly input: string;
  readonly output: string;
  readonly trace?: string;
  readonly force?: boolean;
  readonly form: "recurrent" | "conv";
  /** false with --no-quant */
  readonly quant: boolean;
  readonly threads?: string;
}

function traceFiles(
  traces: readonly LayerTrace[],
  batch: number,
  channels: number,
  length: number,
) {
  const files = new Map<string, Uint8Array>();
  const shape = [batch, channels, length];
  const encode = (codes: Int32Array, int8: boolean) =>
    int8
      ? writeNpy({ dtype: "int8", shape, data: Int8Array.from(codes) })
      : writeNpy({ dtype: "int32", shape, data: codes });
  for (const t of traces) {
    if (t.uq !== null) files.set(`trace_layer${t.layer}_u_q.npy`, encode(t.uq, t.int8));
    if (t.yq !== null) files.set(`trace_layer${t.layer}_y_q.npy`, encode(t.yq, t.int8));
  }
  return files;
}

async function run(modelPath: string, flags: RunFlags): Promise<void> {
  checkBatchOutputs(flags);
  const threads =
    flags.threads === undefined ? undefined : integerOption("--threads", flags.threads, 1, 1024);
  const model = importModelFor(modelPath, "run");
  const input = readNpy(flags.input);
  const result = await stepAsync("running the reference", () =>
    runBatch(model, input.data, input.shape, {
      form: flags.form,
      quantize: flags.quant,
      trace: flags.trace !== undefined,
      inputName: flags.input,
      ...(threads !== undefined ? { threads } : {}),
    }),
  );
  noteInputLength(model, result.length, flags.input);
  const traces =
    result.traces === null
      ? null
      : traceFiles(result.traces, result.batch, model.config.channels, result.length);
  writeBatchOutputs(flags, result, traces);
}

export function register(program: Command): void {
  program
    .command("run")
    .description(
      "run a model on a batch of inputs with the reference executor (float64, one time step after another) and write its logits",
    )
    .argument("<model>", "model file: .onnx, weights.json or .qs4d IR text")
    .requiredOption(
      "--input <file>",
      "inputs .npy [batch, length, d_in] (or [batch, length] when d_in = 1), float32 or float64",
    )
    .requiredOption("-o, --output <file>", "logits .npy [batch, classes], float32")
    .option(
      "--trace <dir>",
      "also write the per-layer SSM integers of a quantized model: trace_layer{i}_u_q.npy, trace_layer{i}_y_q.npy [batch, H, L]",
    )
    .option("--force", "replace an existing non-empty --trace folder (its files are deleted)")
    .addOption(
      new Option("--form <form>", "recurrent: the reference; conv: the convolution-form twin")
        .choices(["recurrent", "conv"])
        .default("recurrent"),
    )
    .option("--no-quant", "ignore the training-time quantizers: run the latent float model")
    .option(
      "--threads <n>",
      "worker threads for the batch (default: the machine's cores when the work is worth it); results do not depend on it",
    )
    .action(async (modelPath: string, flags: RunFlags) => {
      await run(modelPath, flags);
    });
}
