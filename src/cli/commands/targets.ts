// `qs4dc targets [--json]`: the built-in targets, one line each, or their full JSON.

import type { Command } from "commander";
import { BUILTIN_TARGETS, DEFAULT_TARGET } from "../../target/builtins.js";
import { targetDigest } from "../../target/load.js";

function listing(json: boolean): string {
  if (json) return `${JSON.stringify(BUILTIN_TARGETS, null, 2)}\n`;
  const width = Math.max(...BUILTIN_TARGETS.map((t) => t.name.length));
  return BUILTIN_TARGETS.map((t) => {
    const mark = t.name === DEFAULT_TARGET ? " (default)" : "";
    return `${t.name.padEnd(width)}  ${t.array.rows}x${t.array.cols}  ${t.description}${mark}  #${targetDigest(t).slice(0, 12)}\n`;
  }).join("");
}

export function register(program: Command): void {
  program
    .command("targets")
    .description("list the built-in targets (--target NAME); --json prints their full descriptions")
    .option("--json", "print the built-in target descriptions as JSON")
    .action((flags: { json?: boolean }) => {
      process.stdout.write(listing(flags.json === true));
    });
}
