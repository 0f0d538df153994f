// `qs4dc ir FILE`: read a model (IR text, or an .onnx / weights.json import), verify it,
// optionally run passes, print it back (canonical form; tensors as digests unless --print-tensors).

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { DiagnosticSink } from "../../diag/error.js";
import { importModel } from "../../import/index.js";
import { printModel } from "../../ir/text/index.js";
import { assertValidModel } from "../../ir/verify-model.js";
import { runPasses } from "../../passes/manager.js";
import type { PassContext } from "../../passes/pass.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { addPipelineOptions, type PipelineFlags, pipelineFromFlags } from "../pipeline-options.js";

interface IrFlags extends PipelineFlags {
  readonly output?: string;
}

function run(file: string, flags: IrFlags): void {
  const model = importModel(file);
  assertValidModel(model);
  const pipeline = pipelineFromFlags(flags);
  const diagnostics = new DiagnosticSink();
  const context: PassContext = {
    target: null,
    options: {},
    calibration: null,
    calibrationLabels: null,
    diagnostics,
    reports: new Map(),
  };
  const result =
    pipeline.passes.length === 0
      ? model
      : runPasses(model, pipeline.passes, context, pipeline.options);
  for (const d of diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const text = printModel(result, { tensors: flags.printTensors === true ? "full" : "digest" });
  if (flags.output === undefined) process.stdout.write(text);
  else writeFileAtomic(flags.output, text);
}

export function register(program: Command): void {
  const command = program
    .command("ir")
    .description(
      "read a model (.qs4d IR text, .onnx or weights.json), verify it, run passes if asked, and print its IR",
    )
    .argument("<file>", "IR text file (.qs4d), ONNX model or weights.json")
    .option("-o, --output <file>", "write the IR here instead of stdout");
  addPipelineOptions(command).action((file: string, flags: IrFlags) => {
    run(file, flags);
  });
}
