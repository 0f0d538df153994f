// The config block of weights.json -> ArchSpec. The two model families name the same facts
// differently (family 1, the S4D standalone example: `glu`, `kernel`, `layer_norm_eps`, post-norm
// LayerNorm with residual and GELU; family 2, the QS4D authors: `mixing`, `kernel_param`,
// `norm_eps`, pre-norm BatchNorm, no residual, no GELU). An absent key takes the default of the
// config's family, as each family's README states it; docs/weights-json.md lists them.

import { fail } from "../../diag/error.js";
import type { Activation } from "../../ir/model.js";
import type { ArchSpec } from "../spec.js";

/** The config keys the schema types; every other key is a free-form description. */
export interface JsonConfig {
  readonly d_in: number;
  readonly d_model: number;
  readonly d_state: number;
  readonly n_layers: number;
  readonly n_classes: number;
  readonly seq_len?: number | null;
  readonly prenorm?: boolean;
  readonly norm?: "layernorm" | "layer" | "batchnorm" | "batch" | "none";
  readonly norm_eps?: number;
  readonly layer_norm_eps?: number;
  readonly activation?: "gelu" | "relu" | "none" | "identity";
  readonly glu?: boolean;
  readonly mixing?: "glu" | "relu" | "linear" | "none";
  readonly residual?: boolean;
  readonly discretization?: "zoh" | "bilinear";
  readonly kernel?: "s4d" | "s4" | "const";
  readonly kernel_param?: "s4d" | "s4" | "const";
}

type Family = "s4d-example" | "qs4d";

interface Defaults {
  readonly norm: ArchSpec["norm"];
  readonly normPosition: ArchSpec["normPosition"];
  readonly activation: Activation;
  readonly mixing: ArchSpec["mixing"];
  readonly residual: boolean;
}

const DEFAULTS: Record<Family, Defaults> = {
  // fixtures/models/README.md, family 1: post-norm LayerNorm, residual, GELU, GLU mixing.
  "s4d-example": {
    norm: "layer",
    normPosition: "post",
    activation: "gelu",
    mixing: "glu",
    residual: true,
  },
  // Family 2 (the QS4D authors' code): BatchNorm pre-norm, no residual, GELU defined but not
  // applied, GLU mixing.
  qs4d: { norm: "batch", normPosition: "pre", activation: "none", mixing: "glu", residual: false },
};

/** Family 2 configs name the mixing `mixing` and the SSM parametrisation `kernel_param`. */
function familyOf(c: JsonConfig): Family {
  return c.mixing !== undefined || c.kernel_param !== undefined ? "qs4d" : "s4d-example";
}

function conflict(file: string, reason: string): never {
  return fail("QS4D-E209", { reason }, { file, path: "/config" });
}

function mixingOf(c: JsonConfig, d: Defaults, file: string): ArchSpec["mixing"] {
  // `glu: false` in the S4 code base leaves a plain Conv1d(H, H) with no activation.
  const fromGlu = c.glu === undefined ? undefined : c.glu ? "glu" : "linear";
  if (fromGlu !== undefined && c.mixing !== undefined && fromGlu !== c.mixing) {
    conflict(file, `glu = ${c.glu} but mixing = "${c.mixing}"`);
  }
  return c.mixing ?? fromGlu ?? d.mixing;
}

function kernelOf(c: JsonConfig, tensorNames: readonly string[], file: string): ArchSpec["kernel"] {
  if (c.kernel !== undefined && c.kernel_param !== undefined && c.kernel !== c.kernel_param) {
    conflict(file, `kernel = "${c.kernel}" but kernel_param = "${c.kernel_param}"`);
  }
  const stated = c.kernel ?? c.kernel_param;
  if (stated !== undefined) return stated === "const" ? "kernel" : stated;
  // No key: the parameter names say it (K alone: kernel-only; inv_dt: S4 naming).
  if (tensorNames.some((n) => n.endsWith(".kernel.K"))) return "kernel";
  if (tensorNames.some((n) => n.endsWith(".kernel.inv_dt"))) return "s4";
  return "s4d";
}

function epsOf(c: JsonConfig, file: string): number {
  if (
    c.norm_eps !== undefined &&
    c.layer_norm_eps !== undefined &&
    c.norm_eps !== c.layer_norm_eps
  ) {
    conflict(file, `norm_eps = ${c.norm_eps} but layer_norm_eps = ${c.layer_norm_eps}`);
  }
  return c.norm_eps ?? c.layer_norm_eps ?? 1e-5;
}

const NORMS: Record<NonNullable<JsonConfig["norm"]>, ArchSpec["norm"]> = {
  layernorm: "layer",
  layer: "layer",
  batchnorm: "batch",
  batch: "batch",
  none: "none",
};

/** The architecture a (schema-valid) config describes. */
export function archFromConfig(
  c: JsonConfig,
  tensorNames: readonly string[],
  file: string,
): ArchSpec {
  const d = DEFAULTS[familyOf(c)];
  const kernel = kernelOf(c, tensorNames, file);
  return {
    dIn: c.d_in,
    channels: c.d_model,
    state: c.d_state,
    classes: c.n_classes,
    length: c.seq_len ?? null,
    layers: c.n_layers,
    norm: c.norm === undefined ? d.norm : NORMS[c.norm],
    normPosition: c.prenorm === undefined ? d.normPosition : c.prenorm ? "pre" : "post",
    normEps: epsOf(c, file),
    activation: c.activation === "identity" ? "none" : (c.activation ?? d.activation),
    mixing: mixingOf(c, d, file),
    residual: c.residual ?? d.residual,
    discretization: c.discretization ?? "zoh",
    kernel,
  };
}
