// `qs4dc targets [NAME] [--json]`: the built-in targets, one line each, or their full JSON;
// with NAME (a built-in or a target file), that one target, and with --json its one object.

import type { Command } from "commander";
import { BUILTIN_TARGETS, DEFAULT_TARGET } from "../../target/builtins.js";
import { loadTarget, targetDigest } from "../../target/load.js";
import type { TargetDescription } from "../../target/types.js";

function line(t: TargetDescription, width: number): string {
  const mark = t.name === DEFAULT_TARGET ? " (default)" : "";
  return `${t.name.padEnd(width)}  ${t.array.rows}x${t.array.cols}  ${t.description}${mark}  #${targetDigest(t).slice(0, 12)}\n`;
}

function listing(json: boolean): string {
  if (json) return `${JSON.stringify(BUILTIN_TARGETS, null, 2)}\n`;
  const width = Math.max(...BUILTIN_TARGETS.map((t) => t.name.length));
  return BUILTIN_TARGETS.map((t) => line(t, width)).join("");
}

function one(name: string, json: boolean): string {
  const target = loadTarget(name).description;
  return json ? `${JSON.stringify(target, null, 2)}\n` : line(target, target.name.length);
}

export function register(program: Command): void {
  program
    .command("targets")
    .description(
      "list the built-in targets (--target NAME); --json prints their full descriptions; NAME shows one target",
    )
    .argument("[name]", "one target: a built-in name or a target JSON file")
    .option("--json", "print the target descriptions as JSON (with NAME: one object)")
    .action((name: string | undefined, flags: { json?: boolean }) => {
      const json = flags.json === true;
      process.stdout.write(name === undefined ? listing(json) : one(name, json));
    });
}
