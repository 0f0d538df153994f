// One block of the model: `layer I (activation = gelu, residual = true, norm_position = post)
// { norm .. ssm .. mixing .. quant output .. }`. The norm prints where it acts (before the SSM
// when pre, after the mixing when post) so that the text reads in dataflow order.

import type { BodyItem, TreeNode } from "../../../grammar/index.js";
import type { Layer, Mixing, Norm } from "../model.js";
import { attr, label, node, value } from "./build.js";
import { linearAttrs, linearBody, linearFromReader } from "./linear-tree.js";
import { quantsFromTree, quantToTree } from "./quant-tree.js";
import type { NodeReader } from "./reader.js";
import { ssmFromReader, ssmToTree } from "./ssm-tree.js";
import { type TensorMode, tensorToLit } from "./tensor-tree.js";

function normToTree(n: Norm, mode: TensorMode): TreeNode {
  const body: BodyItem[] = [
    tensorToLit("weight", n.weight, mode),
    tensorToLit("bias", n.bias, mode),
  ];
  if (n.kind === "batch") {
    body.push(tensorToLit("mean", n.mean, mode), tensorToLit("variance", n.variance, mode));
  }
  return node("norm", [label.word(n.kind)], [attr("eps", value.f64(n.eps))], body);
}

function normFromReader(r: NodeReader): Norm {
  r.labels(1, "the norm kind (layer or batch)");
  const kind = r.wordLabel(0, ["layer", "batch"] as const);
  const common = { eps: r.float("eps"), weight: r.tensor("weight"), bias: r.tensor("bias") };
  const norm: Norm =
    kind === "layer"
      ? { kind, ...common }
      : { kind, ...common, mean: r.tensor("mean"), variance: r.tensor("variance") };
  r.finish();
  return norm;
}

function mixingToTree(m: Mixing, mode: TensorMode): TreeNode {
  return node("mixing", [label.word(m.kind)], linearAttrs(m.linear), linearBody(m.linear, mode));
}

function mixingFromReader(r: NodeReader): Mixing {
  r.labels(1, "the mixing kind (glu, relu or linear)");
  const mixing: Mixing = {
    kind: r.wordLabel(0, ["glu", "relu", "linear"] as const),
    linear: linearFromReader(r),
  };
  r.finish();
  return mixing;
}

export function layerToTree(layer: Layer, index: number, mode: TensorMode): TreeNode {
  const body: BodyItem[] = [];
  const norm = layer.norm === null ? null : normToTree(layer.norm, mode);
  if (norm !== null && layer.normPosition === "pre") body.push(norm);
  body.push(ssmToTree(layer.ssm, mode));
  if (layer.mixing !== null) body.push(mixingToTree(layer.mixing, mode));
  if (norm !== null && layer.normPosition === "post") body.push(norm);
  if (layer.outputQuant !== null) body.push(quantToTree("output", layer.outputQuant, mode));
  const attrs = [
    attr("activation", value.word(layer.activation)),
    attr("residual", value.bool(layer.residual)),
    attr("norm_position", value.word(layer.normPosition)),
  ];
  return node("layer", [label.int(index)], attrs, body);
}

/** A layer; `index` is its position, which the label must repeat. */
export function layerFromReader(r: NodeReader, index: number): Layer {
  r.labels(1, "the layer's index");
  const written = r.intLabel(0);
  if (written !== index) {
    r.badHead(`layers must be numbered 0, 1, .. in order: expected ${index}, found ${written}`);
  }
  const norm = r.optionalChild("norm");
  const mixing = r.optionalChild("mixing");
  const layer: Layer = {
    activation: r.word("activation", ["gelu", "relu", "none"] as const),
    residual: r.bool("residual"),
    normPosition: r.word("norm_position", ["pre", "post"] as const),
    norm: norm === null ? null : normFromReader(r.enter(norm, "norm")),
    ssm: ssmFromReader(r.enter(r.child("ssm"), "ssm")),
    mixing: mixing === null ? null : mixingFromReader(r.enter(mixing, "mixing")),
    outputQuant: quantsFromTree(r, ["output"]).get("output") ?? null,
  };
  r.finish();
  return layer;
}
