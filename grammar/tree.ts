// The generic syntax tree of the IR text form. A document is a list of nodes:
//
//   node   := keyword label* ( '(' attr,* ')' block? | block )
//   block  := '{' ( tensor | attr | node )* '}'
//   attr   := (identifier | string) '=' value
//   tensor := name ':' dtype '[' dim,* ']' ( #digest | '=' list )
//
// Nothing here knows what a `layer` or an `ssm` is: src/ir/text/ gives the nodes meaning.

/** 1-based line and column of the first character of an element. */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type Value =
  /** Decimal text exactly as written (inf, -inf and nan included): the reader picks the type. */
  | { readonly kind: "number"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "word"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "string"; readonly text: string; readonly pos: Pos }
  /** Lower-case or not as written; `text` excludes the `#`. */
  | { readonly kind: "digest"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "list"; readonly items: readonly Value[]; readonly pos: Pos };

export type Label =
  | { readonly kind: "symbol"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "word"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "number"; readonly text: string; readonly pos: Pos }
  | { readonly kind: "string"; readonly text: string; readonly pos: Pos };

export interface Attr {
  readonly kind: "attr";
  readonly key: string;
  readonly value: Value;
  readonly pos: Pos;
}

export interface TensorLit {
  readonly kind: "tensor";
  readonly name: string;
  readonly dtype: string;
  readonly dtypePos: Pos;
  /** Dimension texts as written (the reader checks they are integers). */
  readonly shape: readonly { readonly text: string; readonly pos: Pos }[];
  readonly body:
    | { readonly kind: "digest"; readonly text: string; readonly pos: Pos }
    | { readonly kind: "values"; readonly list: Value };
  readonly pos: Pos;
}

export interface TreeNode {
  readonly kind: "node";
  readonly keyword: string;
  readonly labels: readonly Label[];
  /** Attributes in the head, `( .. )`. */
  readonly attrs: readonly Attr[];
  /** The block `{ .. }`, or null when the node has none. */
  readonly body: readonly BodyItem[] | null;
  readonly pos: Pos;
}

export type BodyItem = TreeNode | TensorLit | Attr;

/** Positionless trees are built by printers; this is the position they use. */
export const NO_POS: Pos = { line: 0, column: 0 };
