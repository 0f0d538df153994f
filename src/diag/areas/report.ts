import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E850..E869: the HTML report (`qs4dc report --html`) and the result files it plots.
export const REPORT = [
  {
    code: "QS4D-E850",
    severity: "error",
    message: "Monte Carlo results '{file}' are not JSON: {reason}",
    hint: "give the file 'qs4dc sim ... --report FILE' wrote",
  },
  {
    code: "QS4D-E851",
    severity: "error",
    message: "Monte Carlo results '{file}' are not a 'qs4dc sim --report' file: {reason}",
    hint: "give the file 'qs4dc sim CHIP --input X --labels Y --noise SPEC --report FILE' wrote (with --labels, so that it holds an accuracy)",
  },
  {
    code: "QS4D-E852",
    severity: "error",
    message: "sweep results '{file}' line {line}: {reason}",
    hint: "give the JSON Lines 'qs4dc sweep' wrote: one object per line, with a 'point' object of axis values and numeric results (accuracy, cells, arrays, cycles, energy)",
  },
] as const satisfies readonly DiagnosticDef[];
