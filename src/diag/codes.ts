// The one table of diagnostics, assembled from one file per area (so that areas grow
// independently). docs/diagnostics.md lists every row; a test keeps both in step.

import type { DiagnosticDef } from "./diagnostic.js";
import { GENERAL } from "./areas/general.js";
import { JSON_IMPORT } from "./areas/json.js";
import { CHIP } from "./areas/chip.js";
import { LOWERING } from "./areas/lowering.js";
import { EMULATE } from "./areas/emulate.js";
import { RUN } from "./areas/run.js";
import { ONNX } from "./areas/onnx.js";
import { SIM } from "./areas/sim.js";

export const DIAGNOSTICS: readonly DiagnosticDef[] = [...GENERAL, ...JSON_IMPORT, ...CHIP, ...LOWERING, ...EMULATE, ...RUN, ...ONNX, ...SIM];

const BY_CODE = new Map(DIAGNOSTICS.map((d) => [d.code, d]));

export function diagnosticDef(code: string): DiagnosticDef {
  const def = BY_CODE.get(code);
  if (def === undefined) throw new Error(`unknown diagnostic code ${code}`);
  return def;
}
