// `qs4dc init [--target T] [--force]`: writes a qs4dc.config.json in the current folder with
// the defaults a project usually sets (docs/config.md describes every field). It refuses to
// replace an existing file unless --force: a config is hand-edited, not generated.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { fail } from "../../diag/error.js";
import { CONFIG_FILE } from "../../driver/config.js";
import { DEFAULT_TARGET } from "../../target/builtins.js";
import { loadTarget } from "../../target/load.js";
import { writeFileAtomic } from "../../util/atomic-write.js";

interface InitFlags {
  readonly target?: string;
  readonly force?: boolean;
}

/** The starting config: the lowering defaults written out, so that a user sees what to change. */
function starter(target: string): string {
  const config = {
    $schema: "./node_modules/qs4dc/schemas/config.schema.json",
    target,
    maxError: 0.01,
    maxAccuracyDrop: 1,
    stateUpdate: "auto",
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function init(flags: InitFlags): void {
  const file = join(process.cwd(), CONFIG_FILE);
  if (existsSync(file) && flags.force !== true) fail("QS4D-E878", { file }, { file });
  const target = flags.target ?? DEFAULT_TARGET;
  loadTarget(target); // a target that does not load is refused now, not at the first compile
  writeFileAtomic(file, starter(target));
  process.stderr.write(`wrote ${CONFIG_FILE} (docs/config.md describes every field)\n`);
}

export function register(program: Command): void {
  program
    .command("init")
    .description(`write a ${CONFIG_FILE} with the project's defaults in the current folder`)
    .option("--target <name|file>", `the default target (default ${DEFAULT_TARGET})`)
    .option("--force", `replace an existing ${CONFIG_FILE}`)
    .action((flags: InitFlags) => {
      init(flags);
    });
}
