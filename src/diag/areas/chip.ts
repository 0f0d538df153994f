import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E500..E599: chip.bin, the device programming artifact (docs/chip-format.md).
// The reader raises one of these for every way a file can be damaged or inconsistent; the
// writer's own failures (a model that is not lowered) live here too.
export const CHIP = [
  {
    code: "QS4D-E501",
    severity: "error",
    message: "'{file}' is truncated: {what} needs {needed} bytes, the file has {actual}",
    hint: "the file was cut short in transfer or by a full disk; copy or compile it again",
  },
  {
    code: "QS4D-E502",
    severity: "error",
    message: "'{file}' is not a chip.bin file: its first 8 bytes are {found}, expected {expected}",
    hint: "give a file written by 'qs4dc compile'; a changed first byte or CR/LF pair means it was transferred in text mode",
  },
  {
    code: "QS4D-E503",
    severity: "error",
    message:
      "'{file}' has chip.bin format version {major}.{minor}; this qs4dc reads major version {supported}",
    hint: "use the qs4dc release that wrote the file, or compile the model again with this one",
  },
  {
    code: "QS4D-E504",
    severity: "error",
    message: "'{file}' has a malformed header: {field} is {value}, expected {expected}",
    hint: "the header is damaged or was written by another tool; compile the model again",
  },
  {
    code: "QS4D-E505",
    severity: "error",
    message: "'{file}': sizes disagree: {reason}",
    hint: "the file is damaged (bytes added or lost); compile the model again",
  },
  {
    code: "QS4D-E506",
    severity: "error",
    message: "'{file}': header and section table CRC32 is {actual}, the header records {expected}",
    hint: "the file's directory is damaged; compile the model again",
  },
  {
    code: "QS4D-E507",
    severity: "error",
    message: "'{file}': section table entry {index} ({section}) is invalid: {reason}",
    hint: "the section table is damaged or was written by another tool; compile the model again",
  },
  {
    code: "QS4D-E508",
    severity: "error",
    message:
      "'{file}': section '{section}' lies at bytes [{start}, {end}), outside the data area [{low}, {high})",
    hint: "the section table is damaged; compile the model again",
  },
  {
    code: "QS4D-E509",
    severity: "error",
    message:
      "'{file}': section '{section}' starts at byte {start}, expected {expected} (sections follow each other in table order, each at the first offset its alignment allows)",
    hint: "sections overlap or leave a gap; the file is damaged or was written by another tool",
  },
  {
    code: "QS4D-E510",
    severity: "error",
    message: "'{file}': padding byte {offset} before section '{section}' is {value}, expected 0",
    hint: "the file is damaged; compile the model again",
  },
  {
    code: "QS4D-E511",
    severity: "error",
    message: "'{file}': section '{section}' appears more than once",
    hint: "every section name is unique; the file is damaged or was written by another tool",
  },
  {
    code: "QS4D-E512",
    severity: "error",
    message:
      "'{file}': section '{section}' has CRC32 {actual}, the section table records {expected}",
    hint: "the section's bytes are damaged; compile the model again",
  },
  {
    code: "QS4D-E513",
    severity: "error",
    message: "'{file}': section '{section}' is not valid JSON: {reason}",
    hint: "JSON sections hold one UTF-8 JSON object; the file is damaged or was written by another tool",
  },
  {
    code: "QS4D-E514",
    severity: "error",
    message: "'{file}': required section '{section}' is missing",
    hint: "the file is incomplete or was written by another tool; compile the model again",
  },
  {
    code: "QS4D-E515",
    severity: "error",
    message: "'{file}': section '{section}' at {path}: {reason}",
    hint: "the section's content does not follow docs/chip-format.md; compile the model again",
  },
  {
    code: "QS4D-E516",
    severity: "error",
    message: "'{file}': section '{section}' holds {actual}, expected {expected}",
    hint: "a size recorded in one section disagrees with another; the file is damaged or inconsistent",
  },
  {
    code: "QS4D-E520",
    severity: "error",
    message: "cannot write chip.bin for model '{model}': {reason}",
    hint: "chip.bin is written from a lowered model; compile with the default pipeline (or one that runs layout-imssa, tile and map-conductance)",
  },
  {
    code: "QS4D-E521",
    severity: "error",
    message: "cannot write chip.bin for model '{model}': its IR is invalid: {reason}",
    hint: "the verifier checks every model before its chip.bin is written; a model lowered by qs4dc passes it, so this is a bug in whatever built the model",
  },
] as const satisfies readonly DiagnosticDef[];
