// CST visitor: turns chevrotain's concrete syntax tree into the generic tree of tree.ts.

import type { CstNode, IToken } from "chevrotain";
import { irParser } from "./parser.js";
import type { Attr, BodyItem, Label, Pos, TensorLit, TreeNode, Value } from "./tree.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function pos(token: IToken): Pos {
  return { line: token.startLine ?? 0, column: token.startColumn ?? 0 };
}

function tokens(children: Children, key: string): IToken[] {
  return (children[key] ?? []) as IToken[];
}

function nodes(children: Children, key: string): CstNode[] {
  return (children[key] ?? []) as CstNode[];
}

function token(children: Children, key: string): IToken | undefined {
  return tokens(children, key)[0];
}

/** A string literal's text: JSON escapes are the syntax, so JSON decodes them. */
function unquote(image: string): string {
  return JSON.parse(image) as string;
}

const ROW_ITEM = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?inf|nan|\n/g;

/** The numbers of a NumberRow token, each with its own position (rows may span lines). */
function rowNumbers(row: IToken): { kind: "number"; text: string; pos: Pos }[] {
  const start = pos(row);
  const items: { kind: "number"; text: string; pos: Pos }[] = [];
  let line = start.line;
  let lineStart = -start.column + 1; // offset in the image where column 1 would be
  for (const match of row.image.matchAll(ROW_ITEM)) {
    if (match[0] === "\n") {
      line++;
      lineStart = match.index + 1;
    } else {
      items.push({
        kind: "number",
        text: match[0],
        pos: { line, column: match.index - lineStart + 1 },
      });
    }
  }
  return items;
}

/** The CST visitor class, made from the parser (built on first use, like the parser). */
function makeTreeBuilder() {
  const BaseVisitor = irParser().getBaseCstVisitorConstructor();

  class TreeBuilder extends BaseVisitor {
    constructor() {
      super();
      this.validateVisitor();
    }

    document(children: Children): TreeNode[] {
      return nodes(children, "node").map((n) => this.visit(n) as TreeNode);
    }

    node(children: Children): TreeNode {
      const keyword = token(children, "keyword")!;
      const attrList = nodes(children, "attrList")[0];
      const block = nodes(children, "block")[0];
      return {
        kind: "node",
        keyword: keyword.image,
        labels: nodes(children, "label").map((l) => this.visit(l) as Label),
        attrs: attrList === undefined ? [] : (this.visit(attrList) as Attr[]),
        body: block === undefined ? null : (this.visit(block) as BodyItem[]),
        pos: pos(keyword),
      };
    }

    label(children: Children): Label {
      const at = token(children, "AtName");
      if (at !== undefined) return { kind: "symbol", text: at.image.slice(1), pos: pos(at) };
      const word = token(children, "Ident");
      if (word !== undefined) return { kind: "word", text: word.image, pos: pos(word) };
      const num = token(children, "NumberLit");
      if (num !== undefined) return { kind: "number", text: num.image, pos: pos(num) };
      const str = token(children, "StringLit")!;
      return { kind: "string", text: unquote(str.image), pos: pos(str) };
    }

    attrList(children: Children): Attr[] {
      return nodes(children, "attr").map((a) => this.visit(a) as Attr);
    }

    attr(children: Children): Attr {
      const key = token(children, "key")!;
      const text = key.tokenType.name === "StringLit" ? unquote(key.image) : key.image;
      return {
        kind: "attr",
        key: text,
        value: this.visit(nodes(children, "value")[0]!),
        pos: pos(key),
      };
    }

    value(children: Children): Value {
      const list = nodes(children, "list")[0];
      if (list !== undefined) return this.visit(list) as Value;
      const t = (token(children, "NumberLit") ??
        token(children, "SpecialFloat") ??
        token(children, "Ident") ??
        token(children, "StringLit") ??
        token(children, "Digest"))!;
      switch (t.tokenType.name) {
        case "Ident":
          return { kind: "word", text: t.image, pos: pos(t) };
        case "StringLit":
          return { kind: "string", text: unquote(t.image), pos: pos(t) };
        case "Digest":
          return { kind: "digest", text: t.image.slice(1), pos: pos(t) };
        default:
          return { kind: "number", text: t.image, pos: pos(t) };
      }
    }

    list(children: Children): Value {
      const row = token(children, "NumberRow");
      if (row !== undefined) return { kind: "list", items: rowNumbers(row), pos: pos(row) };
      return {
        kind: "list",
        items: nodes(children, "value").map((v) => this.visit(v) as Value),
        pos: pos(token(children, "LBracket")!),
      };
    }

    block(children: Children): BodyItem[] {
      return nodes(children, "item").map((i) => this.visit(i) as BodyItem);
    }

    item(children: Children): BodyItem {
      const [only] = [
        ...nodes(children, "tensor"),
        ...nodes(children, "attr"),
        ...nodes(children, "node"),
      ];
      return this.visit(only!) as BodyItem;
    }

    shape(children: Children): TensorLit["shape"] {
      const row = token(children, "NumberRow");
      return row === undefined ? [] : rowNumbers(row).map(({ text, pos }) => ({ text, pos }));
    }

    tensor(children: Children): TensorLit {
      const name = token(children, "name")!;
      const dtype = token(children, "dtype")!;
      const digest = token(children, "Digest");
      return {
        kind: "tensor",
        name: name.image,
        dtype: dtype.image,
        dtypePos: pos(dtype),
        shape: this.visit(nodes(children, "shape")[0]!) as TensorLit["shape"],
        body:
          digest === undefined
            ? { kind: "values", list: this.visit(nodes(children, "list")[0]!) as Value }
            : { kind: "digest", text: digest.image.slice(1), pos: pos(digest) },
        pos: pos(name),
      };
    }
  }

  return new TreeBuilder();
}

let builder: ReturnType<typeof makeTreeBuilder> | undefined;

/** The one tree builder (reusable: visiting keeps no state between documents). */
export function treeBuilder(): ReturnType<typeof makeTreeBuilder> {
  builder ??= makeTreeBuilder();
  return builder;
}
