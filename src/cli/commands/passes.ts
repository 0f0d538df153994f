// `qs4dc passes`: the pass registry, one line per pass and one per option it reads (or JSON
// with --json).

import type { Command } from "commander";
import type { PassOptionSpec } from "../../passes/pass.js";
import { REGISTRY } from "../../passes/registry.js";

/** `--seq-len <integer>`, `--state-update <auto|plain|residual>`, `--allow-loss`: the flag. */
function flagText(o: PassOptionSpec): string {
  if (o.type === "boolean") return `--${o.name}`;
  return `--${o.name} <${o.values === undefined ? o.type : o.values.join("|")}>`;
}

function optionLine(o: PassOptionSpec, width: number): string {
  const given = flagText(o).padEnd(width);
  const otherwise = o.default === null ? "" : ` (default ${String(o.default)})`;
  return `    ${given}  ${o.description}${otherwise}\n`;
}

function listing(json: boolean): string {
  const passes = REGISTRY.passes.map((p) => ({
    name: p.name,
    description: p.description,
    options: p.options,
  }));
  if (json) return `${JSON.stringify(passes, null, 2)}\n`;
  const width = Math.max(0, ...passes.map((p) => p.name.length));
  const optionWidth = Math.max(0, ...REGISTRY.options.map((o) => flagText(o).length));
  return passes
    .map(
      (p) =>
        `${p.name.padEnd(width)}  ${p.description}\n${p.options.map((o) => optionLine(o, optionWidth)).join("")}`,
    )
    .join("");
}

export function register(program: Command): void {
  program
    .command("passes")
    .description(
      "list the compiler passes with a one-line description each and the options each reads",
    )
    .option(
      "--json",
      "print a JSON array of {name, description, options: [{name, type, values?, default, description}]}",
    )
    .action((flags: { json?: boolean }) => {
      process.stdout.write(listing(flags.json === true));
    });
}
