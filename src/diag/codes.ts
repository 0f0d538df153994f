// The one table of diagnostics, assembled from one file per area (so that areas grow
// independently). docs/diagnostics.md lists every row; a test keeps both in step.

import type { DiagnosticDef } from "./diagnostic.js";
import { GENERAL } from "./areas/general.js";

export const DIAGNOSTICS: readonly DiagnosticDef[] = [...GENERAL];

const BY_CODE = new Map(DIAGNOSTICS.map((d) => [d.code, d]));

export function diagnosticDef(code: string): DiagnosticDef {
  const def = BY_CODE.get(code);
  if (def === undefined) throw new Error(`unknown diagnostic code ${code}`);
  return def;
}
