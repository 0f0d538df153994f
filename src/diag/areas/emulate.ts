import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E350..E399: the integer emulator of the lowered IR.
export const EMULATE = [
  {
    code: "QS4D-E350",
    severity: "error",
    message: "model '{model}' is not lowered: it has no crossbars and no digital program",
    hint: "run the lowering pipeline first (qs4dc compile, or --passes ending in layout-imssa, tile, map-conductance)",
  },
  {
    code: "QS4D-E351",
    severity: "error",
    message: "mirror column of '{signal}[{element}]' disagrees with its primary at step {step}",
    hint: "the lowered IR's mirror readout does not compute the negated primary: the layout is inconsistent (a bug in the pass that built it)",
  },
  {
    code: "QS4D-E353",
    severity: "error",
    message: "model '{model}' has no SSM op for layer {layer}",
    hint: "check the layer index against the model's layer count",
  },
  {
    code: "QS4D-E354",
    severity: "error",
    message: "cannot keep held rows in a temporary file under '{dir}': {reason}",
    hint: "beyond {budget} per op the emulator and calibration hold the input of a per-sample quantizer (and a branch waiting for it) on disk, 4 bytes per value; point TMPDIR at a folder with room, or compile with --calib so that every scale is static and nothing is held",
  },
] as const satisfies readonly DiagnosticDef[];
