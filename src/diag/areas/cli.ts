import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E800..E849, QS4D-N800..N809: the command line itself (src/cli): what commander's parser
// refuses, told as coded diagnostics, and the checks of one command's flags against each other.
export const CLI = [
  {
    code: "QS4D-E800",
    severity: "error",
    message: "unknown command '{command}'{suggestion}",
    hint: "'qs4dc --help' lists the commands; 'qs4dc MODEL -o chip.bin' compiles a model file",
  },
  {
    code: "QS4D-E801",
    severity: "error",
    message: "unknown option '{option}' for '{command}'{suggestion}",
    hint: "'{command} --help' lists its options",
  },
  {
    code: "QS4D-E802",
    severity: "error",
    message: "'{command}' needs its argument <{argument}>",
    hint: "'{command} --help' shows what it takes, with an example",
  },
  {
    code: "QS4D-E803",
    severity: "error",
    message: "option '{option}' of '{command}' needs a value",
    hint: "give the value after the option, e.g. '--input X.npy'; '{command} --help' shows each option's value",
  },
  {
    code: "QS4D-E804",
    severity: "error",
    message: "'{command}' needs option '{option}'",
    hint: "'{command} --help' shows what it takes, with an example",
  },
  {
    code: "QS4D-E805",
    severity: "error",
    message: "'{command}' takes {expected} argument(s), got {count}: {given}",
    hint: "options take their value after them ('-o chip.bin'); quote a path that holds spaces",
  },
  {
    code: "QS4D-E806",
    severity: "error",
    message: "bad value for '{command}': {reason}",
    hint: "'{command} --help' lists the values each option takes",
  },
  {
    code: "QS4D-E807",
    severity: "error",
    message: "'{file}' is a chip.bin, not a model: '{command}' takes a model file",
    hint: "simulate a chip.bin with 'qs4dc sim {file} --input X.npy'; 'qs4dc inspect {file}' summarizes it",
  },
  {
    code: "QS4D-E808",
    severity: "error",
    message: "{option} without --passes or --target: no pass would run",
    hint: "give --passes a,b to run those passes, or --target T to run the default lowering pipeline for T",
  },
  {
    code: "QS4D-E809",
    severity: "error",
    message: "--emit csv writes a folder of CSV files, and '{output}' names a .csv file",
    hint: "give -o a folder name, e.g. -o {folder}; it holds one CSV per array and an index",
  },
  {
    code: "QS4D-E810",
    severity: "error",
    message:
      "labels file '{file}' has shape {shape} ({dtype}); expected [{batch}] integers, one per input of --input",
    hint: "give an int32 or int64 .npy with one class index per row of the --input batch",
  },
  {
    code: "QS4D-E811",
    severity: "error",
    message: "'{command}' writes nothing and prints nothing: {reason}",
    hint: "drop -q to see the summary on stderr, or give -o FILE to keep the result",
  },
] as const satisfies readonly DiagnosticDef[];
