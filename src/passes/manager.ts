// Runs a pipeline of named passes (MLIR's PassManager, Binaryen's PassRunner): resolves every
// name and checks every option against the passes' declarations (QS4D-E055) before anything
// runs, and prints the IR after the passes asked for. The verifier always
// runs on the pipeline's input (an invalid input is the user's: its own code, exit 2) and on
// its output (a pass's bug: QS4D-E054, exit 3), and after each pass with --verify-each
// (QS4D-E051, exit 3). Every command and the API lower through here, so nothing skips it.

import { formatDiagnostic } from "../diag/diagnostic.js";
import { fail } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import { printModel } from "../ir/text/index.js";
import { assertValidModel, verifyModel } from "../ir/verify-model.js";
import type { Pass, PassContext } from "./pass.js";
import { type PassRegistry, REGISTRY } from "./registry.js";

export interface RunPassesOptions {
  /** Print the IR after every pass. */
  readonly printAfterAll?: boolean;
  /** Print the IR after these passes (each must be in the pipeline). */
  readonly printAfter?: readonly string[];
  /** Stop after this pass (it must be in the pipeline). */
  readonly stopAfter?: string;
  /**
   * Run the verifier after every pass, not only on the pipeline's input and output; an invalid
   * result is an internal error naming the pass (exit 3).
   */
  readonly verifyEach?: boolean;
  /** Print tensors in full rather than as digests. */
  readonly printTensors?: boolean;
  /** Where printed IR goes; by default to stderr under an MLIR-style header. */
  readonly onPrint?: (pass: string, text: string) => void;
}

export function printToStderr(pass: string, text: string): void {
  process.stderr.write(`// ----- IR after ${pass} ----- //\n${text}`);
}

/** The passes of a pipeline, by name; an unknown name is a coded error listing the known ones. */
export function resolvePasses(names: readonly string[], registry: PassRegistry = REGISTRY): Pass[] {
  return names.map((name) => {
    const pass = registry.get(name);
    if (pass === undefined) {
      const known = registry.passes.map((p) => p.name).join(", ") || "(none registered)";
      fail("QS4D-E050", { pass: name, known });
    }
    return pass;
  });
}

/** Every option given must be one some registered pass declares: a misspelt one is not ignored. */
function checkOptions(context: PassContext, registry: PassRegistry): void {
  const declared = new Set(registry.options.map((o) => o.name));
  for (const option of Object.keys(context.options)) {
    if (!declared.has(option)) {
      const known = [...declared].join(", ") || "(none)";
      fail("QS4D-E055", { option, known });
    }
  }
}

function checkNamedInPipeline(option: string, pass: string, pipeline: readonly string[]): void {
  if (!pipeline.includes(pass)) {
    fail("QS4D-E052", { option, pass, pipeline: pipeline.join(",") || "empty" });
  }
}

function verifyAfter(pass: string, model: Model): void {
  const error = verifyModel(model).find((d) => d.severity === "error");
  if (error !== undefined) {
    fail("QS4D-E051", { pass, reason: formatDiagnostic(error) }, error.location, 3);
  }
}

function verifyOutput(pipeline: readonly string[], model: Model): void {
  const error = verifyModel(model).find((d) => d.severity === "error");
  if (error !== undefined) {
    const args = { pipeline: pipeline.join(","), reason: formatDiagnostic(error) };
    fail("QS4D-E054", args, error.location, 3);
  }
}

export function runPasses(
  model: Model,
  passNames: readonly string[],
  context: PassContext,
  options: RunPassesOptions = {},
  registry: PassRegistry = REGISTRY,
): Model {
  const passes = resolvePasses(passNames, registry);
  checkOptions(context, registry);
  const printAfter = new Set(options.printAfter ?? []);
  for (const name of printAfter) checkNamedInPipeline("print-after", name, passNames);
  if (options.stopAfter !== undefined)
    checkNamedInPipeline("stop-after", options.stopAfter, passNames);
  const onPrint = options.onPrint ?? printToStderr;
  const tensors = options.printTensors === true ? "full" : "digest";

  // The pipeline's input, as imported or parsed: an invalid one is bad input (exit 2).
  assertValidModel(model);
  let current = model;
  const ran: string[] = [];
  for (const pass of passes) {
    current = pass.run(current, context);
    ran.push(pass.name);
    if (options.verifyEach === true) verifyAfter(pass.name, current);
    if (options.printAfterAll === true || printAfter.has(pass.name)) {
      onPrint(pass.name, printModel(current, { tensors }));
    }
    if (pass.name === options.stopAfter) break;
  }
  // The lowered result (--verify-each has already checked it).
  if (ran.length > 0 && options.verifyEach !== true) verifyOutput(ran, current);
  return current;
}
