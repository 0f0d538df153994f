import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E600..E699: the cycle-accurate simulator of chip.bin (`qs4dc sim`) and `qs4dc verify`.
export const SIM = [
  {
    code: "QS4D-E601",
    severity: "error",
    message: "input '{input}' has shape {shape}; chip '{chip}' expects {expected}",
    hint: "inputs are [batch, length, d_in] (or [batch, length] when d_in = 1); d_in is the input width of the chip's first op ('qs4dc inspect' shows it)",
  },
  {
    code: "QS4D-E602",
    severity: "error",
    message: "input '{input}' holds {dtype} values; the simulator reads float32 or float64",
    hint: "save the inputs as float32 (numpy: x.astype(np.float32))",
  },
  {
    code: "QS4D-E603",
    severity: "error",
    message: "input '{input}' has the non-finite value {value} at [{index}]",
    hint: "a chip's DACs take finite values only; clean or clip the inputs",
  },
  {
    code: "QS4D-E604",
    severity: "error",
    message: "--noise '{spec}': {reason}",
    hint: "write --noise target, --noise none, or key=value pairs separated by commas, e.g. --noise prog=0.02,read=0.01,stuck=0.001 (keys: prog, read, stuck, stuck-on, stuck-off, adc, dac)",
  },
  {
    code: "QS4D-E605",
    severity: "error",
    message: "labels '{file}' have shape {shape} and dtype {dtype}; expected [{batch}] integers",
    hint: "labels are one integer class per input sample (numpy: np.int32 or np.int64, shape [batch])",
  },
  {
    code: "QS4D-E606",
    severity: "error",
    message: "labels '{file}' [{index}] is {value}, outside the chip's {classes} classes",
    hint: "check that the labels belong to these inputs and to this model",
  },
  {
    code: "QS4D-E607",
    severity: "error",
    message: "chip '{file}' cannot be simulated: {reason}",
    hint: "the program or arrays of this chip.bin disagree with each other; compile the model again, and report it if it persists",
  },
  {
    code: "QS4D-E608",
    severity: "error",
    message:
      "the device model of chip '{file}' needs {cells} modelled cells ({megabytes} MB) over {arrays} arrays",
    hint: "noise is simulated on every cell of every driven row and converted column; compile for a target with smaller arrays, or simulate the ideal chip (--noise none)",
  },
  {
    code: "QS4D-E609",
    severity: "error",
    message: "{option} {value}: {reason}",
    hint: "see 'qs4dc sim --help' for the values each option takes",
  },
  {
    code: "QS4D-E610",
    severity: "error",
    message: "the chip's program ends with {rows} rows of logits per sample, expected one",
    hint: "a classifier chip pools over time before its decoder; this chip.bin is not one (compile the model again)",
  },
  {
    code: "QS4D-E611",
    severity: "error",
    message:
      "the ideal chip's mirror columns of '{signal}[{element}]' do not convert the negated primary ({detail})",
    hint: "on the ideal chip a mirror column's shifted code is exactly the negation of its primary's: the chip.bin's mirror readouts (columns, terms, gains or shifts) disagree with their primaries; compile the model again, and report it if it persists",
  },
  {
    code: "QS4D-E612",
    severity: "error",
    message:
      "cannot keep a per-sample quantizer's held rows in a temporary file under '{dir}': {reason}",
    hint: "beyond {budget} per op the simulator holds the rows of a per-sample scale on disk (4 bytes per value); point TMPDIR at a folder with room, or compile with --calib so that every scale is static and nothing is held",
  },
  {
    code: "QS4D-E620",
    severity: "error",
    message:
      "the ideal simulation of chip.bin and the emulator differ on {samples} of {batch} samples (first: sample {sample}, {where})",
    hint: "the chip.bin does not compute what the lowered IR computes: a writer, reader or layout bug, or a damaged file; report it with the model and inputs",
  },
  {
    code: "QS4D-E621",
    severity: "error",
    message:
      "the chip does not compute the model within the fidelity budget: {what} on {batch} samples, more than --max-accuracy-drop {budget} points",
    hint: "for the ideal chip, the compile report's precision analysis names the quantization that costs most: give --calib with representative inputs, a wider target, or a tighter --max-error; for the noisy runs, a target with less device noise, or a model trained with noise",
  },
] as const satisfies readonly DiagnosticDef[];
