// `qs4dc report MODEL|CHIP.bin [--target T] [--prune C] [--calib X.npy] [--json] [-o OUT]`: what
// a compilation did and costs: quantization SQNR per tensor and worst modes, pruning savings,
// arrays and utilization, QS4D's cost metrics (ACE, model size, ADC complexity). A model is
// compiled first (nothing is written but the report); a chip.bin is reported from its manifest.

import type { Command } from "commander";
import { formatReport, report, reportJson } from "../../api.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { addLoweringOptions, type LoweringFlags } from "../lowering-options.js";

interface ReportFlags extends LoweringFlags {
  readonly json?: boolean;
  readonly output?: string;
}

function run(file: string, flags: ReportFlags): void {
  const { json, output, ...lowering } = flags;
  const result = report(file, { ...lowering, config: true });
  const text = json === true ? reportJson(result) : formatReport(result);
  if (output === undefined) process.stdout.write(text);
  else writeFileAtomic(output, text);
}

export function register(program: Command): void {
  const command = program
    .command("report")
    .description(
      "report a compilation: quantization SQNR, pruning savings, array utilization, QS4D cost metrics",
    )
    .argument("<file>", "model file (.onnx, weights.json, .qs4d) to compile, or a chip.bin")
    .option("--json", "print the report as JSON")
    .option("-o, --output <file>", "write the report here instead of stdout");
  addLoweringOptions(command).action((file: string, flags: ReportFlags) => {
    run(file, flags);
  });
}
