import { Command } from "commander";
import { VERSION } from "../version.js";
import { registerCommands } from "./commands/index.js";

export function buildProgram(): Command {
  const program = new Command("qs4dc")
    .description(
      "Compile trained S4D state-space models to IMSSA crossbar programming artifacts and verify them.\n" +
        "Short form: qs4dc MODEL -o chip.bin  (= qs4dc compile MODEL -o chip.bin)",
    )
    .version(VERSION, "-V, --version")
    .exitOverride()
    .showHelpAfterError();
  registerCommands(program);
  return program;
}

/**
 * `qs4dc MODEL -o OUT` is `qs4dc compile MODEL -o OUT`: when the first word is neither an
 * option nor a command, it is a model path.
 */
export function expandShortForm(program: Command, argv: readonly string[]): string[] {
  const first = argv[0];
  if (first === undefined || first.startsWith("-") || first === "help") return [...argv];
  const known = program.commands.some((c) => c.name() === first || c.aliases().includes(first));
  return known ? [...argv] : ["compile", ...argv];
}
