import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E870..E899: design-space sweeps (`qs4dc sweep`, `qs4dc sweep merge`) and the project
// config file (qs4dc.config.json, `qs4dc init`). A point of a sweep that the compiler refuses
// is not an error of the sweep: it is a result line carrying the refusal's own code.
export const SWEEP = [
  {
    code: "QS4D-E870",
    severity: "error",
    message: "'{file}' is not valid JSON: {reason}",
    hint: "check the file's syntax (a JSON object; comments are not allowed in JSON)",
  },
  {
    code: "QS4D-E871",
    severity: "error",
    message: "sweep spec '{file}' does not match the sweep schema at {path}: {reason}",
    hint: "schemas/sweep.schema.json and docs/sweep.md describe every field",
  },
  {
    code: "QS4D-E872",
    severity: "error",
    message: "sweep axis '{axis}': {reason}",
    hint: "a target axis names a field of the target description that holds a number or a string, e.g. target.adc.bits, target.cell.levels, target.array.rows; 'qs4dc targets --json NAME' shows the fields",
  },
  {
    code: "QS4D-E873",
    severity: "error",
    message: "sweep spec '{file}' has {points} points, more than the {limit} one sweep may have",
    hint: "split the sweep into several specs, or use fewer values per axis",
  },
  {
    code: "QS4D-E874",
    severity: "error",
    message: "--shard {value}: {reason}",
    hint: "write --shard I/N with 0 <= I < N, e.g. --shard 0/3 ($SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX for I)",
  },
  {
    code: "QS4D-E875",
    severity: "error",
    message: "'{file}' line {line} is not a sweep result line: {reason}",
    hint: "give the files 'qs4dc sweep SPEC --shard I/N -o PART' wrote, unchanged",
  },
  {
    code: "QS4D-E876",
    severity: "error",
    message: "the sweep parts do not make one whole sweep: {reason}",
    hint: "merge the parts of one spec, every shard exactly once (--shard 0/N .. N-1/N)",
  },
  {
    code: "QS4D-E877",
    severity: "error",
    message: "project config '{file}' does not match the config schema at {path}: {reason}",
    hint: "schemas/config.schema.json and docs/config.md describe every field",
  },
  {
    code: "QS4D-E878",
    severity: "error",
    message: "'{file}' exists already",
    hint: "pass --force to overwrite it",
  },
] as const satisfies readonly DiagnosticDef[];
