import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E200..E299: the weights.json front end (E200-E219), checks every front end runs at
// import through assemble (E230-E249), and .npy files (E260-E279).
export const JSON_IMPORT = [
  {
    code: "QS4D-E200",
    severity: "error",
    message: "'{file}' is not valid JSON: {reason}",
    hint: "weights.json must be plain JSON (NaN and Infinity are not JSON: write them as strings)",
  },
  {
    code: "QS4D-E201",
    severity: "error",
    message: "missing required key '{key}'",
    hint: "see schemas/weights.schema.json for the keys a weights.json must have",
  },
  {
    code: "QS4D-E202",
    severity: "error",
    message: "wrong type: expected {expected}",
    hint: "see schemas/weights.schema.json for the type of every key",
  },
  {
    code: "QS4D-E203",
    severity: "error",
    message: "value {value} is not allowed: expected one of {allowed}",
    hint: "see schemas/weights.schema.json for the accepted values",
  },
  {
    code: "QS4D-E204",
    severity: "error",
    message: "unexpected key '{key}'",
    hint: "remove the key or check its spelling; see schemas/weights.schema.json",
  },
  {
    code: "QS4D-E205",
    severity: "error",
    message: "schema violation: {reason}",
    hint: "see schemas/weights.schema.json",
  },
  {
    code: "QS4D-E206",
    severity: "error",
    message: "{what} has {got} values but its shape {shape} needs {expected}",
    hint: "data is the row-major flattening of the tensor: its length is the product of the shape",
  },
  {
    code: "QS4D-E207",
    severity: "error",
    message: "'{value}' is not a number",
    hint: "tensor data holds JSON numbers or decimal strings ('1.5e-3', 'nan', 'inf', '-inf')",
  },
  {
    code: "QS4D-E208",
    severity: "error",
    message: "parameter '{tensor}' has dtype {dtype}; a model parameter must be float32 or float64",
    hint: "export the state dict with floating-point parameters",
  },
  {
    code: "QS4D-E209",
    severity: "error",
    message: "config keys disagree: {reason}",
    hint: "give the architecture once (e.g. either 'glu' or 'mixing', not both with different meanings)",
  },
  {
    code: "QS4D-E210",
    severity: "error",
    message: "quantization entry '{key}' is invalid: {reason}",
    hint: "see fixtures/models/README.md for the qs4d-symmetric-v1 and qs4d-max quantization blocks",
  },
  {
    code: "QS4D-E230",
    severity: "error",
    message: "non-finite value {value} in '{tensor}' at flat index {index}",
    hint: "the model diverged in training or the export is corrupt; every parameter must be finite",
  },
  {
    code: "QS4D-E231",
    severity: "error",
    message: "dt <= 0 in '{tensor}' channel {index}: dt = exp({value}) = {dt}",
    hint: "dt = exp(log_dt) must be a positive float64 number; log_dt below about -745 underflows to 0",
  },
  {
    code: "QS4D-E232",
    severity: "error",
    message: "unstable SSM in '{tensor}' at flat index {index}: {reason}",
    hint: "a stable S4D needs Re A < 0 and dt > 0 so that |lambda| = |exp(dt*A)| < 1",
  },
  {
    code: "QS4D-E233",
    severity: "error",
    message: "'{tensor}' has shape {got}, expected {expected} ({why})",
    hint: "the tensor shapes must agree with the config (d_in, d_model, d_state, n_classes, seq_len) and with each other",
  },
  {
    code: "QS4D-E234",
    severity: "error",
    message: "missing parameter '{tensor}' ({why})",
    hint: "the export must hold every parameter of the architecture its config describes",
  },
  {
    code: "QS4D-E235",
    severity: "error",
    message: "unexpected parameter '{tensor}' ({why})",
    hint: "n_layers and the architecture keys of the config must describe every tensor of the export",
  },
  {
    code: "QS4D-E236",
    severity: "error",
    message:
      "{what} declares shape {shape} = {expected} values, more than a file of {bytes} bytes can hold",
    hint: "the file is truncated or its header is corrupt; nothing was allocated",
  },
  {
    code: "QS4D-E237",
    severity: "error",
    message: "invalid quantizer for '{tensor}': {reason}",
    hint: "bits must be 2..16, scales positive and finite, integer codes inside the signed narrow range",
  },
  {
    code: "QS4D-E238",
    severity: "error",
    message: "invalid config: {reason}",
    hint: "check d_in, d_model, d_state (even: N/2 complex modes), n_layers, n_classes and seq_len",
  },
  {
    code: "QS4D-E239",
    severity: "error",
    message: "invalid value {value} in '{tensor}' at flat index {index}: {reason}",
    hint: "the export is corrupt or the model was not trained to a usable state",
  },
  {
    code: "QS4D-E260",
    severity: "error",
    message: "'{file}' is not a .npy file (bad magic)",
    hint: "a .npy file starts with the bytes \\x93NUMPY; write it with numpy.save",
  },
  {
    code: "QS4D-E261",
    severity: "error",
    message: "unsupported .npy format version {version} in '{file}'",
    hint: "versions 1.0, 2.0 and 3.0 are supported",
  },
  {
    code: "QS4D-E262",
    severity: "error",
    message: "bad .npy header in '{file}': {reason}",
    hint: "the header must be a Python dict literal with 'descr', 'fortran_order' and 'shape'",
  },
  {
    code: "QS4D-E263",
    severity: "error",
    message: "big-endian .npy data ('{descr}') in '{file}' is not supported",
    hint: "convert with array.astype(array.dtype.newbyteorder('<')) before saving",
  },
  {
    code: "QS4D-E264",
    severity: "error",
    message: "Fortran-order .npy data in '{file}' is not supported",
    hint: "save a C-order array: numpy.save(path, numpy.ascontiguousarray(a))",
  },
  {
    code: "QS4D-E265",
    severity: "error",
    message: "unsupported .npy dtype '{descr}' in '{file}'",
    hint: "supported: float32 (<f4), float64 (<f8), int8 (|i1), int32 (<i4), int64 (<i8)",
  },
  {
    code: "QS4D-E266",
    severity: "error",
    message:
      ".npy data size mismatch in '{file}': shape {shape} needs {expected} bytes, the file has {got}",
    hint: "the file is truncated or has trailing bytes; nothing was allocated",
  },
  {
    code: "QS4D-E267",
    severity: "error",
    message: "cannot encode .npy: {reason}",
    hint: "this is a bug in the caller: data length must equal the product of the shape",
  },
  // Reader limits (docs/limits.md).
  {
    code: "QS4D-E240",
    severity: "error",
    message: "JSON nests objects and arrays deeper than {limit} levels",
    hint: "a weights.json nests a few levels (tensors, then shape and data); docs/limits.md lists the reader's limits",
  },
  {
    code: "QS4D-E241",
    severity: "error",
    message: ".npy file '{file}' of shape {shape} holds more elements than the limit of {limit}",
    hint: "split the batch into several files; docs/limits.md lists the reader's limits",
  },
] as const satisfies readonly DiagnosticDef[];
