// Prints a generic tree as text that parseTree reads back to the same tree. Layout rules:
// two-space indentation; attributes in the head on one line; a tensor's values on one line per
// innermost row, so that a reviewer sees a matrix as a matrix.

import type { Attr, BodyItem, Label, TensorLit, TreeNode, Value } from "./tree.js";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*$/;
const SYMBOL = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const NUMBER = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?inf|nan)$/;
const SPECIAL = new Set(["inf", "nan"]);

function isIdent(text: string): boolean {
  return IDENT.test(text) && !SPECIAL.has(text);
}

function word(text: string): string {
  if (!isIdent(text)) throw new Error(`IR printer: '${text}' is not an identifier`);
  return text;
}

function number(text: string): string {
  if (!NUMBER.test(text)) throw new Error(`IR printer: '${text}' is not a number`);
  return text;
}

/** Plain snake_case keys print bare; any other key (dotted, spaced, ..) as a string. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function key(text: string): string {
  return PLAIN_KEY.test(text) && !SPECIAL.has(text) ? text : JSON.stringify(text);
}

function label(l: Label): string {
  switch (l.kind) {
    case "symbol":
      return SYMBOL.test(l.text) ? `@${l.text}` : JSON.stringify(l.text);
    case "word":
      return word(l.text);
    case "number":
      return number(l.text);
    case "string":
      return JSON.stringify(l.text);
  }
}

function inlineValue(v: Value): string {
  switch (v.kind) {
    case "number":
      return number(v.text);
    case "word":
      return word(v.text);
    case "string":
      return JSON.stringify(v.text);
    case "digest":
      return `#${v.text}`;
    case "list":
      return `[${v.items.map(inlineValue).join(", ")}]`;
  }
}

function attr(a: Attr): string {
  return `${key(a.key)} = ${inlineValue(a.value)}`;
}

/** A list of lists breaks into one line per item; a list of scalars stays on one line. */
function blockValue(v: Value, indent: string, out: string[], head: string, tail: string): void {
  const nested = v.kind === "list" && v.items.some((item) => item.kind === "list");
  if (!nested || v.kind !== "list") {
    out.push(`${indent}${head}${inlineValue(v)}${tail}`);
    return;
  }
  out.push(`${indent}${head}[`);
  const inner = `${indent}  `;
  v.items.forEach((item, i) => {
    blockValue(item, inner, out, "", i + 1 < v.items.length ? "," : "");
  });
  out.push(`${indent}]${tail}`);
}

function tensor(t: TensorLit, indent: string, out: string[]): void {
  const type = `${word(t.name)}: ${word(t.dtype)}[${t.shape.map((d) => number(d.text)).join(",")}]`;
  if (t.body.kind === "digest") {
    out.push(`${indent}${type} #${t.body.text}`);
  } else {
    blockValue(t.body.list, indent, out, `${type} = `, "");
  }
}

function item(i: BodyItem, indent: string, out: string[]): void {
  if (i.kind === "node") node(i, indent, out);
  else if (i.kind === "tensor") tensor(i, indent, out);
  else out.push(`${indent}${attr(i)}`);
}

function node(n: TreeNode, indent: string, out: string[]): void {
  let head = [word(n.keyword), ...n.labels.map(label)].join(" ");
  if (n.attrs.length > 0 || n.body === null) head += ` (${n.attrs.map(attr).join(", ")})`;
  if (n.body === null) {
    out.push(`${indent}${head}`);
  } else if (n.body.length === 0) {
    out.push(`${indent}${head} {}`);
  } else {
    out.push(`${indent}${head} {`);
    for (const i of n.body) item(i, `${indent}  `, out);
    out.push(`${indent}}`);
  }
}

/** The text of a document: its top-level nodes, each line ending in a newline. */
export function printTree(nodes: readonly TreeNode[]): string {
  const out: string[] = [];
  for (const n of nodes) node(n, "", out);
  return `${out.join("\n")}\n`;
}
