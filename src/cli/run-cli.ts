// The whole command line as a function: argv in, exit code out. main.ts calls it for the real
// process; tests call it in-process to check exit codes and diagnostics without spawning.

import { formatDiagnostic } from "../diag/diagnostic.js";
import { makeDiagnostic, Qs4dError } from "../diag/error.js";
import { buildProgram, expandShortForm } from "./program.js";

export type ErrorWriter = (text: string) => void;

const toStderr: ErrorWriter = (text) => {
  process.stderr.write(text);
};

/** Runs qs4dc with `argv` (without node and script); 0 ok, 1 mismatch, 2 bad input, 3 internal. */
export async function runCli(
  argv: readonly string[],
  writeError: ErrorWriter = toStderr,
): Promise<number> {
  // Commands that report a mismatch (verify) set process.exitCode; read it for this run only.
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    const args = expandShortForm(argv);
    const program = await buildProgram(args);
    await program.parseAsync(args, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return exitCodeOf(error, writeError);
  } finally {
    process.exitCode = previous;
  }
}

function exitCodeOf(error: unknown, writeError: ErrorWriter): number {
  if (error instanceof Qs4dError) {
    writeError(`${formatDiagnostic(error.diagnostic)}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && "exitCode" in error && "code" in error) {
    // Parser errors are Qs4dErrors (usage-errors.ts); what is left is a help or version display.
    const code = String((error as { code: unknown }).code);
    if (code === "commander.helpDisplayed" || code === "commander.version") return 0;
    return 2;
  }
  const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
  writeError(`${formatDiagnostic(makeDiagnostic("QS4D-E005", { reason }))}\n`);
  return 3;
}
