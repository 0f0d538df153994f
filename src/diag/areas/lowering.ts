import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E400..E499 / W400..W499: target descriptions and the lowering passes
// (apply-qat, realize-kernel, discretize, requantize, prune, layout-imssa, tile, map-conductance).
export const LOWERING = [
  {
    code: "QS4D-E400",
    severity: "error",
    message: "unknown target '{name}': not a built-in target and no such file",
    hint: "use one of the built-in targets ({builtins}) or the path of a target JSON file; 'qs4dc targets' lists them",
  },
  {
    code: "QS4D-E401",
    severity: "error",
    message: "target file '{file}' is not valid JSON: {reason}",
    hint: "start from a built-in: 'qs4dc targets --json' prints them",
  },
  {
    code: "QS4D-E402",
    severity: "error",
    message: "target file '{file}' does not match the target schema: {reason}",
    hint: "docs/targets.md lists every field, its unit and its allowed values",
  },
  {
    code: "QS4D-E403",
    severity: "error",
    message: "target '{name}' is inconsistent: {reason}",
    hint: "fix the named field; docs/targets.md states the relations between fields",
  },
  {
    code: "QS4D-E404",
    severity: "error",
    message:
      "tensor '{tensor}' has no values (IR text printed with digests only) and cannot be lowered",
    hint: "print the IR with --print-tensors, or compile from the model file itself",
  },
  {
    code: "QS4D-E405",
    severity: "error",
    message:
      "layer {layer}, channel {channel}, mode {mode} is not stable after discretization: |lambda| = {magnitude} (A = {aRe} + {aIm}i, dt = {dt})",
    hint: "the chip's recurrence needs |lambda| < 1 (Re A < 0); Re A = 0 comes from a ternary A_quant: retrain with log_A_real frozen or more A levels",
  },
  {
    code: "QS4D-E406",
    severity: "error",
    message: "layer {layer} is not ready for this pass: run '{pass}' first",
    hint: "use the default pipeline ('qs4dc passes' lists it) or put the passes in its order",
  },
  {
    code: "QS4D-E408",
    severity: "error",
    message: "layer {layer} has {what}, which the chip's digital periphery does not implement",
    hint: "export the model with per-sample (QS4D) activation quantization or none",
  },
  {
    code: "QS4D-E409",
    severity: "error",
    message:
      "layer {layer} is a kernel-only SSM (a constant convolution kernel, no S4D parameters): '{pass}' needs its state-space realization",
    hint: "run 'realize-kernel' before '{pass}' (the default pipeline does), or export the model with its S4D parameters (log_dt, A, C)",
  },
  {
    code: "QS4D-E410",
    severity: "error",
    message: "pass '{pass}' needs a target",
    hint: "give --target NAME|FILE, or run only target-independent passes (apply-qat, realize-kernel, discretize)",
  },
  {
    code: "QS4D-E412",
    severity: "error",
    message:
      "channel block '{block}' needs {rows} rows x {cols} columns but the target's arrays are {arrayRows} x {arrayCols}",
    hint: "use a target with larger arrays, prune modes (--prune), or a model with fewer modes per channel (N)",
  },
  {
    code: "QS4D-E413",
    severity: "error",
    message: "cannot tile: {reason}",
    hint: "run tile once, after layout-imssa",
  },
  {
    code: "QS4D-E414",
    severity: "error",
    message: "the model needs {needed} arrays of {rows} x {cols}; the target has {available}",
    hint: "prune modes (--prune), or use a target with more or larger arrays",
  },
  {
    code: "QS4D-E415",
    severity: "error",
    message:
      "crossbar '{crossbar}' has a cell at level {level}; the target's cells have levels 0..{levels}-1",
    hint: "the lowered IR does not fit its own target: requantize for this target again",
  },
  {
    code: "QS4D-E416",
    severity: "error",
    message: "bad --prune value '{value}'",
    hint: "use zero, energy:T (0 <= T < 1: prune modes under this share of their channel's output energy) or ratio:R (0 <= R < 1: prune this fraction of all modes)",
  },
  {
    code: "QS4D-E417",
    severity: "error",
    message:
      "labels file '{file}' has shape {shape} ({dtype}); expected [{batch}] integers, one per calibration input",
    hint: "give an int32 or int64 .npy with one class index per input of --calib",
  },
  {
    code: "QS4D-E418",
    severity: "error",
    message: "bad value '{value}' for option '{option}': {reason}",
    hint: "--realize-modes takes the complex modes per channel (an integer >= 1; default d_state/2), --realize-tolerance the relative kernel error above which realize-kernel warns (a number > 0)",
  },
  {
    code: "QS4D-E419",
    severity: "error",
    message:
      "layer {layer} is a kernel-only SSM and model '{model}' states no d_state: the number of modes to realize it with is unknown",
    hint: "give --realize-modes M (complex modes per channel, N = 2M real state dimensions)",
  },
  {
    code: "QS4D-E420",
    severity: "error",
    message: "invalid lowered IR at {node}: {reason}",
    hint: "the lowered part of the IR breaks an invariant of docs/chip-arithmetic.md; if a pass produced it, it is a bug",
  },
  {
    code: "QS4D-E421",
    severity: "error",
    message:
      "target '{target}' cannot compute model '{model}' within the fidelity budget at L = {length}: {what}",
    hint: "give --calib with representative inputs (calibrated ranges waste fewer bits), a target with more levels, wider converters, bit slicing or a wider state register; raise the budget (--max-error); or accept the predicted loss with --allow-loss",
  },
  {
    code: "QS4D-E422",
    severity: "error",
    message: "bad value '{value}' for option '{option}': {reason}",
    hint: "--seq-len takes the sequence length (an integer >= 1), --max-error a relative output error (0 < E < 1), --max-accuracy-drop points of accuracy (>= 0), --state-update one of auto, plain, residual",
  },
  {
    code: "QS4D-W406",
    severity: "warning",
    message:
      "layer {layer}: predicted relative output error {error} at L = {length} exceeds the budget {budget} (--allow-loss): {what}",
    hint: "the requantize report gives, per tensor, the bits needed and held and the predicted error; a target with more levels, wider converters or a wider state register closes the gap",
  },
  {
    code: "QS4D-W407",
    severity: "warning",
    message:
      "the emulator measures {drop} points of accuracy lost on {samples} calibration samples ({reference}% -> {chip}%), above the budget of {budget} points (--allow-loss)",
    hint: "the predicted errors are inside the budget but the data says otherwise; give a wider target or more calibration data",
  },
  {
    code: "QS4D-W408",
    severity: "warning",
    message:
      "prune: the {modes} modes pruned in layer {layer} cost a predicted relative output error of {error} at L = {length}, above the budget of {budget}",
    hint: "prune less (a smaller energy:T or ratio:R), raise --max-error, or give --calib and --calib-labels to measure the accuracy change",
  },
  {
    code: "QS4D-N407",
    severity: "note",
    message:
      "requantize chose {choice} for model '{model}' on target '{target}' at L = {length}: {why}",
    hint: "the requantize report lists every layer's predicted error per tensor; --state-update plain|residual forces a scheme",
  },
  {
    code: "QS4D-W401",
    severity: "warning",
    message:
      "'{tensor}': the convolution-mode kernel quantizer has no recurrent counterpart on the chip; the state is quantized by the ADC instead",
    hint: "the emulator's accuracy shows the effect; QS4D's state_quant on K only approximates state quantization",
  },
  {
    code: "QS4D-W402",
    severity: "warning",
    message:
      "'{tensor}' needs {needed} bits but target '{target}' holds {available}: requantized with loss; {impact}",
    hint: "use a target with more levels, wider converters or bit slicing; the requantize report gives each tensor's SQNR",
  },
  {
    code: "QS4D-W403",
    severity: "warning",
    message:
      "model '{model}' has SSM ranges without a quantization grid and no calibration data: the SSM inputs are scaled per sample and the state and output ranges estimated for a white input",
    hint: "give --calib X.npy with representative inputs: calibrated ranges fit the data the chip will see",
  },
  {
    code: "QS4D-W405",
    severity: "warning",
    message:
      "layer {layer}: {count} of {channels} kernels realized with a relative error above {threshold}; the worst, channel {channel}, has {error}",
    hint: "allow more modes (--realize-modes), raise --realize-tolerance if the error is acceptable, or export the model with its S4D parameters; the realize-kernel report lists every channel",
  },
  {
    code: "QS4D-N404",
    severity: "note",
    message:
      "model '{model}' needs more levels than a cell of target '{target}' holds: its weights are bit-sliced over {slices} cells of {levels} levels",
    hint: "the slices of an output are summed before its ADC (docs/chip-arithmetic.md), so the result stays exact; it costs {slices}x the columns",
  },
  // Numeric limits of the lowered IR that keep the executors exact (src/ir/limits.ts).
  {
    code: "QS4D-E430",
    severity: "error",
    message:
      "{node}: {terms} term slots per conversion, more than the {max} the executors and chip.bin hold",
    hint: "a conversion sums at most {max} row groups (docs/chip-arithmetic.md, Limits); split its signals over more readouts",
  },
  {
    code: "QS4D-E431",
    severity: "error",
    message:
      "{node}: readout {readout} ({signal}[{element}]) can reach an integer sum of {bound}, not below 2^53: binary64 would round it",
    hint: "every column sum must be an exact integer (docs/chip-arithmetic.md, Limits): fewer or lower cells on the readout's columns, fewer slices, or narrower signals",
  },
  {
    code: "QS4D-E432",
    severity: "error",
    message: "{node}: {what} is {value}, above 2^31 - 1 = 2147483647",
    hint: "the executors hold register codes, level counts, readout limits and cell coefficients (level x levels^slice) in 32-bit integers (docs/chip-arithmetic.md, Limits): use narrower signals, fewer levels or fewer slices",
  },
  {
    code: "QS4D-E433",
    severity: "error",
    message:
      "{node}: the readouts writing {signal}[{element}] can commit a sum of {bound} in steps of 2^-{fraction}, not below 2^{exponent}: binary64 would round it",
    hint: "the commit adds every shifted code of an element exactly (docs/chip-arithmetic.md, Limits): fewer fraction bits (less negative shifts), lower readout limits or fewer readouts per element",
  },
] as const satisfies readonly DiagnosticDef[];
