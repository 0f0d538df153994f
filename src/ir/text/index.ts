// The IR text form: printModel and parseModel. grammar/ knows the syntax (a generic tree of
// nodes, attributes and tensor literals); the *-tree.ts files here give the nodes meaning.

import { parseTree, printTree, type TreeNode } from "../../../grammar/index.js";
import { fail } from "../../diag/error.js";
import type { Model } from "../model.js";
import { checkIrTextLimits } from "./limits.js";
import { locate, type ReadContext } from "./location.js";
import { modelFromReader, modelToTree } from "./model-tree.js";
import { NodeReader } from "./reader.js";
import type { TensorMode } from "./tensor-tree.js";

export { dataDigest, tensorDigest } from "./digest.js";
export { formatF32, formatF64 } from "./numbers.js";
export type { TensorMode } from "./tensor-tree.js";

export interface PrintOptions {
  /** "digest" (default): tensors as type + SHA-256; "full": every value. */
  readonly tensors?: TensorMode;
}

export function printModel(model: Model, options: PrintOptions = {}): string {
  return printTree([modelToTree(model, options.tensors ?? "digest")]);
}

/** "model @tiny" or 'model "a name"': how messages name the model node. */
function describeHead(n: TreeNode): string {
  const name = n.labels[0];
  if (name === undefined) return n.keyword;
  return `${n.keyword} ${name.kind === "symbol" ? `@${name.text}` : JSON.stringify(name.text)}`;
}

/** Parses IR text; throws a located Qs4dError on malformed text. */
export function parseModel(text: string, file?: string): Model {
  const ctx: ReadContext = { file };
  checkIrTextLimits(text, ctx);
  const parsed = parseTree(text);
  if (!parsed.ok) {
    const { problem } = parsed;
    const where = locate(ctx, problem.pos);
    if (problem.kind === "character") fail("QS4D-E006", { char: problem.char }, where);
    fail("QS4D-E007", { reason: problem.message }, where);
  }
  const [first, second] = parsed.nodes;
  if (first === undefined || second !== undefined || first.keyword !== "model") {
    const found = parsed.nodes.map((n) => `'${n.keyword}'`).join(", ") || "none";
    fail("QS4D-E020", { found }, locate(ctx, (second ?? first)?.pos ?? { line: 1, column: 1 }));
  }
  return modelFromReader(new NodeReader(first, ctx, describeHead(first)));
}
