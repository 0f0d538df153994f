import { existsSync } from "node:fs";
import { Command } from "commander";
import { VERSION } from "../version.js";
import { COMMANDS, type CommandEntry } from "./commands/index.js";
import { codeUsageErrors } from "./usage-errors.js";

const VERSION_FLAGS = new Set(["-V", "--version"]);

/** The commands `argv` needs: none for --version, one when it names one, else all (help, typos). */
function commandsFor(argv: readonly string[] | undefined): readonly CommandEntry[] {
  if (argv === undefined) return COMMANDS;
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0]!)) return [];
  const named = COMMANDS.find((c) => c.name === argv[0]);
  return named === undefined ? COMMANDS : [named];
}

function examples(): string {
  return `\nExamples:\n${COMMANDS.map((c) => `  $ ${c.example}\n`).join("")}`;
}

/**
 * The qs4dc program with the commands `argv` needs loaded (all of them without argv). Parser
 * errors become coded diagnostics (usage-errors.ts), printed as one line and a hint, not the help.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command("qs4dc")
    .description(
      "Compile trained S4D state-space models to IMSSA crossbar programming artifacts and verify them.\n" +
        "Short form: qs4dc MODEL -o chip.bin  (= qs4dc compile MODEL -o chip.bin)",
    )
    .version(VERSION, "-V, --version")
    .configureOutput({ outputError: () => {} })
    .addHelpText("after", examples());
  codeUsageErrors(program);
  for (const entry of commandsFor(argv)) {
    (await entry.load()).register(program);
    const command = program.commands.find((c) => c.name() === entry.name)!;
    command.addHelpText("after", `\nExample:\n  $ ${entry.example}\n`);
    codeUsageErrors(command);
  }
  return program;
}

/** A first word that names a file rather than a command: it has a path separator or extension, or exists. */
function looksLikePath(word: string): boolean {
  return /[./\\]/.test(word) || existsSync(word);
}

/**
 * `qs4dc MODEL -o OUT` is `qs4dc compile MODEL -o OUT`: when the first word is no option, no
 * command and looks like a file. Any other first word is left for commander to refuse as an
 * unknown command, with its did-you-mean (`qs4dc compil m.onnx` suggests `compile`).
 */
export function expandShortForm(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first === undefined || first.startsWith("-") || first === "help") return [...argv];
  const known = COMMANDS.some((c) => c.name === first);
  return known || !looksLikePath(first) ? [...argv] : ["compile", ...argv];
}
