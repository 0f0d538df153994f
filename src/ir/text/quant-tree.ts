// Quantizer annotations: `quant TARGET levels (levels = 16, scope = tensor)` and
// `quant TARGET affine (bits = 8, scale = 0.01, axis = null, zero_point = 0, signed = true,
// narrow = true, rounding = half-even) { codes: i8[..] = .. }`. TARGET names the annotated value.

import type { TreeNode } from "../../../grammar/index.js";
import type { AffineQuantizer, Quantizer } from "../model.js";
import { attr, label, node, value } from "./build.js";
import type { NodeReader } from "./reader.js";
import { type TensorMode, tensorToLit } from "./tensor-tree.js";

export function quantToTree(target: string, q: Quantizer, mode: TensorMode): TreeNode {
  const head = [label.word(target), label.word(q.kind)];
  if (q.kind === "levels") {
    return node(
      "quant",
      head,
      [attr("levels", value.int(q.levels)), attr("scope", value.word(q.scope))],
      null,
    );
  }
  const scale =
    typeof q.scale === "number" ? value.f64(q.scale) : value.list(q.scale.map((s) => value.f64(s)));
  const attrs = [
    attr("bits", value.int(q.bits)),
    attr("scale", scale),
    attr("axis", value.intOrNull(q.axis)),
    attr("zero_point", value.int(q.zeroPoint)),
    attr("signed", value.bool(q.signed)),
    attr("narrow", value.bool(q.narrow)),
    attr("rounding", value.word(q.rounding)),
  ];
  const body = q.codes === undefined ? null : [tensorToLit("codes", q.codes, mode)];
  return node("quant", head, attrs, body);
}

/** The `quant` children of a node, by target, each target at most once and one of `targets`. */
export function quantsFromTree(
  parent: NodeReader,
  targets: readonly string[],
): Map<string, Quantizer> {
  const result = new Map<string, Quantizer>();
  for (const child of parent.children("quant")) {
    const r = parent.enter(child, "quant");
    r.labels(2, "the quantized value's name and the quantizer kind (levels or affine)");
    const target = r.wordLabel(0, targets);
    if (result.has(target)) parent.duplicate("quant", target, child.pos);
    result.set(target, quantFromReader(r, r.wordLabel(1, ["levels", "affine"] as const)));
    r.finish();
  }
  return result;
}

function quantFromReader(r: NodeReader, kind: "levels" | "affine"): Quantizer {
  if (kind === "levels") {
    return { kind, levels: r.int("levels"), scope: r.word("scope", ["tensor", "sample"] as const) };
  }
  const q: AffineQuantizer = {
    kind,
    bits: r.int("bits"),
    scale: r.floatOrList("scale"),
    axis: r.intOrNull("axis"),
    zeroPoint: r.int("zero_point"),
    signed: r.bool("signed"),
    narrow: r.bool("narrow"),
    rounding: r.word("rounding", ["half-even", "half-away"] as const),
  };
  const codes = r.optionalTensor("codes");
  return codes === null ? q : { ...q, codes };
}
