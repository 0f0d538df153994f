// `qs4dc run MODEL --input X.npy -o Y.npy`: the reference executor on a batch of inputs.
// Logits go to a float32 .npy [batch, classes]; --trace DIR adds the per-layer SSM integers
// of a quantized model (trace_layer{i}_u_q.npy, trace_layer{i}_y_q.npy, [batch, H, L]).
// The files are written as one transaction, and only after the whole batch ran: a failed run
// leaves no output behind.

import { type Command, Option } from "commander";
import { type LayerTrace, runModel } from "../../run/index.js";
import { readNpy, writeNpy } from "../../util/npy.js";
import { checkBatchOutputs, writeBatchOutputs } from "../batch-outputs.js";
import { noteInputLength } from "../input-length.js";
import { importModelFor } from "../model-file.js";
import { step } from "../progress.js";

interface RunFlags {
  readonly input: string;
  readonly output: string;
  readonly trace?: string;
  readonly force?: boolean;
  readonly form: "recurrent" | "conv";
  /** false with --no-quant */
  readonly quant: boolean;
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

function run(modelPath: string, flags: RunFlags): void {
  checkBatchOutputs(flags);
  const model = importModelFor(modelPath, "run");
  const input = readNpy(flags.input);
  const result = step("running the reference", () =>
    runModel(model, input.data, input.shape, {
      form: flags.form,
      quantize: flags.quant,
      trace: flags.trace !== undefined,
      inputName: flags.input,
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
    .action((modelPath: string, flags: RunFlags) => {
      run(modelPath, flags);
    });
}
