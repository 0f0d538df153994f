// The digital program of a model: the classifier as a list of periphery ops around one `ssm`
// op per layer, in the dataflow order of the reference executor (pre-norm, SSM, activation,
// mixing, act_quant, residual, post-norm; then mean pool and decoder). Buffer names say where
// a value is: `enc`, `l0.norm`, `l0.y`, `l0.act`, `l0.mix`, `l0.out`, `pooled`, `logits`.

import { fail } from "../../diag/error.js";
import type { DigitalOp } from "../../ir/hardware.js";
import type { Layer, Linear, Model, Norm } from "../../ir/model.js";

type SsmOp = Extract<DigitalOp, { op: "ssm" }>;

/** Builds the ssm op of layer `layer` reading `input` and writing `output`. */
export type SsmOpFactory = (layer: number, input: string, output: string) => SsmOp;

/** Builds the op of a dense layer named `name` (`enc`, `l0.mix`, `dec`). */
export type DenseOpFactory = (
  linear: Linear,
  name: string,
  input: string,
  output: string,
) => DigitalOp;

/** Dense layers in the digital periphery. */
export const digitalDense: DenseOpFactory = (l, _name, input, output) => ({
  op: "linear",
  input,
  output,
  weight: l.weight,
  bias: l.bias,
});

function normOp(n: Norm, input: string, output: string): DigitalOp {
  return n.kind === "layer"
    ? { op: "layer-norm", input, output, weight: n.weight, bias: n.bias, eps: n.eps }
    : {
        op: "batch-norm",
        input,
        output,
        weight: n.weight,
        bias: n.bias,
        mean: n.mean,
        variance: n.variance,
        eps: n.eps,
      };
}

function layerOps(
  layer: Layer,
  i: number,
  input: string,
  ssm: SsmOpFactory,
  dense: DenseOpFactory,
): DigitalOp[] {
  const ops: DigitalOp[] = [];
  let cur = input;
  const emit = (op: DigitalOp) => {
    ops.push(op);
    cur = op.output;
  };
  const p = `l${i}`;
  if (layer.norm !== null && layer.normPosition === "pre")
    emit(normOp(layer.norm, cur, `${p}.norm`));
  emit(ssm(i, cur, `${p}.y`));
  if (layer.activation !== "none") emit({ op: layer.activation, input: cur, output: `${p}.act` });
  if (layer.mixing !== null) {
    emit(dense(layer.mixing.linear, `${p}.mix`, cur, `${p}.mix`));
    if (layer.mixing.kind === "glu") emit({ op: "glu", input: cur, output: `${p}.glu` });
    if (layer.mixing.kind === "relu") emit({ op: "relu", input: cur, output: `${p}.relu` });
  }
  const q = layer.outputQuant;
  if (q !== null) {
    if (q.kind !== "levels" || q.scope !== "sample") {
      fail("QS4D-E408", { layer: i, what: "a static activation quantizer on the layer output" });
    }
    emit({ op: "fake-quant", input: cur, output: `${p}.q`, levels: q.levels });
  }
  if (layer.residual) emit({ op: "add", input: cur, other: input, output: `${p}.res` });
  if (layer.norm !== null && layer.normPosition === "post")
    emit(normOp(layer.norm, cur, `${p}.out`));
  return ops;
}

export function buildDigitalProgram(
  model: Model,
  ssm: SsmOpFactory,
  dense: DenseOpFactory = digitalDense,
): DigitalOp[] {
  const ops: DigitalOp[] = [dense(model.encoder, "enc", "input", "enc")];
  let cur = "enc";
  model.layers.forEach((layer, i) => {
    const layerProgram = layerOps(layer, i, cur, ssm, dense);
    ops.push(...layerProgram);
    cur = layerProgram.at(-1)!.output;
  });
  ops.push({ op: "mean-pool", input: cur, output: "pooled" });
  ops.push(dense(model.decoder, "dec", "pooled", "logits"));
  return ops;
}
