// The syntax of the IR text form: text <-> generic tree. Semantics live in src/ir/text/.

import { irParser } from "./parser.js";
import { irLexer } from "./tokens.js";
import type { Pos, TreeNode } from "./tree.js";
import { treeBuilder } from "./visitor.js";

export { printTree } from "./print.js";
export type { Attr, BodyItem, Label, Pos, TensorLit, TreeNode, Value } from "./tree.js";
export { NO_POS } from "./tree.js";

/** Why a text is not well-formed, at which position; the caller turns it into a coded diagnostic. */
export type SyntaxProblem =
  /** A character no token starts with, as a JSON string literal. */
  | { readonly kind: "character"; readonly char: string; readonly pos: Pos }
  /** What the parser expected and what it found. */
  | { readonly kind: "syntax"; readonly message: string; readonly pos: Pos };

export type ParseTreeResult =
  | { readonly ok: true; readonly nodes: readonly TreeNode[] }
  | { readonly ok: false; readonly problem: SyntaxProblem };

function endOf(text: string): Pos {
  const lines = text.split(/\r\n|\r|\n/);
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

export function parseTree(text: string): ParseTreeResult {
  const lexed = irLexer().tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError !== undefined) {
    const character = text.slice(lexError.offset, lexError.offset + lexError.length);
    return {
      ok: false,
      problem: {
        kind: "character",
        char: JSON.stringify(character.slice(0, 1)),
        pos: { line: lexError.line ?? 0, column: lexError.column ?? 0 },
      },
    };
  }
  const parser = irParser();
  parser.input = lexed.tokens;
  const cst = parser.document();
  const parseError = parser.errors[0];
  if (parseError !== undefined) {
    const t = parseError.token;
    const known = t.startLine !== undefined && !Number.isNaN(t.startLine);
    const where = known ? { line: t.startLine!, column: t.startColumn ?? 0 } : endOf(text);
    return { ok: false, problem: { kind: "syntax", message: parseError.message, pos: where } };
  }
  return { ok: true, nodes: treeBuilder().visit(cst) as TreeNode[] };
}
