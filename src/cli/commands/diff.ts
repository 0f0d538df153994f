// `qs4dc diff A.bin B.bin [--json]`: what changed between two chip.bin files, section by
// section (src/emit/diff.ts). Exit 0 when they are identical, 1 when they differ, 2 when
// either is not a valid chip.bin.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { fail } from "../../diag/error.js";
import { readChip } from "../../emit/chip-read.js";
import { diffChips, formatDiff } from "../../emit/diff.js";

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    return fail("QS4D-E001", { file, reason: (error as Error).message }, { file });
  }
}

function diff(fileA: string, fileB: string, flags: { json?: boolean }): void {
  const [a, b] = [readBytes(fileA), readBytes(fileB)];
  const result = diffChips(readChip(a, fileA), readChip(b, fileB), Buffer.from(a).equals(b));
  const text =
    flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatDiff(result, fileA, fileB);
  process.stdout.write(text);
  if (!result.equal) process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command("diff")
    .description(
      "compare two chip.bin files section by section: target and params, cells changed per array with their levels, program constants, manifest (exit 1 when they differ)",
    )
    .argument("<a>", "chip.bin, the reference (e.g. the golden file)")
    .argument("<b>", "chip.bin to compare with it")
    .option("--json", "print the differences as JSON")
    .action((a: string, b: string, flags: { json?: boolean }) => {
      diff(a, b, flags);
    });
}
