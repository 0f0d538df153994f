// `qs4dc ir FILE`: parse IR text, verify it, optionally run passes, print it back
// (canonical form; tensors as digests unless --print-tensors).

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { DiagnosticSink, fail } from "../../diag/error.js";
import { parseModel, printModel } from "../../ir/text/index.js";
import { assertValidModel } from "../../ir/verify.js";
import { runPasses } from "../../passes/manager.js";
import type { PassContext } from "../../passes/pass.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { addPipelineOptions, type PipelineFlags, pipelineFromFlags } from "../pipeline-options.js";

interface IrFlags extends PipelineFlags {
  readonly output?: string;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    return fail("QS4D-E001", { file, reason: (error as Error).message }, { file });
  }
}

function run(file: string, flags: IrFlags): void {
  const model = parseModel(readText(file), file);
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
    .description("parse a .qs4d IR text file, verify it, run passes if asked, and print it back")
    .argument("<file>", "IR text file (.qs4d)")
    .option("-o, --output <file>", "write the IR here instead of stdout");
  addPipelineOptions(command).action((file: string, flags: IrFlags) => {
    run(file, flags);
  });
}
