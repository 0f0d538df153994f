// Decoding an .onnx file into onnx-proto messages, with every failure a coded diagnostic.
// onnx-proto is CommonJS: its named export fails in plain Node ESM (docs/toolchain, gotcha 2).

import onnxProto from "onnx-proto";
import { fail } from "../../diag/error.js";

export const { onnx } = onnxProto;

export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/**
 * int64 fields decode as Long (or number): a JS number, rejected when not exactly representable.
 * One in int32 range comes back as a small integer (`| 0`): Long's arithmetic yields a double,
 * and V8 then stores the shapes built from it as arrays of doubles, so that every loop bounded
 * by a dimension ran on double arithmetic (the dense layers measured 2x slower).
 */
export function toNumber(value: number | Long | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === "number" ? value : value.toNumber();
  return n === (n | 0) ? n | 0 : n;
}

/** The model in `bytes`, or a coded error: truncated, not protobuf, or not an ONNX model. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    const reason = (error as Error).message;
    // protobufjs reports reads past the end as "index out of range: pos + n > len". That means
    // truncation only for a file that starts like a model (ir_version, field 1, written first by
    // every ONNX writer); any other bytes simply are not a model.
    if (/index out of range/.test(reason) && bytes[0] === 0x08)
      fail("QS4D-E101", { file, reason }, { file });
    fail("QS4D-E100", { file, reason }, { file });
  }
  const graph = model.graph;
  if (toNumber(model.irVersion) <= 0 || graph === null || graph === undefined) {
    fail("QS4D-E100", { file, reason: "no ir_version or no graph" }, { file });
  }
  if ((graph.node ?? []).length === 0 || (graph.output ?? []).length === 0) {
    fail("QS4D-E100", { file, reason: "the graph has no nodes or no outputs" }, { file });
  }
  return model;
}
