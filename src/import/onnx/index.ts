// The ONNX front end: an .onnx file -> ImportSpec (build.ts) -> IR (assemble.ts).

import { readFileSync } from "node:fs";
import { fail } from "../../diag/error.js";
import type { Model } from "../../ir/model.js";
import { assemble } from "../assemble.js";
import { buildOnnxSpec } from "./build.js";

export { buildOnnxSpec };

/** Import ONNX model bytes; `file` names the model and is used in diagnostics. */
export function importOnnxBytes(bytes: Uint8Array, file: string): Model {
  return assemble(buildOnnxSpec(bytes, file));
}

/** Import an .onnx file into the IR. */
export function importOnnx(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return fail("QS4D-E001", { file: path, reason: (error as Error).message }, { file: path });
  }
  return importOnnxBytes(bytes, path);
}
