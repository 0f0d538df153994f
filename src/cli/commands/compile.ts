// `qs4dc compile MODEL -o OUT [--emit chip|csv|ir] [--target T] [--calib X.npy] [--calib-labels L.npy]
// [--prune C] [--report R.json] [pipeline options]`: import, lower, emit. What is emitted is
// looked up in EMITTERS by --emit, so an artifact format is one entry there (chip.bin joins
// as `chip`). A summary of the lowering goes to stderr; --report writes every pass's report.

import type { Command } from "commander";
import { formatDiagnostic } from "../../diag/diagnostic.js";
import { fail } from "../../diag/error.js";
import { type ChipSource, chipBytes, csvFiles } from "../../driver/artifact.js";
import { type Lowered, lowerModel } from "../../driver/lower.js";
import { printModel } from "../../ir/text/index.js";
import { checkOutputs, type Output, writeOutputs } from "../../util/atomic-write.js";
import { addLoweringOptions, type LoweringFlags, loweringOptions } from "../lowering-options.js";
import { loweringSummary, reportsJson } from "../lowering-summary.js";
import { importModelFor } from "../model-file.js";
import { addPipelineOptions, type PipelineFlags, pipelineFromFlags } from "../pipeline-options.js";
import { step } from "../progress.js";

/** An artifact writer: the lowered model in, the file's bytes or text (or a folder's files) out. */
export interface Emitter {
  readonly description: string;
  /** Whether -o names a folder (of several files) rather than a file. */
  readonly folder: boolean;
  emit(
    lowered: Lowered,
    flags: CompileFlags,
    source: ChipSource,
  ): string | Uint8Array | ReadonlyMap<string, string>;
}

export const EMITTERS: Record<string, Emitter> = {
  chip: {
    description: "chip.bin, the device programming artifact (docs/chip-format.md)",
    folder: false,
    emit: (lowered, _flags, source) => chipBytes(lowered, source),
  },
  csv: {
    description: "a folder of per-array CSV programming lists (-o names the folder)",
    folder: true,
    emit: (lowered, flags, source) => csvFiles(lowered, source, flags.output),
  },
  ir: {
    description: "the lowered IR as text (.qs4d)",
    folder: false,
    emit: (lowered, flags) =>
      printModel(lowered.model, { tensors: flags.printTensors === true ? "full" : "digest" }),
  },
};

export const DEFAULT_EMIT = "chip";

export interface CompileFlags extends LoweringFlags, PipelineFlags {
  readonly output: string;
  readonly emit: string;
  readonly report?: string;
  readonly force?: boolean;
  readonly quiet?: boolean;
}

function compile(modelPath: string, flags: CompileFlags): void {
  const emitter = EMITTERS[flags.emit];
  if (emitter === undefined) {
    fail("QS4D-E003", {
      reason: `--emit ${flags.emit}: expected one of ${Object.keys(EMITTERS).join(", ")}`,
    });
  }
  if (flags.emit === "csv" && /\.csv$/i.test(flags.output)) {
    fail("QS4D-E809", { output: flags.output, folder: flags.output.replace(/\.csv$/i, "") });
  }
  const report = flags.report === undefined ? [] : [{ path: flags.report, folder: false }];
  const force = flags.force === true;
  checkOutputs([{ path: flags.output, folder: emitter!.folder, force }, ...report]);
  const model = importModelFor(modelPath, "compile");
  const pipeline = pipelineFromFlags(flags);
  const lowering = {
    ...loweringOptions(model, flags),
    passes: pipeline.passes,
    run: pipeline.options,
  };
  const lowered = step("lowering", () => lowerModel(model, lowering));
  for (const d of lowered.diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const artifact = emitter.emit(lowered, flags, { modelPath, lowering });
  const main: Output =
    artifact instanceof Map
      ? { path: flags.output, files: artifact, force }
      : { path: flags.output, data: artifact as string | Uint8Array };
  const reportJson = report.map(({ path }) => ({ path, data: reportsJson(lowered) }));
  writeOutputs([main, ...reportJson]);
  if (flags.quiet !== true) process.stderr.write(loweringSummary(lowered));
}

export function register(program: Command): void {
  const command = program
    .command("compile")
    .description("lower a model to a crossbar program for a target and write the artifact")
    .argument("<model>", "model file: .onnx, weights.json or .qs4d IR text")
    .requiredOption("-o, --output <file>", "output file")
    .option("--emit <kind>", `what to write: ${Object.keys(EMITTERS).join(", ")}`, DEFAULT_EMIT)
    .option("--report <file>", "write every pass's report as JSON")
    .option(
      "--force",
      "with --emit csv: replace an existing non-empty -o folder (its files are deleted)",
    )
    .option("-q, --quiet", "no summary on stderr");
  addPipelineOptions(addLoweringOptions(command)).action(
    (modelPath: string, flags: CompileFlags) => {
      compile(modelPath, flags);
    },
  );
}
