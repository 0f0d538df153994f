// Reading the generic tree with located, coded errors. A NodeReader hands out a node's labels,
// attributes, tensors and child nodes by name and, in finish(), rejects whatever nobody asked
// for: unknown keywords and names are errors, never silently dropped.

import type { Attr, Label, Pos, TensorLit, TreeNode, Value } from "../../../grammar/index.js";
import type { DiagnosticLocation } from "../../diag/diagnostic.js";
import { fail } from "../../diag/error.js";
import type { Tensor } from "../tensor.js";
import { checkDigest, locate, type ReadContext } from "./location.js";
import { parseIntegerText, parseNumberText } from "./numbers.js";
import { tensorFromLit } from "./tensor-tree.js";

/** How a value reads in an error message. */
export function showValue(v: Value): string {
  switch (v.kind) {
    case "list":
      return "a list";
    case "string":
      return JSON.stringify(v.text);
    case "digest":
      return `#${v.text}`;
    default:
      return `'${v.text}'`;
  }
}

export class NodeReader {
  readonly node: TreeNode;
  readonly ctx: ReadContext;
  /** Where the node is, for messages: "model @tiny > layer 0 > ssm". */
  readonly where: string;
  private readonly attrs = new Map<string, Attr>();
  private readonly tensors = new Map<string, TensorLit>();
  private readonly nodes: TreeNode[] = [];
  private readonly askedAttrs: string[] = [];
  private readonly askedTensors: string[] = [];
  private readonly askedNodes: string[] = [];
  private readonly used = new Set<object>();

  constructor(node: TreeNode, ctx: ReadContext, where: string) {
    this.node = node;
    this.ctx = ctx;
    this.where = where;
    for (const a of node.attrs) this.addAttr(a);
    for (const item of node.body ?? []) {
      if (item.kind === "attr") this.addAttr(item);
      else if (item.kind === "node") this.nodes.push(item);
      else this.addTensor(item);
    }
  }

  private addAttr(a: Attr): void {
    if (this.attrs.has(a.key)) this.duplicate("attribute", a.key, a.pos);
    this.attrs.set(a.key, a);
  }

  private addTensor(t: TensorLit): void {
    if (this.tensors.has(t.name)) this.duplicate("tensor", t.name, t.pos);
    this.tensors.set(t.name, t);
  }

  loc(pos: Pos = this.node.pos): DiagnosticLocation {
    return locate(this.ctx, pos, this.where);
  }

  duplicate(what: string, name: string, pos: Pos): never {
    return fail("QS4D-E013", { what, name, node: this.where }, this.loc(pos));
  }

  // ---- labels: the words after the keyword --------------------------------------------------

  /** Checks the label count; `expected` describes them for the message ("one integer index"). */
  labels(count: number, expected: string): readonly Label[] {
    const labels = this.node.labels;
    if (labels.length !== count) {
      const at = labels[count]?.pos ?? this.node.pos;
      const found = labels.length === 0 ? "none" : labels.map((l) => `'${l.text}'`).join(" ");
      this.badHead(`expected ${expected}, found ${found}`, at);
    }
    return labels;
  }

  badHead(reason: string, pos: Pos = this.node.pos): never {
    return fail("QS4D-E017", { keyword: this.node.keyword, reason }, this.loc(pos));
  }

  /** A name label: `@name` or a string. */
  nameLabel(index: number): string {
    const l = this.node.labels[index]!;
    if (l.kind !== "symbol" && l.kind !== "string") {
      this.badHead(`expected a name ('@name' or a string), found '${l.text}'`, l.pos);
    }
    return l.text;
  }

  wordLabel<T extends string>(index: number, allowed: readonly T[]): T {
    const l = this.node.labels[index]!;
    if (l.kind !== "word" || !(allowed as readonly string[]).includes(l.text)) {
      this.badHead(`expected one of ${allowed.join(", ")}, found '${l.text}'`, l.pos);
    }
    return l.text as T;
  }

  intLabel(index: number): number {
    const l = this.node.labels[index]!;
    const n = l.kind === "number" ? parseIntegerText(l.text) : null;
    if (n === null || n < 0)
      this.badHead(`expected a non-negative integer, found '${l.text}'`, l.pos);
    return n;
  }

  // ---- attributes ---------------------------------------------------------------------------

  private takeAttr(key: string): Attr | undefined {
    this.askedAttrs.push(key);
    const a = this.attrs.get(key);
    if (a !== undefined) this.used.add(a);
    return a;
  }

  hasAttr(key: string): boolean {
    return this.attrs.has(key);
  }

  private requireAttr(key: string): Attr {
    const a = this.takeAttr(key);
    if (a === undefined) {
      fail("QS4D-E009", { what: "attribute", name: key, node: this.where }, this.loc());
    }
    return a;
  }

  badAttr(a: Attr, expected: string): never {
    return fail(
      "QS4D-E010",
      { key: a.key, node: this.where, expected, found: showValue(a.value) },
      this.loc(a.value.pos),
    );
  }

