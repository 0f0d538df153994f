import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E300..E349: the reference executor (`qs4dc run`, runModel).
export const RUN = [
  {
    code: "QS4D-E300",
    severity: "error",
    message: "input '{input}' has shape {shape}; model '{model}' takes {expected}",
    hint: "give [batch, length, d_in] (or [batch, length] when d_in = 1) with batch and length at least 1",
  },
  {
    code: "QS4D-E301",
    severity: "error",
    message: "input '{input}' has dtype {dtype}; run takes float32 or float64",
    hint: "convert the array first, e.g. numpy: x.astype(np.float32)",
  },
  {
    code: "QS4D-E302",
    severity: "error",
    message: "input '{input}' holds {value} at [{index}]",
    hint: "the executor only runs finite inputs; check how the input was produced",
  },
  {
    code: "QS4D-E303",
    severity: "error",
    message: "input '{input}' has {actual} values but its shape {shape} needs {expected}",
    hint: "pass the data and the shape of the same array",
  },
  {
    code: "QS4D-E304",
    severity: "error",
    message: "--trace needs quantized SSM integers, but model '{model}' {reason}",
    hint: "drop --trace, or trace a quantized model (qs4d-symmetric-v1 or qs4d-max) without --no-quant",
  },
  {
    code: "QS4D-E305",
    severity: "error",
    message: "cannot run {where}: its '{role}' quantizer {reason}",
    hint: "the model's quantization does not follow its scheme's semantics; re-export it, or run the float model with --no-quant",
  },
  {
    code: "QS4D-E306",
    severity: "error",
    message: "run does not implement quantization scheme '{scheme}' on {what}",
    hint: "run the latent float model with --no-quant; run implements qs4d-max and qs4d-symmetric-v1 SSM quantizers and affine or max weight quantizers",
  },
  {
    code: "QS4D-E307",
    severity: "error",
    message: "tensor '{tensor}' {reason}",
    hint: "the model is inconsistent with its own config; re-import it from its ONNX or JSON file (IR text printed with digests carries no data)",
  },
  {
    code: "QS4D-E308",
    severity: "error",
    message:
      "{executor}: a non-finite value ({value}) appeared at {where}, sample {sample}, from finite input",
    hint: "the input is far outside the range the model was trained on (or the model overflows); scale the input to the training range",
  },
  {
    code: "QS4D-E309",
    severity: "error",
    message:
      "label {value} at index {index} of '{file}' is not a class: the model has {classes} classes (0..{max})",
    hint: "labels are class indices, 0 to classes - 1",
  },
] as const satisfies readonly DiagnosticDef[];
