// `qs4dc report MODEL|CHIP.bin [--target T] [--prune C] [--calib X.npy] [--json] [-o OUT]
// [--html PAGE.html [--mc R.json ...] [--sweep S.jsonl]]`: what a compilation did and costs:
// quantization SQNR per tensor and worst modes, pruning savings, arrays and utilization, QS4D's
// cost metrics (ACE, model size, ADC complexity). A model is compiled first (nothing is written
// but the report); a chip.bin is reported from its manifest. --html also writes the report as
// one self-contained page with the arrays' heatmaps and plots (docs/api.md, "The HTML report").

import type { Command } from "commander";
import { formatReport, report, reportHtml, reportJson } from "../../api.js";
import { fail } from "../../diag/error.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { addLoweringOptions, type LoweringFlags } from "../lowering-options.js";

interface ReportFlags extends LoweringFlags {
  readonly json?: boolean;
  readonly output?: string;
  readonly html?: string;
  readonly mc?: readonly string[];
  readonly sweep?: string;
}

function run(file: string, flags: ReportFlags): void {
  const { json, output, html, mc, sweep, ...given } = flags;
  const lowering = { ...given, config: true };
  if (html === undefined && (mc !== undefined || sweep !== undefined))
    fail("QS4D-E003", {
      reason: "--mc and --sweep are plotted in the HTML report: give --html FILE too",
    });
  const results = {
    ...(mc !== undefined ? { monteCarlo: mc } : {}),
    ...(sweep !== undefined ? { sweep } : {}),
  };
  const page = html === undefined ? null : reportHtml(file, lowering, results);
  const result = page?.report ?? report(file, lowering);
  const text = json === true ? reportJson(result) : formatReport(result);
  if (html !== undefined && page !== null) writeFileAtomic(html, page.html);
  if (output === undefined) process.stdout.write(text);
  else writeFileAtomic(output, text);
}

const collect = (value: string, previous: readonly string[] = []) => [...previous, value];

export function register(program: Command): void {
  const command = program
    .command("report")
    .description(
      "report a compilation: quantization SQNR, pruning savings, array utilization, QS4D cost metrics",
    )
    .argument("<file>", "model file (.onnx, weights.json, .qs4d) to compile, or a chip.bin")
    .option("--json", "print the report as JSON")
    .option("-o, --output <file>", "write the report here instead of stdout")
    .option(
      "--html <file>",
      "also write the report as one self-contained HTML page: array heatmaps, level histograms, precision, cost, cycles and energy",
    )
    .option(
      "--mc <file>",
      "with --html: a Monte Carlo report of 'qs4dc sim --noise ... --labels ... --report' (repeat for several noise levels): accuracy against noise",
      collect,
    )
    .option(
      "--sweep <file>",
      "with --html: sweep results, JSON Lines of 'qs4dc sweep': Pareto fronts of accuracy against energy and cells",
    );
  addLoweringOptions(command).action((file: string, flags: ReportFlags) => {
    run(file, flags);
  });
}
