// The one table of diagnostics, assembled from one file per area (so that areas grow
// independently). docs/diagnostics.md lists every row; a test keeps both in step.

import { CHIP } from "./areas/chip.js";
import { EMULATE } from "./areas/emulate.js";
import { GENERAL } from "./areas/general.js";
import { JSON_IMPORT } from "./areas/json.js";
import { LOWERING } from "./areas/lowering.js";
import { ONNX } from "./areas/onnx.js";
import { RUN } from "./areas/run.js";
import { SIM } from "./areas/sim.js";
import type { DiagnosticDef } from "./diagnostic.js";

export const DIAGNOSTICS: readonly DiagnosticDef[] = [
  ...GENERAL,
  ...JSON_IMPORT,
  ...CHIP,
  ...LOWERING,
  ...EMULATE,
  ...RUN,
  ...ONNX,
  ...SIM,
];

const BY_CODE = new Map(DIAGNOSTICS.map((d) => [d.code, d]));

export function diagnosticDef(code: string): DiagnosticDef {
  const def = BY_CODE.get(code);
  if (def === undefined) throw new Error(`unknown diagnostic code ${code}`);
  return def;
}
