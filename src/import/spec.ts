// What a front end hands to `assemble` (assemble.ts): the architecture it recovered, the
// parameters under canonical state-dict names, and the quantization facts. ONNX and JSON
// front ends both produce this, so that the same model gives the same IR whatever the file.

import type { Activation, QuantScheme } from "../ir/model.js";
import type { Tensor } from "../ir/tensor.js";

export interface ArchSpec {
  readonly dIn: number;
  readonly channels: number;
  /** d_state N (real dimensions); for a kernel-only model the config's value, else 2*modes. */
  readonly state: number;
  readonly classes: number;
  readonly length: number | null;
  readonly layers: number;
  readonly norm: "layer" | "batch" | "none";
  readonly normPosition: "pre" | "post";
  readonly normEps: number;
  readonly activation: Activation;
  readonly mixing: "glu" | "relu" | "linear" | "none";
  readonly residual: boolean;
  readonly discretization: "zoh" | "bilinear";
  /** s4d: log_dt/log_A_real/A_imag/C; s4: inv_dt/A_real/A_imag (opposite sign)/B/C; kernel: K only. */
  readonly kernel: "s4d" | "s4" | "kernel";
}

/** Quantization of one static tensor as the export states it. */
export interface TensorQuantSpec {
  /** qs4d-symmetric-v1 / QDQ: bits, scale(s), axis, and the exported integer codes if any. */
  readonly bits?: number;
  readonly scale?: number | readonly number[];
  readonly axis?: number | null;
  readonly codes?: Tensor;
  /** qs4d-max: the level count Q. */
  readonly levels?: number;
}

export interface QuantSpec {
  readonly scheme: QuantScheme;
  /**
   * Keyed by canonical names: weight tensors by their state-dict name (`encoder.weight`,
   * `layers.0.output_linear.weight`, `decoder.weight`), SSM tensors as `layers.i.kernel.dA`,
   * `layers.i.kernel.dB`, `layers.i.kernel.C`, `layers.i.D`, `layers.i.kernel.log_dt`,
   * `layers.i.kernel.A_real`, `layers.i.kernel.A_imag`, `layers.i.kernel.K`, and activations
   * as `layers.i.u`, `layers.i.x`, `layers.i.y`, `layers.i.out` (act_quant after mixing).
   */
  readonly tensors: ReadonlyMap<string, TensorQuantSpec>;
}

export interface ImportSpec {
  readonly name: string;
  readonly arch: ArchSpec;
  /**
   * Parameters under canonical state-dict names. Canonical means the S4D-repo names with the
   * mixing conv as `layers.i.output_linear.weight|bias` (a `.0.` Sequential index is dropped) and
   * norms as `norms.i.weight|bias|running_mean|running_var`. S4 naming keeps its own names
   * (`inv_dt`, `A_real`, `B`); assemble.ts converts.
   */
  readonly params: ReadonlyMap<string, Tensor>;
  readonly quant: QuantSpec;
  /** Where each parameter came from (file, initializer or JSON path), for diagnostics. */
  readonly origin: (name: string) => { file: string; tensor?: string; path?: string };
  /**
   * Where each quantizer of `quant.tensors` came from, when that differs from the parameter of
   * the same name (a JSON quantization block, ONNX metadata). Optional: origin() otherwise.
   */
  readonly quantOrigin?: (key: string) => { file: string; tensor?: string; path?: string };
  /** Metadata that both front ends know identically (e.g. qs4d.scheme); goes to Model.meta. */
  readonly meta: Readonly<Record<string, string>>;
}

const GENERIC_STEMS = new Set(["model", "weights", "model.folded", "state_dict", "checkpoint"]);

/** Folders that say where a file lives in a project, not which model it is. */
const GENERIC_FOLDERS = new Set([
  "src",
  "source",
  "models",
  "model",
  "export",
  "exports",
  "out",
  "output",
  "outputs",
  "build",
  "dist",
  "data",
  "checkpoints",
  "weights",
  "tmp",
  ".",
  "..",
]);

/**
 * The model's name from its path: the file's stem; for a generic stem (model.onnx,
 * weights.json) the folder's name, so that both files of one model get the same name
 * (digits-qat8/model.onnx is "digits-qat8"), unless the folder is generic too (src/model.onnx
 * is "model", not "src").
 */
export function modelNameFromPath(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  const file = parts.at(-1) ?? "model";
  const stem = file.replace(/\.(onnx|json)$/i, "");
  if (!GENERIC_STEMS.has(stem)) return stem;
  const folder = parts.at(-2);
  return folder === undefined || GENERIC_FOLDERS.has(folder.toLowerCase()) ? stem : folder;
}
