// The code of a coded refusal (a Qs4dError), for tests that expect one: anything else thrown
// goes on, and a run that does not refuse fails the test.

import { expect } from "vitest";
import type { DiagnosticCode } from "../src/diag/codes.js";
import { Qs4dError } from "../src/diag/error.js";

/** The refusal's code; with `exitCode`, also checks the exit code it carries. */
export function refusalCode(run: () => unknown, exitCode?: number): DiagnosticCode {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) {
      if (exitCode !== undefined) expect(error.exitCode).toBe(exitCode);
      return error.diagnostic.code;
    }
    throw error;
  }
  throw new Error("expected a coded refusal; it ran");
}
