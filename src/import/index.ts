// importModel: any supported model file -> IR. The format is told by content first (a renamed
// file still imports): JSON starts with '{', IR text with its `model` header (or a comment),
// and an ONNX ModelProto with its ir_version field.

import { fail } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import { parseModel } from "../ir/text/index.js";
import { assertValidModel } from "../ir/verify-model.js";
import { readFileBytes } from "../util/read-file.js";
import { assemble } from "./assemble.js";
import { jsonSpecFromBytes } from "./json/index.js";
import { importOnnxBytes } from "./onnx/index.js";

export type InputFormat = "onnx" | "json" | "qs4d";

export interface ImportOptions {
  /** Skip content sniffing and read the file as this format. */
  readonly format?: InputFormat;
}

/** First byte that is not JSON whitespace or a UTF-8 byte order mark. */
function firstSignificant(bytes: Uint8Array): number {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
  return i;
}

/**
 * A serialized ONNX ModelProto starts with its first field, ir_version (field 1, varint: tag
 * 0x08), followed by the small version number; protobuf writers emit fields in number order.
 */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  const version = bytes[1];
  return bytes[0] === 0x08 && version !== undefined && version >= 1 && version < 0x80;
}

const IR_TEXT_START = /^(?:model\b|\/\/)/;

/**
 * The format of a model file: by content, else by extension (so that a damaged .onnx file gets
 * the ONNX front end's precise diagnostic); null when neither tells.
 */
export function sniffFormat(bytes: Uint8Array, path = ""): InputFormat | null {
  const start = firstSignificant(bytes);
  if (bytes[start] === 0x7b) return "json";
  const head = new TextDecoder("utf-8").decode(bytes.subarray(start, start + 64));
  if (IR_TEXT_START.test(head)) return "qs4d";
  if (looksLikeOnnx(bytes)) return "onnx";
  const extension = /\.(onnx|json|qs4d)$/i.exec(path)?.[1]?.toLowerCase();
  return (extension as InputFormat | undefined) ?? null;
}

/** Import an .onnx model, a weights.json dump or .qs4d IR text into the IR. */
export function importModel(path: string, options: ImportOptions = {}): Model {
  return importModelBytes(readFileBytes(path), path, options);
}

/** importModel on a file's bytes already in memory; `file` names it in diagnostics. */
export function importModelBytes(
  bytes: Uint8Array,
  file: string,
  options: ImportOptions = {},
): Model {
  const model = decodeModel(bytes, file, options.format ?? sniffFormat(bytes, file));
  // Every command checks the model it reads as `qs4dc ir` does, whatever comes next.
  assertValidModel(model);
  return model;
}

function decodeModel(bytes: Uint8Array, file: string, format: InputFormat | null): Model {
  switch (format) {
    case "json":
      return assemble(jsonSpecFromBytes(bytes, file));
    case "onnx":
      return importOnnxBytes(bytes, file);
    case "qs4d":
      return parseModel(new TextDecoder("utf-8").decode(bytes), file);
    default:
      return fail("QS4D-E004", { file }, { file });
  }
}
