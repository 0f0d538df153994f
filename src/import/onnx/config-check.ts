// s4d.config (the weights.json config block the shared models carry as metadata) against the
// architecture recovered from the graph. The graph wins; a disagreement is an error, because a
// model whose two descriptions differ is one whose JSON export would import differently.

import { fail } from "../../diag/error.js";
import type { ArchSpec } from "../spec.js";

const NORMS: Readonly<Record<string, ArchSpec["norm"]>> = {
  layernorm: "layer",
  layer: "layer",
  batchnorm: "batch",
  batch: "batch",
  none: "none",
};
const ACTIVATIONS: Readonly<Record<string, ArchSpec["activation"]>> = {
  gelu: "gelu",
  relu: "relu",
  none: "none",
  identity: "none",
};
const KERNELS: Readonly<Record<string, ArchSpec["kernel"]>> = {
  s4d: "s4d",
  s4: "s4",
  const: "kernel",
};

type Check = [key: string, stated: unknown, graph: unknown];

function checks(c: Readonly<Record<string, unknown>>, arch: ArchSpec): Check[] {
  const out: Check[] = [
    ["d_in", c.d_in, arch.dIn],
    ["d_model", c.d_model, arch.channels],
    ["n_layers", c.n_layers, arch.layers],
    ["n_classes", c.n_classes, arch.classes],
    ["seq_len", c.seq_len, arch.length],
    ["norm", NORMS[String(c.norm)], arch.norm],
    ["activation", ACTIVATIONS[String(c.activation)], arch.activation],
    ["mixing", c.mixing, arch.mixing],
    ["glu", c.glu === undefined ? undefined : c.glu ? "glu" : "linear", arch.mixing],
    ["residual", c.residual, arch.residual],
    ["kernel", KERNELS[String(c.kernel)], arch.kernel],
    ["kernel_param", KERNELS[String(c.kernel_param)], arch.kernel],
  ];
  if (arch.kernel !== "kernel") {
    out.push(
      ["d_state", c.d_state, arch.state],
      ["discretization", c.discretization, arch.discretization],
    );
  }
  if (arch.norm !== "none") {
    out.push(["prenorm", c.prenorm, arch.normPosition === "pre"]);
    for (const key of ["norm_eps", "layer_norm_eps"]) {
      const v = c[key];
      out.push([
        key,
        typeof v === "number" ? Math.fround(v) : undefined,
        Math.fround(arch.normEps),
      ]);
    }
  }
  return out;
}

export function checkConfig(
  config: Readonly<Record<string, unknown>> | null,
  arch: ArchSpec,
  file: string,
): void {
  if (config === null) return;
  for (const [key, stated, graph] of checks(config, arch)) {
    if (stated === undefined || (stated === null && graph !== null)) continue;
    if (stated !== graph) {
      fail("QS4D-E116", { key, meta: JSON.stringify(config[key]), graph: String(graph) }, { file });
    }
  }
}
