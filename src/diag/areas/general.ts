import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E001..E099: command line, files, IR text, verifier, pass manager.
export const GENERAL: readonly DiagnosticDef[] = [
  {
    code: "QS4D-E001",
    severity: "error",
    message: "cannot read '{file}': {reason}",
    hint: "check the path and the file's permissions",
  },
  {
    code: "QS4D-E002",
    severity: "error",
    message: "cannot write '{file}': {reason}",
    hint: "check that the output folder exists and is writable",
  },
  {
    code: "QS4D-E003",
    severity: "error",
    message: "bad command line: {reason}",
    hint: "run 'qs4dc --help' or 'qs4dc <command> --help'",
  },
  {
    code: "QS4D-E004",
    severity: "error",
    message: "unknown input format for '{file}'",
    hint: "give an .onnx model, a weights.json state-dict dump or a .qs4d IR text file",
  },
  {
    code: "QS4D-E005",
    severity: "error",
    message: "internal error: {reason}",
    hint: "this is a bug in qs4dc; please report it with the command line and input",
  },
];
