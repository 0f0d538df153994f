// The pass-pipeline flags every pipeline-running command shares (`ir`, `compile`):
// --passes a,b --print-after-all --print-after PASS --stop-after PASS --verify-each --print-tensors.

import { type Command, Option } from "commander";
import { fail } from "../diag/error.js";
import type { RunPassesOptions } from "../passes/manager.js";

/** The flags as commander parses them. */
export interface PipelineFlags {
  readonly passes?: string[];
  readonly printAfterAll?: boolean;
  readonly printAfter?: string[];
  readonly stopAfter?: string;
  readonly verifyEach?: boolean;
  readonly printTensors?: boolean;
}

export interface Pipeline {
  readonly passes: string[];
  readonly options: RunPassesOptions;
}

/** `a,b` -> ["a", "b"]; repeated flags accumulate. Empty names are a usage error. */
function passList(value: string, previous: string[] | undefined): string[] {
  const names = value.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) {
    fail("QS4D-E003", { reason: `empty pass name in '${value}'` });
  }
  return [...(previous ?? []), ...names];
}

export function addPipelineOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--passes <list>", "run these passes in order (comma-separated)").argParser(
        passList,
      ),
    )
    .option("--print-after-all", "print the IR after every pass (to stderr)")
    .addOption(
      new Option("--print-after <pass>", "print the IR after this pass (repeatable)").argParser(
        passList,
      ),
    )
    .option("--stop-after <pass>", "stop the pipeline after this pass")
    .option("--verify-each", "run the IR verifier after every pass")
    .option("--print-tensors", "print tensors in full instead of as SHA-256 digests");
}

export function pipelineFromFlags(
  flags: PipelineFlags,
  onPrint?: (pass: string, text: string) => void,
): Pipeline {
  const options: RunPassesOptions = {
    printAfterAll: flags.printAfterAll === true,
    printAfter: flags.printAfter ?? [],
    verifyEach: flags.verifyEach === true,
    printTensors: flags.printTensors === true,
    ...(flags.stopAfter === undefined ? {} : { stopAfter: flags.stopAfter }),
    ...(onPrint === undefined ? {} : { onPrint }),
  };
  return { passes: flags.passes ?? [], options };
}
