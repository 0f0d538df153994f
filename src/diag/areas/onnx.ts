import type { DiagnosticDef } from "../diagnostic.js";

// QS4D-E100..E199: the ONNX front end (src/import/onnx/).
export const ONNX = [
  {
    code: "QS4D-E100",
    severity: "error",
    message: "'{file}' is not an ONNX model: {reason}",
    hint: "give a model saved by torch.onnx.export or onnx.save (a ModelProto with a graph)",
  },
  {
    code: "QS4D-E101",
    severity: "error",
    message: "'{file}' is truncated: {reason}",
    hint: "the file ends inside a protobuf field; copy or export it again",
  },
  {
    code: "QS4D-E102",
    severity: "error",
    message: "the ONNX graph is not well formed: {reason}",
    hint: "check the model with onnx.checker.check_model and export it again",
  },
  {
    code: "QS4D-E103",
    severity: "error",
    message: "tensor '{tensor}' keeps its data outside the model file ({location})",
    hint: "save the model with all tensors inside: onnx.save(model, path, save_as_external_data=False)",
  },
  {
    code: "QS4D-E104",
    severity: "error",
    message: "tensor '{tensor}' declares more data than it holds: {reason}",
    hint: "the file is damaged or was edited by hand; export it again",
  },
  {
    code: "QS4D-E105",
    severity: "error",
    message: "tensor '{tensor}' has element type {dtype}, which qs4dc cannot read",
    hint: "export the weights as float32 (or float64/float16); integer types only for quantized codes",
  },
  {
    code: "QS4D-E106",
    severity: "error",
    message: "tensor '{tensor}' has element type {dtype}, but {role} must be floating point",
    hint: "export the parameter as float32; quantized weights belong behind a DequantizeLinear",
  },
  {
    code: "QS4D-E107",
    severity: "error",
    message: "tensor '{tensor}' ({role}) holds a non-finite value {value} at flat index {index}",
    hint: "the checkpoint diverged or was damaged; export it again from a finite state dict",
  },
  {
    code: "QS4D-E108",
    severity: "error",
    message: "cannot place node {node} on the data path ({where}): {reason}",
    hint: "qs4dc reads S4D classifiers: encoder, S4D blocks (norm, grouped causal Conv + D, activation, 1x1 Conv mixing, residual), mean pooling, decoder; export without other ops on the data path",
  },
  {
    code: "QS4D-E109",
    severity: "error",
    message:
      "tensor '{tensor}' is missing: node {node} reads it, but no initializer, graph input or node provides it",
    hint: "export again with all parameters as initializers (torch.onnx.export(..., export_params=True))",
  },
  {
    code: "QS4D-E110",
    severity: "error",
    message:
      "the SSM kernel of layer {layer} (Conv {node}) is the constant '{tensor}': no SSM parameters remain",
    hint: "export with do_constant_folding=False so that the kernel is computed from the named S4D parameters, or name the kernel initializer '<layer>.kernel.K' for a kernel-only model",
  },
  {
    code: "QS4D-E111",
    severity: "error",
    message: "tensor '{tensor}' has shape {shape}, expected {expected} ({why})",
    hint: "the parameter does not fit the architecture recovered from the graph; check the export",
  },
  {
    code: "QS4D-E112",
    severity: "error",
    message:
      "the SSM kernel of layer {layer} (Conv {node}) uses an unrecognised parameter set: {reason}",
    hint: "name the S4D parameters as in the S4D code (log_dt, log_A_real, A_imag, C) or the S4 code (inv_dt, A_real, A_imag, B, C), all under one prefix",
  },
  {
    code: "QS4D-E113",
    severity: "error",
    message:
      "the kernel that the graph computes for layer {layer} (Conv {node}) is not the S4D kernel of its parameters ({reason})",
    hint: "the kernel subgraph computes something other than 2 Re(sum C dB dA^l) with ZOH or bilinear discretization; qs4dc will not guess what it means",
  },
  {
    code: "QS4D-E114",
    severity: "error",
    message: "cannot evaluate constant {what}: {reason}",
    hint: "the constant subgraph (kernel, weights, scales) uses an op qs4dc does not evaluate; simplify the export",
  },
  {
    code: "QS4D-E115",
    severity: "error",
    message: "metadata '{key}' says {meta}, but the graph says {graph}",
    hint: "the quantization metadata and the graph disagree; export both from the same checkpoint",
  },
  {
    code: "QS4D-E116",
    severity: "error",
    message: "metadata s4d.config says {key} = {meta}, but the graph has {graph}",
    hint: "the architecture is read from the graph; the config block describes a different model",
  },
  {
    code: "QS4D-E117",
    severity: "error",
    message: "metadata '{key}' is not valid: {reason}",
    hint: "metadata_props values of qs4d.* and s4d.config are JSON as written by the exporter",
  },
  {
    code: "QS4D-E118",
    severity: "error",
    message: "cannot use quantizer {node}: {reason}",
    hint: "supported: QuantizeLinear/DequantizeLinear (optionally with Clip), QONNX Quant/IntQuant, and the qs4d-max subgraph, each with zero point 0 on a tensor of the S4D model",
  },
  {
    code: "QS4D-E119",
    severity: "error",
    message: "the graph must have exactly one data input (the sequence), it has {count}: {names}",
    hint: "give parameters as initializers, not graph inputs, and export a model with one input [batch, length, d_in]",
  },
  {
    code: "QS4D-E120",
    severity: "error",
    message:
      "the graph input '{tensor}' has shape {shape}; expected [batch, length, d_in] or [batch, length]",
    hint: "export the classifier with an input of shape [batch, length, d_in]",
  },
  {
    code: "QS4D-E121",
    severity: "error",
    message: "node {node} is not a causal convolution: {reason}",
    hint: "the SSM convolution must be Conv(group = H, kernel L, pads [L-1, L-1]) + Slice[..., 0:L] (or pads [L-1, 0]), strides and dilations 1, no bias",
  },
  {
    code: "QS4D-E122",
    severity: "error",
    message: "node {node} has an unsupported setting: {reason}",
    hint: "export the layer in its plain form (no transA, alpha/beta 1, default attributes)",
  },
  {
    code: "QS4D-E123",
    severity: "error",
    message: "layer {layer}: {reason}",
    hint: "the kernel values cannot tell ZOH from bilinear discretization (dt*|A| is too small); state it in s4d.config ('discretization') or use the JSON export",
  },
  {
    code: "QS4D-E124",
    severity: "error",
    message: "the layers of the graph differ in {what}: {reason}",
    hint: "qs4dc supports models whose blocks share one architecture (norm kind and position, activation, mixing, residual)",
  },
  {
    code: "QS4D-E125",
    severity: "error",
    message: "the data path from '{input}' to '{output}' is not an S4D classifier: {reason}",
    hint: "the model must be encoder -> S4D blocks -> mean over time -> decoder",
  },
  {
    code: "QS4D-E126",
    severity: "error",
    message: "unknown quantization scheme '{scheme}' in metadata qs4d.scheme",
    hint: "known schemes: qs4d-symmetric-v1, qs4d-max; remove the key for a plain QDQ model",
  },
  {
    code: "QS4D-E127",
    severity: "error",
    message: "quantizer {node} sits on a tensor qs4dc cannot name ({reason})",
    hint: "quantizers are supported on the encoder, mixing and decoder weights, the S4D parameters and their discretization, the kernel, and the SSM input, output and layer output",
  },
  {
    code: "QS4D-E128",
    severity: "error",
    message: "{what} cannot be recovered exactly: {reason}",
    hint: "export with do_constant_folding=False so that every parameter stays a named initializer",
  },
  {
    code: "QS4D-E130",
    severity: "error",
    message: "the ONNX graph computes a tensor of {count} elements, more than the limit of {limit}",
    hint: "a shape in the graph (Expand, Reshape, a broadcast) is far larger than any S4D model needs; docs/limits.md lists the reader's limits",
  },
] as const satisfies readonly DiagnosticDef[];
