// `qs4dc ir FILE [--target T] [pipeline options]`: read a model (IR text, or an .onnx /
// weights.json import), verify it, run passes if asked, print it back (canonical form; tensors
// as digests unless --print-tensors). --passes runs those passes; --target alone runs the
// default lowering pipeline for that target (what `compile --emit ir` prints). Pipeline flags
// with neither would change nothing, and are refused (QS4D-E808).

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { DiagnosticSink, fail } from "../../diag/error.js";
import { lowerModel } from "../../driver/lower.js";
import type { Model } from "../../ir/model.js";
import { printModel } from "../../ir/text/index.js";
import { assertValidModel } from "../../ir/verify-model.js";
import { runPasses } from "../../passes/manager.js";
import type { PassContext } from "../../passes/pass.js";
import { loadTarget } from "../../target/load.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { importModelFor } from "../model-file.js";
import {
  addPipelineOptions,
  type Pipeline,
  type PipelineFlags,
  pipelineFromFlags,
} from "../pipeline-options.js";

interface IrFlags extends PipelineFlags {
  readonly output?: string;
  readonly target?: string;
}

/** The first pipeline flag given, which has nothing to act on without passes. */
function idlePipelineFlag(flags: IrFlags): string | undefined {
  if (flags.printAfterAll === true) return "--print-after-all";
  if (flags.printAfter !== undefined) return "--print-after";
  if (flags.stopAfter !== undefined) return "--stop-after";
  if (flags.verifyEach === true) return "--verify-each";
  return undefined;
}

/** The given passes without a target (no context but the diagnostics). */
function runWithoutTarget(model: Model, pipeline: Pipeline): Model {
  const diagnostics = new DiagnosticSink();
  const context: PassContext = {
    target: null,
    options: {},
    calibration: null,
    calibrationLabels: null,
    diagnostics,
    reports: new Map(),
  };
  const result = runPasses(model, pipeline.passes, context, pipeline.options);
  for (const d of diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  return result;
}

function transformed(model: Model, flags: IrFlags): Model {
  const pipeline = pipelineFromFlags(flags);
  if (flags.target !== undefined) {
    const lowering = {
      target: loadTarget(flags.target),
      passes: pipeline.passes,
      run: pipeline.options,
    };
    const lowered = lowerModel(model, lowering);
    for (const d of lowered.diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return lowered.model;
  }
  if (pipeline.passes.length > 0) return runWithoutTarget(model, pipeline);
  const idle = idlePipelineFlag(flags);
  if (idle !== undefined) fail("QS4D-E808", { option: idle });
  return model;
}

function run(file: string, flags: IrFlags): void {
  const model = importModelFor(file, "ir");
  assertValidModel(model);
  const text = printModel(transformed(model, flags), {
    tensors: flags.printTensors === true ? "full" : "digest",
  });
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
    .option("-o, --output <file>", "write the IR here instead of stdout")
    .option(
      "--target <name|file>",
      "lower for this target: the default pipeline, or --passes on it (see 'qs4dc targets')",
    );
  addPipelineOptions(command).action((file: string, flags: IrFlags) => {
    run(file, flags);
  });
}