  int(key: string): number {
    const a = this.requireAttr(key);
    const n = a.value.kind === "number" ? parseIntegerText(a.value.text) : null;
    if (n === null) this.badAttr(a, "an integer");
    return n;
  }

  /** An integer or the word `null`. */
  intOrNull(key: string): number | null {
    const a = this.requireAttr(key);
    if (a.value.kind === "word" && a.value.text === "null") return null;
    const n = a.value.kind === "number" ? parseIntegerText(a.value.text) : null;
    if (n === null) this.badAttr(a, "an integer or null");
    return n;
  }

  float(key: string): number {
    const a = this.requireAttr(key);
    const x = a.value.kind === "number" ? parseNumberText(a.value.text) : null;
    if (x === null) this.badAttr(a, "a number");
    return x;
  }

  /** A number, or a list of numbers. */
  floatOrList(key: string): number | number[] {
    const a = this.requireAttr(key);
    const v = a.value;
    if (v.kind === "list") {
      return v.items.map((item) => {
        const x = item.kind === "number" ? parseNumberText(item.text) : null;
        if (x === null) this.badAttr(a, "a number or a list of numbers");
        return x;
      });
    }
    const x = v.kind === "number" ? parseNumberText(v.text) : null;
    if (x === null) this.badAttr(a, "a number or a list of numbers");
    return x;
  }

  bool(key: string): boolean {
    return this.word(key, ["true", "false"] as const) === "true";
  }

  word<T extends string>(key: string, allowed: readonly T[]): T {
    const a = this.requireAttr(key);
    if (a.value.kind !== "word" || !(allowed as readonly string[]).includes(a.value.text)) {
      this.badAttr(a, `one of ${allowed.join(", ")}`);
    }
    return a.value.text as T;
  }

  string(key: string): string {
    const a = this.requireAttr(key);
    if (a.value.kind !== "string") this.badAttr(a, "a string");
    return a.value.text;
  }

  digest(key: string): string {
    const a = this.requireAttr(key);
    if (a.value.kind !== "digest") this.badAttr(a, "a digest '#<sha256 hex>'");
    return checkDigest(this.ctx, a.value.text, a.value.pos, this.where);
  }

  /** All attributes as strings, for free-form maps such as `meta`. */
  stringEntries(): [string, string][] {
    return [...this.attrs.values()].map((a) => {
      this.used.add(a);
      if (a.value.kind !== "string") this.badAttr(a, "a string");
      return [a.key, a.value.text];
    });
  }

  // ---- tensors -------------------------------------------------------------------------------

  optionalTensor(name: string): Tensor | null {
    this.askedTensors.push(name);
    const lit = this.tensors.get(name);
    if (lit === undefined) return null;
    this.used.add(lit);
    return tensorFromLit(lit, this.ctx);
  }

  tensor(name: string): Tensor {
    const t = this.optionalTensor(name);
    if (t === null) fail("QS4D-E009", { what: "tensor", name, node: this.where }, this.loc());
    return t;
  }

  // ---- child nodes ---------------------------------------------------------------------------

  /** Every child node with this keyword, in document order. */
  children(keyword: string): TreeNode[] {
    this.askedNodes.push(keyword);
    const found = this.nodes.filter((n) => n.keyword === keyword);
    for (const n of found) this.used.add(n);
    return found;
  }

  /** The one child with this keyword, or null; a second one is a duplicate. */
  optionalChild(keyword: string): TreeNode | null {
    const [first, second] = this.children(keyword);
    if (second !== undefined) this.duplicate("node", keyword, second.pos);
    return first ?? null;
  }

  child(keyword: string): TreeNode {
    const n = this.optionalChild(keyword);
    if (n === null)
      fail("QS4D-E009", { what: "node", name: keyword, node: this.where }, this.loc());
    return n;
  }

  /** A reader for a child node, named for messages. */
  enter(child: TreeNode, name: string): NodeReader {
    return new NodeReader(child, this.ctx, `${this.where} > ${name}`);
  }

  /** Rejects anything in the node that no reader asked for. */
  finish(): void {
    for (const n of this.nodes) {
      if (this.used.has(n)) continue;
      const expected = unique(this.askedNodes).join(", ") || "(none)";
      fail("QS4D-E008", { keyword: n.keyword, node: this.where, expected }, this.loc(n.pos));
    }
    for (const a of this.attrs.values()) {
      if (this.used.has(a)) continue;
      const expected = unique(this.askedAttrs).join(", ") || "(none)";
      fail("QS4D-E014", { key: a.key, node: this.where, expected }, this.loc(a.pos));
    }
    for (const t of this.tensors.values()) {
      if (this.used.has(t)) continue;
      const expected = unique(this.askedTensors).join(", ") || "(none)";
      fail("QS4D-E018", { tensor: t.name, node: this.where, expected }, this.loc(t.pos));
    }
  }
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
