// `qs4dc inspect CHIP.bin [--json]`: validate a chip.bin and summarize it: source, target,
// program, per-array utilization and levels, bytes per section, manifest.

import type { Command } from "commander";
import { readChip } from "../../emit/chip-read.js";
import { formatInspect, inspectChip } from "../../emit/inspect.js";
import { readFileBytes } from "../../util/read-file.js";

/** The summary of the chip.bin at `file`, as text or as JSON text. */
export function inspectFile(file: string, json: boolean): string {
  const bytes = readFileBytes(file);
  const summary = inspectChip(readChip(bytes, file), bytes.length);
  return json ? `${JSON.stringify(summary, null, 2)}\n` : formatInspect(summary);
}

export function register(program: Command): void {
  program
    .command("inspect")
    .description("check a chip.bin and summarize it: arrays, utilization, levels, sizes, manifest")
    .argument("<chip>", "chip.bin file")
    .option("--json", "print the summary as JSON (with every pass report)")
    .action((file: string, flags: { json?: boolean }) => {
      process.stdout.write(inspectFile(file, flags.json === true));
    });
}
