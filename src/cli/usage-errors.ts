// commander's parser errors as coded diagnostics (exit 2): each command's exitOverride throws
// the Qs4dError this builds instead of letting commander print its text and the help. The
// details (the option, the argument, commander's did-you-mean) are read from commander's
// message, whose wording is part of commander's pinned version.

import type { Command, CommanderError } from "commander";
import type { DiagnosticArgs, DiagnosticCode } from "../diag/diagnostic.js";
import { makeDiagnostic, Qs4dError } from "../diag/error.js";

/** commander's codes for a help or version display: not parser errors (`qs4dc` alone shows the help, exit 2). */
const DISPLAYS = new Set(["commander.helpDisplayed", "commander.version", "commander.help"]);

/** "qs4dc" for the program, "qs4dc compile" for a command. */
function commandPath(command: Command): string {
  return command.parent === null ? command.name() : `qs4dc ${command.name()}`;
}

/** commander's "(Did you mean --json?)" as " (did you mean '--json'?)", or "". */
function suggestionOf(message: string): string {
  const match = /\(Did you mean (.+)\?\)/.exec(message);
  return match === null ? "" : ` (did you mean '${match[1]}'?)`;
}

function quoted(message: string, pattern: RegExp): string {
  return pattern.exec(message)?.[1] ?? "?";
}

function usageDiagnostic(
  error: CommanderError,
  command: Command,
): [DiagnosticCode, DiagnosticArgs] {
  const message = error.message.replace(/^error: /, "");
  const base = { command: commandPath(command) };
  switch (error.code) {
    case "commander.unknownCommand":
      return [
        "QS4D-E800",
        { command: quoted(message, /unknown command '(.*?)'/), suggestion: suggestionOf(message) },
      ];
    case "commander.unknownOption":
      return [
        "QS4D-E801",
        {
          ...base,
          option: quoted(message, /unknown option '(.*?)'/),
          suggestion: suggestionOf(message),
        },
      ];
    case "commander.missingArgument":
      return ["QS4D-E802", { ...base, argument: quoted(message, /argument '(.*?)'/) }];
    case "commander.optionMissingArgument":
      return ["QS4D-E803", { ...base, option: quoted(message, /option '(.*?)'/) }];
    case "commander.missingMandatoryOptionValue":
      return ["QS4D-E804", { ...base, option: quoted(message, /option '(.*?)'/) }];
    case "commander.excessArguments":
      return [
        "QS4D-E805",
        {
          ...base,
          expected: command.registeredArguments.length,
          count: command.args.length,
          given: command.args.map((a) => `'${a}'`).join(" "),
        },
      ];
    default:
      return ["QS4D-E806", { ...base, reason: message.split("\n")[0]! }];
  }
}

/** Makes `command`'s parser errors coded diagnostics; help and version displays pass through. */
export function codeUsageErrors(command: Command): void {
  command.exitOverride((error) => {
    if (DISPLAYS.has(error.code)) throw error;
    const [code, args] = usageDiagnostic(error, command);
    throw new Qs4dError(makeDiagnostic(code, args));
  });
}
