// The one table of diagnostics, assembled from one file per area (so that areas grow
// independently). docs/diagnostics.md lists every row; a test keeps both in step.
// Each area is `as const`, so DiagnosticCode is the union of the table's codes: a code that
// is not a row (a misspelling in `fail("QS4D-E9xx")` or `warn(...)`) does not compile.

import { CHIP } from "./areas/chip.js";
import { CLI } from "./areas/cli.js";
import { EMULATE } from "./areas/emulate.js";
import { GENERAL } from "./areas/general.js";
import { JSON_IMPORT } from "./areas/json.js";
import { LOWERING } from "./areas/lowering.js";
import { ONNX } from "./areas/onnx.js";
import { REPORT } from "./areas/report.js";
import { RUN } from "./areas/run.js";
import { SIM } from "./areas/sim.js";
import { SWEEP } from "./areas/sweep.js";
import type { DiagnosticDef } from "./diagnostic.js";

/** Every code in the table, as a type. */
export type DiagnosticCode =
  | (typeof GENERAL)[number]["code"]
  | (typeof JSON_IMPORT)[number]["code"]
  | (typeof CHIP)[number]["code"]
  | (typeof LOWERING)[number]["code"]
  | (typeof EMULATE)[number]["code"]
  | (typeof RUN)[number]["code"]
  | (typeof ONNX)[number]["code"]
  | (typeof SIM)[number]["code"]
  | (typeof SWEEP)[number]["code"]
  | (typeof REPORT)[number]["code"]
  | (typeof CLI)[number]["code"];

export const DIAGNOSTICS: readonly DiagnosticDef<DiagnosticCode>[] = [
  ...GENERAL,
  ...JSON_IMPORT,
  ...CHIP,
  ...LOWERING,
  ...EMULATE,
  ...RUN,
  ...ONNX,
  ...SIM,
  ...SWEEP,
  ...REPORT,
  ...CLI,
];

const BY_CODE = new Map<string, DiagnosticDef<DiagnosticCode>>(DIAGNOSTICS.map((d) => [d.code, d]));

/** The row of a code. Typed callers cannot name a missing code; a string from outside (JS) can. */
export function diagnosticDef(code: DiagnosticCode): DiagnosticDef<DiagnosticCode> {
  const def = BY_CODE.get(code);
  if (def === undefined) throw new Error(`unknown diagnostic code ${code}`);
  return def;
}
