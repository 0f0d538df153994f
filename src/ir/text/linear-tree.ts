// Dense layers: `encoder (in = 1, out = 32) { weight: f32[32,1] .. bias: f32[32] .. quant weight .. }`.
// The same body serves encoder, decoder and the mixing convolution.

import type { Attr, BodyItem } from "../../../grammar/index.js";
import type { Linear } from "../model.js";
import { attr, value } from "./build.js";
import { quantsFromTree, quantToTree } from "./quant-tree.js";
import type { NodeReader } from "./reader.js";
import { type TensorMode, tensorToLit } from "./tensor-tree.js";

export function linearAttrs(l: Linear): Attr[] {
  return [attr("in", value.int(l.inFeatures)), attr("out", value.int(l.outFeatures))];
}

export function linearBody(l: Linear, mode: TensorMode): BodyItem[] {
  const body: BodyItem[] = [tensorToLit("weight", l.weight, mode)];
  if (l.bias !== null) body.push(tensorToLit("bias", l.bias, mode));
  if (l.weightQuant !== null) body.push(quantToTree("weight", l.weightQuant, mode));
  return body;
}

export function linearFromReader(r: NodeReader): Linear {
  return {
    inFeatures: r.int("in"),
    outFeatures: r.int("out"),
    weight: r.tensor("weight"),
    bias: r.optionalTensor("bias"),
    weightQuant: quantsFromTree(r, ["weight"]).get("weight") ?? null,
  };
}
