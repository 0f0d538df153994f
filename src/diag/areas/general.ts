import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E001..E099: command line, files, IR text, verifier, pass manager.
export const GENERAL = [
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
  // IR text form (src/ir/text, grammar/): syntax, then the meaning of nodes.
  {
    code: "QS4D-E006",
    severity: "error",
    message: "unexpected character {char} in IR text",
    hint: "IR text uses nodes 'keyword label (key = value) { .. }', tensors 'name: f32[2,3] = [..]' or '#digest', and // comments",
  },
  {
    code: "QS4D-E007",
    severity: "error",
    message: "IR syntax error: {reason}",
    hint: "see docs/ir.md for the grammar; 'qs4dc ir FILE' prints any valid model in canonical form",
  },
  {
    code: "QS4D-E008",
    severity: "error",
    message: "unknown node '{keyword}' in {node}; expected one of: {expected}",
    hint: "check the spelling of the node keyword; docs/ir.md lists every node and where it may appear",
  },
  {
    code: "QS4D-E009",
    severity: "error",
    message: "missing required {what} '{name}' in {node}",
    hint: "add it; docs/ir.md lists the required attributes, tensors and nodes of every node",
  },
  {
    code: "QS4D-E010",
    severity: "error",
    message: "attribute '{key}' of {node} must be {expected}, found {found}",
    hint: "write the value in the form docs/ir.md gives for this attribute",
  },
  {
    code: "QS4D-E011",
    severity: "error",
    message: "tensor '{tensor}' of type {type}: {reason}",
    hint: "give exactly as many values as the shape holds, as one flat list or as lists nested by the shape",
  },
  {
    code: "QS4D-E012",
    severity: "error",
    message: "bad digest '#{digest}': a digest is the SHA-256 of the data, 64 lowercase hex digits",
    hint: "copy the digest from printed IR, or print the tensor in full with --print-tensors",
  },
  {
    code: "QS4D-E013",
    severity: "error",
    message: "duplicate {what} '{name}' in {node}",
    hint: "each attribute, tensor and single node may appear once per node; remove or rename the repeat",
  },
  {
    code: "QS4D-E014",
    severity: "error",
    message: "unknown attribute '{key}' in {node}; expected one of: {expected}",
    hint: "check the spelling of the attribute; docs/ir.md lists the attributes of every node",
  },
  {
    code: "QS4D-E015",
    severity: "error",
    message:
      "unknown dtype '{dtype}' of tensor '{tensor}'; expected one of: f32, f64, i8, i16, i32",
    hint: "complex tensors are written as two real tensors (_re and _im)",
  },
  {
    code: "QS4D-E016",
    severity: "error",
    message: "bad value {value} in tensor '{tensor}' ({dtype}): {reason}",
    hint: "float tensors take decimals, inf, -inf and nan; integer tensors take integers within the dtype's range",
  },
  {
    code: "QS4D-E017",
    severity: "error",
    message: "bad head of node '{keyword}': {reason}",
    hint: "the words after a node's keyword name it (e.g. 'layer 0', 'ssm discrete', 'quant c affine'); see docs/ir.md",
  },
  {
    code: "QS4D-E018",
    severity: "error",
    message: "unknown tensor '{tensor}' in {node}; expected one of: {expected}",
    hint: "check the tensor's name; docs/ir.md lists the tensors of every node",
  },
  {
    code: "QS4D-E019",
    severity: "error",
    message: "bad dimension '{dim}' in the shape of tensor '{tensor}'",
    hint: "dimensions are non-negative integers, e.g. f32[32,8]",
  },
  {
    code: "QS4D-E020",
    severity: "error",
    message: "IR text must hold exactly one 'model' node at top level, found {found}",
    hint: "a .qs4d file holds one model: 'model @name (..) { .. }'",
  },
  // Verifier (src/ir/verify-model.ts): one code per invariant of the IR.
  {
    code: "QS4D-E030",
    severity: "error",
    message: "config {field} = {value}: {reason}",
    hint: "d_in, channels and classes are positive integers, state a non-negative integer, length null or positive",
  },
  {
    code: "QS4D-E031",
    severity: "error",
    message: "{node}: tensor '{tensor}' has shape {actual}, expected {expected}",
    hint: "tensor shapes follow the config: encoder [H,d_in], decoder [classes,H], SSM tensors [H,N/2], D and norms [H], mixing [2H or H,H]",
  },
  {
    code: "QS4D-E032",
    severity: "error",
    message: "{node}: tensor '{tensor}' has dtype {dtype}, expected {expected}",
    hint: "parameters are float tensors (f32 or f64); quantizer codes are integer tensors (i8, i16 or i32)",
  },
  {
    code: "QS4D-E033",
    severity: "error",
    message: "{node}: tensor '{tensor}' holds {value} at index {index}",
    hint: "every value of the model must be finite; check the export or the pass that produced it",
  },
  {
    code: "QS4D-E034",
    severity: "error",
    message:
      "{node}: unstable discrete SSM, |lambda| = {magnitude} >= 1 at channel {channel}, mode {mode}",
    hint: "a discrete SSM needs |lambda| < 1 for every mode (Re A < 0 and dt > 0 before discretization)",
  },
  {
    code: "QS4D-E035",
    severity: "error",
    message:
      "{node}: unstable continuous SSM, Re A = {value} >= 0 at channel {channel}, mode {mode}",
    hint: "S4D needs Re A < 0 (Re A = -exp(log_A_real)); check the sign convention of the source",
  },
  {
    code: "QS4D-E036",
    severity: "error",
    message: "{node}: {what} is {actual}, expected {expected}",
    hint: "layer sizes must agree with the config: SSM channels = H, modes = N/2 (0 for a kernel SSM), linear in/out features as the model's dataflow requires",
  },
  {
    code: "QS4D-E037",
    severity: "error",
    message: "{node}: quantizer of '{target}' has {bits} bits, expected an integer in 2..32",
    hint: "affine quantizers use 2 to 32 bits",
  },
  {
    code: "QS4D-E038",
    severity: "error",
    message: "{node}: quantizer of '{target}' has {levels} levels, expected an integer >= 2",
    hint: "a QS4D level count Q is at least 2 (2 is ternary, 16 means 4 bit)",
  },
  {
    code: "QS4D-E039",
    severity: "error",
    message: "{node}: quantizer of '{target}' has scale {scale}, expected a positive finite number",
    hint: "a scale is the step between two codes; it must be > 0 and finite",
  },
  {
    code: "QS4D-E040",
    severity: "error",
    message: "{node}: quantizer of '{target}' has {count} scales for axis {axis} of size {size}",
    hint: "a per-axis quantizer has exactly one scale per index of its axis",
  },
  {
    code: "QS4D-E041",
    severity: "error",
    message: "{node}: quantizer of '{target}' has axis {axis}: {reason}",
    hint: "one scale goes with axis null; a list of scales with an axis of the quantized tensor",
  },
  {
    code: "QS4D-E042",
    severity: "error",
    message:
      "{node}: quantizer of '{target}' has zero point {zeroPoint} outside its code range [{lo}, {hi}]",
    hint: "the zero point is a code: it must lie in the range the bits, signedness and narrow flag give",
  },
  {
    code: "QS4D-E043",
    severity: "error",
    message:
      "{node}: quantizer of '{target}' has code {code} at index {index} outside [{lo}, {hi}]",
    hint: "integer codes must lie in the quantizer's range: signed [-2^(b-1), 2^(b-1)-1] (narrow: from -(2^(b-1)-1)), unsigned [0, 2^b-1] (narrow: to 2^b-2)",
  },
  {
    code: "QS4D-E044",
    severity: "error",
    message: "{node}: eps = {eps}, expected a positive finite number",
    hint: "a norm's eps keeps its division away from zero; PyTorch's default is 1e-5",
  },
  {
    code: "QS4D-E045",
    severity: "error",
    message: "{node}: running variance is {value} at channel {index}, expected >= 0",
    hint: "a BatchNorm running variance cannot be negative; check the export",
  },
  {
    code: "QS4D-E046",
    severity: "error",
    message: "{node}: tensor '{tensor}' has {count} values for shape {shape}",
    hint: "a tensor's data holds exactly the product of its shape's dimensions; this is a bug in whatever built it",
  },
  {
    code: "QS4D-E047",
    severity: "error",
    message: "{node}: b_re and b_im must be both present or both absent",
    hint: "B is complex: give both parts, or neither (B = 1)",
  },
  {
    code: "QS4D-E048",
    severity: "error",
    message: "hardware target digest '{digest}' is not a SHA-256 (64 lowercase hex digits)",
    hint: "the digest is the SHA-256 of the target description's canonical JSON",
  },
  {
    code: "QS4D-E049",
    severity: "error",
    message:
      "{node}: quantizer of '{target}' has {width}, more than the executors' 32-bit integers hold",
    hint: "codes and level counts are held in int32: at most 32 bits signed, 31 bits unsigned, 2147483647 levels",
  },
  {
    code: "QS4D-E056",
    severity: "error",
    message: "{node}: split_fraction = {value}, not an integer in 1..{max}",
    hint: "split_fraction is the fraction bits with which the parts of a split channel convert their partial y (docs/chip-arithmetic.md §3); requantize sets it, or leave it out",
  },
  // Pass manager (src/passes/manager.ts, src/cli/pipeline-options.ts).
  {
    code: "QS4D-E050",
    severity: "error",
    message: "unknown pass '{pass}'; known passes: {known}",
    hint: "'qs4dc passes' lists every pass with a one-line description",
  },
  {
    code: "QS4D-E051",
    severity: "error",
    message: "pass '{pass}' produced an invalid model: {reason}",
    hint: "this is a bug in the pass; rerun with --print-after={pass} to see its output",
  },
  {
    code: "QS4D-E052",
    severity: "error",
    message: "--{option} names pass '{pass}', which is not in the pipeline ({pipeline})",
    hint: "name a pass that --passes runs",
  },
  {
    code: "QS4D-E053",
    severity: "error",
    message: "tensor {dtype}{shape} has no values: the IR text gave only its digest",
    hint: "computing needs the values: print the IR with --print-tensors, or start from the .onnx or weights.json",
  },
  {
    code: "QS4D-E054",
    severity: "error",
    message: "the pipeline {pipeline} produced an invalid model: {reason}",
    hint: "this is a bug in one of its passes; rerun with --verify-each to find which, and --print-after=PASS to see its output",
  },
  {
    code: "QS4D-E055",
    severity: "error",
    message: "unknown pass option '{option}'; the passes declare: {known}",
    hint: "'qs4dc passes' lists every pass with the options it reads, their types and defaults",
  },
  // Reader limits and output files (docs/limits.md).
  {
    code: "QS4D-E060",
    severity: "error",
    message: "IR text nests brackets deeper than {limit} levels",
    hint: "IR nodes nest a few levels and tensor literals as deep as their rank; docs/limits.md lists the reader's limits",
  },
  {
    code: "QS4D-E061",
    severity: "error",
    message: "IR text line of {length} characters, longer than the limit of {limit}",
    hint: "print large tensors nested by their shape (one row per line), or by digest; docs/limits.md lists the reader's limits",
  },
  {
    code: "QS4D-E062",
    severity: "error",
    message: "tensor '{tensor}' of type {type} declares more elements than the limit of {limit}",
    hint: "no model qs4dc compiles has a tensor this large; check the shape; docs/limits.md lists the reader's limits",
  },
  {
    code: "QS4D-E063",
    severity: "error",
    message: "output folder '{file}' exists and is not empty",
    hint: "give a new or empty folder, or --force to replace this one and everything in it",
  },
  {
    code: "QS4D-E064",
    severity: "error",
    message: "'{file}' is {found}, the output is {expected}",
    hint: "qs4dc never replaces a file by a folder or a folder by a file; give another path",
  },
  {
    code: "QS4D-E065",
    severity: "error",
    message: "'{file}' is {size} bytes, more than the {limit} bytes an input may hold",
    hint: "no input qs4dc reads needs to be this large; docs/limits.md lists the readers' limits",
  },
  {
    code: "QS4D-E066",
    severity: "error",
    message: "two outputs of one command are the same file '{file}'",
    hint: "give each output (-o, --report, --trace) its own path",
  },
  {
    code: "QS4D-N060",
    severity: "note",
    message:
      "'{file}' holds sequences of length {length}; model '{model}' was trained at length {trained}",
    hint: "a length the model was not trained for runs, but its accuracy there is unmeasured; compile with --seq-len to size the chip's precision for it",
  },
] as const satisfies readonly DiagnosticDef[];
