// `qs4dc passes`: the pass registry, one line per pass (or JSON with --json).

import type { Command } from "commander";
import { REGISTRY } from "../../passes/registry.js";

function listing(json: boolean): string {
  const passes = REGISTRY.passes.map((p) => ({ name: p.name, description: p.description }));
  if (json) return `${JSON.stringify(passes, null, 2)}\n`;
  const width = Math.max(0, ...passes.map((p) => p.name.length));
  return passes.map((p) => `${p.name.padEnd(width)}  ${p.description}\n`).join("");
}

export function register(program: Command): void {
  program
    .command("passes")
    .description("list the compiler passes with a one-line description each")
    .option("--json", "print a JSON array of {name, description}")
    .action((flags: { json?: boolean }) => {
      process.stdout.write(listing(flags.json === true));
    });
}
