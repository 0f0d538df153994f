// Small constructors for the generic tree, used by the per-node printers (*-tree.ts).

import {
  type Attr,
  type BodyItem,
  type Label,
  NO_POS,
  type TreeNode,
  type Value,
} from "../../../grammar/index.js";
import { formatF64 } from "./numbers.js";

export function node(
  keyword: string,
  labels: readonly Label[],
  attrs: readonly Attr[],
  body: readonly BodyItem[] | null,
): TreeNode {
  return { kind: "node", keyword, labels, attrs, body, pos: NO_POS };
}

export function attr(key: string, value: Value): Attr {
  return { kind: "attr", key, value, pos: NO_POS };
}

export const label = {
  symbol: (text: string): Label => ({ kind: "symbol", text, pos: NO_POS }),
  word: (text: string): Label => ({ kind: "word", text, pos: NO_POS }),
  int: (n: number): Label => ({ kind: "number", text: String(n), pos: NO_POS }),
};

export const value = {
  int: (n: number): Value => ({ kind: "number", text: String(n), pos: NO_POS }),
  /** Scalars in attributes are float64. */
  f64: (x: number): Value => ({ kind: "number", text: formatF64(x), pos: NO_POS }),
  word: (text: string): Value => ({ kind: "word", text, pos: NO_POS }),
  bool: (b: boolean): Value => ({ kind: "word", text: b ? "true" : "false", pos: NO_POS }),
  string: (text: string): Value => ({ kind: "string", text, pos: NO_POS }),
  digest: (hex: string): Value => ({ kind: "digest", text: hex, pos: NO_POS }),
  intOrNull: (n: number | null): Value =>
    n === null ? value.word("null") : { kind: "number", text: String(n), pos: NO_POS },
  list: (items: readonly Value[]): Value => ({ kind: "list", items, pos: NO_POS }),
};
