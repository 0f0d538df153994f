import { diagnosticDef } from "./codes.js";
import {
  type Diagnostic,
  type DiagnosticArgs,
  type DiagnosticCode,
  type DiagnosticLocation,
  fillTemplate,
  formatDiagnostic,
} from "./diagnostic.js";

/** A user-facing failure with a stable code. The CLI prints it and exits with `exitCode`. */
export class Qs4dError extends Error {
  readonly diagnostic: Diagnostic;
  /** 2: bad input or usage (the default); 1: verification mismatch; 3: internal error. */
  readonly exitCode: 1 | 2 | 3;

  constructor(diagnostic: Diagnostic, exitCode: 1 | 2 | 3 = 2) {
    super(formatDiagnostic(diagnostic));
    this.name = "Qs4dError";
    this.diagnostic = diagnostic;
    this.exitCode = exitCode;
  }
}

export function makeDiagnostic(
  code: DiagnosticCode,
  args: DiagnosticArgs = {},
  location: DiagnosticLocation = {},
): Diagnostic {
  const def = diagnosticDef(code);
  return {
    code,
    severity: def.severity,
    message: fillTemplate(def.message, args),
    hint: fillTemplate(def.hint, args),
    location,
  };
}

/** Build and throw a coded error in one call: `fail("QS4D-E101", {tensor}, {file})`. */
export function fail(
  code: DiagnosticCode,
  args: DiagnosticArgs = {},
  location: DiagnosticLocation = {},
  exitCode: 1 | 2 | 3 = 2,
): never {
  throw new Qs4dError(makeDiagnostic(code, args, location), exitCode);
}

/** Warnings collected by a compilation instead of being thrown. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  warn(code: DiagnosticCode, args: DiagnosticArgs = {}, location: DiagnosticLocation = {}): void {
    this.items.push(makeDiagnostic(code, args, location));
  }
}
