// `qs4dc sweep SPEC.json [--shard I/N] [-o results.jsonl] [--threads T]`: every point of a
// design-space sweep compiled and simulated, one JSON line each (docs/sweep.md); and
// `qs4dc sweep merge PART... [-o results.jsonl]`: the shards' lines as the whole run's.
// With -o, the file is written once, atomically, when every point is done; without, each line
// goes to stdout as its point finishes.

import type { Command } from "commander";
import { fail } from "../../diag/error.js";
import { runSweep } from "../../driver/sweep.js";
import { mergeSweepParts } from "../../driver/sweep-merge.js";
import { parseShard, readSweepSpec, shardRange } from "../../driver/sweep-spec.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { readFileBytes } from "../../util/read-file.js";

interface SweepFlags {
  readonly shard?: string;
  readonly output?: string;
  readonly threads?: string;
  readonly quiet?: boolean;
}

interface MergeFlags {
  readonly output?: string;
}

function threadCount(text: string | undefined): number {
  if (text === undefined) return 1;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > 1024) {
    fail("QS4D-E003", { reason: `--threads ${text}: expected an integer in [1, 1024]` });
  }
  return value;
}

async function sweep(specPath: string, flags: SweepFlags): Promise<void> {
  const spec = readSweepSpec(specPath);
  const range = shardRange(spec.points, parseShard(flags.shard ?? "0/1"));
  const threads = threadCount(flags.threads);
  const lines: string[] = [];
  const emit =
    flags.output === undefined
      ? (line: string) => process.stdout.write(line)
      : (line: string) => lines.push(line);
  const refused = await runSweep(spec, range, emit, { threads });
  if (flags.output !== undefined) writeFileAtomic(flags.output, lines.join(""));
  if (flags.quiet !== true) {
    process.stderr.write(
      `sweep: points ${range.start}..${range.end - 1} of ${spec.points} (${refused} refused)${flags.output === undefined ? "" : ` -> ${flags.output}`}\n`,
    );
  }
}

function merge(parts: string[], flags: MergeFlags): void {
  const merged = mergeSweepParts(
    parts.map((file) => ({ file, text: new TextDecoder().decode(readFileBytes(file)) })),
  );
  if (flags.output === undefined) process.stdout.write(merged);
  else writeFileAtomic(flags.output, merged);
}

export function register(program: Command): void {
  const command = program
    .command("sweep")
    .description(
      "compile and simulate every point of a design-space sweep (axes over target fields, pruning, budgets, noise, seeds): one JSON line per point",
    )
    .argument("<spec>", "sweep spec .json (schemas/sweep.schema.json, docs/sweep.md)")
    .option(
      "--shard <i/n>",
      "run only slice I of N (0 <= I < N), for a job array; join with 'sweep merge'",
    )
    .option("-o, --output <file>", "write the lines to this file (default: stdout)")
    .option("--threads <n>", "simulator threads per point (default 1: one shard per core)")
    .option("-q, --quiet", "no summary on stderr")
    .action(async (specPath: string, flags: SweepFlags) => {
      await sweep(specPath, flags);
    });
  command
    .command("merge")
    .description("join the result files of a sweep's shards into the whole run's, in point order")
    .argument("<parts...>", "result files of 'qs4dc sweep SPEC --shard I/N -o PART'")
    .option("-o, --output <file>", "write the merged lines to this file (default: stdout)")
    .action((parts: string[], flags: MergeFlags, merging: Command) => {
      // commander hands options after a subcommand to the parent that declares them too
      // (`sweep merge A B -o X` sets the sweep's -o): take the output from either.
      const output = flags.output ?? (merging.parent?.opts() as MergeFlags | undefined)?.output;
      merge(parts, output === undefined ? {} : { output });
    });
}
