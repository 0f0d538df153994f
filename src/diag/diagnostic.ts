// Coded diagnostics: every user-facing failure is one row of the table in codes.ts,
// raised as a Qs4dError and mapped by the CLI to exit code 2 (bad input) or 1/3.

import type { DiagnosticCode } from "./codes.js";

export type { DiagnosticCode } from "./codes.js";

export type Severity = "error" | "warning" | "note";

/** A row of the table; the areas declare theirs with `as const satisfies`, so C is the code literal. */
export interface DiagnosticDef<C extends string = string> {
  /** Stable code, QS4D-E### or QS4D-W###; never reused for another meaning. */
  readonly code: C;
  readonly severity: Severity;
  /** Message template; {name} placeholders are filled from the arguments. */
  readonly message: string;
  readonly hint: string;
}

/** Where the problem is: any of file, JSON path, tensor, ONNX node, line:column. */
export interface DiagnosticLocation {
  readonly file?: string;
  readonly path?: string;
  readonly tensor?: string;
  readonly node?: string;
  readonly line?: number;
  readonly column?: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly hint: string;
  readonly location: DiagnosticLocation;
}

export type DiagnosticArgs = Readonly<Record<string, string | number | bigint | boolean>>;

export function fillTemplate(template: string, args: DiagnosticArgs): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in args ? String(args[key]) : whole,
  );
}

export function formatLocation(loc: DiagnosticLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) {
    let where = loc.file;
    if (loc.line !== undefined) where += `:${loc.line}`;
    if (loc.column !== undefined) where += `:${loc.column}`;
    parts.push(where);
  } else if (loc.line !== undefined) {
    parts.push(`${loc.line}:${loc.column ?? 0}`);
  }
  if (loc.path !== undefined) parts.push(`at ${loc.path}`);
  if (loc.tensor !== undefined) parts.push(`tensor '${loc.tensor}'`);
  if (loc.node !== undefined) parts.push(`node '${loc.node}'`);
  return parts.join(", ");
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d.location);
  const head = `${d.severity} ${d.code}: ${d.message}`;
  const lines = [where === "" ? head : `${where}: ${head}`];
  if (d.hint !== "") lines.push(`  hint: ${d.hint}`);
  return lines.join("\n");
}
