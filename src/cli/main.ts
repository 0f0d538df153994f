#!/usr/bin/env node

// qs4dc command line. Each command lives in commands/<name>.ts and registers itself in
// commands/index.ts. Errors end here: coded diagnostics exit 2 (or their own code),
// anything else is an internal error, exit 3.

import { formatDiagnostic } from "../diag/diagnostic.js";
import { makeDiagnostic, Qs4dError } from "../diag/error.js";
import { buildProgram, expandShortForm } from "./program.js";

async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = buildProgram();
    await program.parseAsync(expandShortForm(program, argv), { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof Qs4dError) {
    process.stderr.write(`${formatDiagnostic(error.diagnostic)}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && "exitCode" in error && "code" in error) {
    // commander's own usage errors were already printed by commander.
    const code = String((error as { code: unknown }).code);
    if (code === "commander.helpDisplayed" || code === "commander.version") return 0;
    return 2;
  }
  const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${formatDiagnostic(makeDiagnostic("QS4D-E005", { reason }))}\n`);
  return 3;
}

// `qs4dc inspect chip.bin | head` closes our stdout early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
