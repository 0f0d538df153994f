// What every recovery step of the ONNX front end works with: the graph index, an exact and a
// "float view" evaluator of constant subgraphs, and the quantizers the graph contains.

import { fail } from "../../diag/error.js";
import { ConstEval } from "./evaluate.js";
import { attrInts, inputsOf, type OnnxGraph, op } from "./graph.js";
import { LazyEval } from "./lazy.js";
import type { NodeProto } from "./proto.js";
import { type QuantMatch, QuantMatcher } from "./quantizers.js";
import { type Arr, DT, dtypeName, isFloatType } from "./tensor.js";

export interface Ctx {
  readonly g: OnnxGraph;
  /** Values as the graph computes them (quantizers applied). */
  readonly exact: ConstEval;
  /** Values with every recognised quantizer passed through: the latent float model. */
  readonly float: ConstEval;
  /** The float view evaluated on demand (large kernel subgraphs are only sampled). */
  readonly lazy: LazyEval;
  readonly quants: ReadonlyMap<string, QuantMatch>;
}

export function makeContext(g: OnnxGraph): Ctx {
  const quants = new QuantMatcher(g).all();
  const bypass = (t: string) => quants.get(t)?.input ?? undefined;
  const float = new ConstEval(g, bypass);
  return { g, exact: new ConstEval(g), float, lazy: new LazyEval(g, float, bypass), quants };
}

/** A recovered parameter: exact values in the canonical layout and where they came from. */
export interface ParamValue {
  readonly value: Arr;
  /** ONNX element type of the stored tensor. */
  readonly dataType: number;
  /** The initializer (or Constant output) holding it. */
  readonly source: string;
}

/** A stored weight reached through layout-only ops, with the quantizer on its way (if any). */
export interface StoredWeight {
  readonly param: ParamValue;
  readonly quant: QuantMatch | null;
}

const LAYOUT_OPS = new Set(["Identity", "Transpose", "Reshape", "Unsqueeze", "Squeeze", "Flatten"]);

/** The node's first input (the data operand of a layout op). */
function firstInput(node: NodeProto): string {
  return inputsOf(node)[0] ?? "";
}

/** Is `node` a Transpose swapping the last two of three axes ([0,2,1])? */
export function isChannelTranspose(node: NodeProto | undefined): boolean {
  if (node === undefined || op(node) !== "Transpose") return false;
  const perm = attrInts(node, "perm");
  return perm !== undefined && perm.length === 3 && perm[0] === 0 && perm[1] === 2 && perm[2] === 1;
}

/**
 * Follow a constant operand back through layout ops (and at most one quantizer) to the stored
 * tensor. `canonical` turns the operand's float value into the canonical layout of the state dict.
 * A weight the graph computes by arithmetic is rejected: its stored values are not in the file.
 */
export function storedWeight(
  ctx: Ctx,
  operand: string,
  role: string,
  canonical: (a: Arr) => Arr,
): StoredWeight {
  const { g } = ctx;
  let t = operand;
  let quant: QuantMatch | null = null;
  for (;;) {
    const m = ctx.quants.get(t);
    if (m !== undefined && quant === null) {
      quant = m;
      if (m.input === null) break;
      t = m.input;
      continue;
    }
    const node = g.producer(t);
    if (node === undefined || node.opType === "Constant" || g.isInitializer(t)) break;
    if (!LAYOUT_OPS.has(op(node))) {
      fail(
        "QS4D-E128",
        { what: role, reason: `it is computed in-graph by ${g.describe(node)}` },
        g.where(node),
      );
    }
    t = firstInput(node);
  }
  // Integer codes behind a DequantizeLinear dequantize to float32 values.
  const dataType = quant?.input === null ? DT.FLOAT : leafType(ctx, t, role);
  const value = canonical(ctx.float.value(operand));
  return { param: { value, dataType, source: t }, quant };
}

/** Element type of a leaf; parameters must be floating point. */
export function leafType(ctx: Ctx, leaf: string, role: string): number {
  const init = ctx.g.initializer(leaf);
  const type = init?.dataType ?? ctx.exact.elementType(leaf) ?? 1;
  if (!isFloatType(type)) {
    fail(
      "QS4D-E106",
      { tensor: leaf, dtype: dtypeName(type), role },
      { file: ctx.g.file, tensor: leaf },
    );
  }
  return type;
}

/** Parameters must be finite; checked before anything computes with them (the kernel check). */
export function checkFinite(ctx: Ctx, p: ParamValue, role: string): void {
  const data = p.value.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const tensor = p.source;
      fail("QS4D-E107", { tensor, role, value: data[i]!, index: i }, { file: ctx.g.file, tensor });
    }
  }
}
