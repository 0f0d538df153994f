// An index over one ONNX graph: who produces and who consumes each tensor, which tensors are
// constants (initializers, Constant nodes) and which depend on the graph's data input. The
// front end never looks at node names: they are exporter inventions (torch: "/layers.0/Conv").

import { fail } from "../../diag/error.js";
import {
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  toNumber,
} from "./proto.js";
import { checkTensor, type DecodedTensor, decodeTensor } from "./tensor.js";

export class OnnxGraph {
  readonly file: string;
  /** Nodes in a topological order. */
  readonly nodes: readonly NodeProto[];
  /** The sequence input: the one graph input that is not an initializer. */
  readonly input: string;
  readonly output: string;
  readonly metadata: ReadonlyMap<string, string>;
  /** Declared shape of the graph input (null for a symbolic dimension), when given. */
  readonly inputShape: readonly (number | null)[] | null;
  private readonly producers = new Map<string, NodeProto>();
  private readonly consumerMap = new Map<string, NodeProto[]>();
  private readonly initializers = new Map<string, TensorProto>();
  private readonly decoded = new Map<string, DecodedTensor>();
  private readonly index = new Map<NodeProto, number>();
  private readonly data = new Set<string>();

  constructor(model: ModelProto, file: string) {
    this.file = file;
    const graph = model.graph!;
    this.metadata = new Map((model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]));
    for (const t of graph.initializer ?? []) {
      // Sizes and storage are checked up front for every initializer; values are decoded on use.
      checkTensor(t, t.name ?? "", file);
      this.initializers.set(t.name ?? "", t);
    }
    const dataInputs = (graph.input ?? []).filter((i) => !this.initializers.has(i.name ?? ""));
    if (dataInputs.length !== 1) {
      const names = dataInputs.map((i) => `'${i.name}'`).join(", ") || "none";
      fail("QS4D-E119", { count: dataInputs.length, names }, { file });
    }
    const inputInfo = dataInputs[0]!;
    this.input = inputInfo.name ?? "";
    const dims = inputInfo.type?.tensorType?.shape?.dim;
    // A dimension without a positive dim_value (symbolic, or not given) is unknown: null.
    this.inputShape =
      dims === null || dims === undefined
        ? null
        : dims.map((d) => (toNumber(d.dimValue) > 0 && !d.dimParam ? toNumber(d.dimValue) : null));
    const outputs = graph.output ?? [];
    if (outputs.length !== 1) {
      fail(
        "QS4D-E102",
        { reason: `the graph has ${outputs.length} outputs, expected 1 (the logits)` },
        { file },
      );
    }
    this.output = outputs[0]!.name ?? "";
    this.nodes = this.topologicalOrder(graph.node ?? []);
    this.aliasIdentities();
    for (const [i, n] of this.nodes.entries()) this.index.set(n, i);
    this.markData();
  }

  private topologicalOrder(nodes: readonly NodeProto[]): NodeProto[] {
    for (const node of nodes) {
      for (const out of node.output ?? []) {
        if (out === "") continue;
        if (this.producers.has(out) || this.initializers.has(out) || out === this.input) {
          fail("QS4D-E102", { reason: `tensor '${out}' is produced twice` }, { file: this.file });
        }
        this.producers.set(out, node);
      }
    }
    for (const node of nodes) {
      for (const name of node.input ?? []) {
        if (name === "") continue;
        if (!this.producers.has(name) && !this.initializers.has(name) && name !== this.input) {
          fail(
            "QS4D-E109",
            { tensor: name, node: describeNode(node, nodes.indexOf(node)) },
            { file: this.file, tensor: name },
          );
        }
        const list = this.consumerMap.get(name) ?? [];
        list.push(node);
        this.consumerMap.set(name, list);
      }
    }
    // Kahn's algorithm: ONNX requires sorted nodes, but a cycle must be an error, not a hang.
    const waiting = new Map<NodeProto, number>();
    const ready: NodeProto[] = [];
    for (const node of nodes) {
      const deps = new Set((node.input ?? []).filter((n) => this.producers.has(n)));
      waiting.set(node, deps.size);
      if (deps.size === 0) ready.push(node);
    }
    const order: NodeProto[] = [];
    while (ready.length > 0) {
      const node = ready.shift()!;
      order.push(node);
      const seen = new Set<NodeProto>();
      for (const out of node.output ?? []) {
        for (const c of this.consumerMap.get(out) ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          const left = waiting.get(c)! - 1;
          waiting.set(c, left);
          if (left === 0) ready.push(c);
        }
      }
    }
    if (order.length !== nodes.length) {
      fail("QS4D-E102", { reason: "the graph has a cycle" }, { file: this.file });
    }
    return order;
  }

  /**
   * torch.onnx.export de-duplicates equal initializers: the copy becomes Identity(original) under
   * the copy's name (e.g. layers.1.kernel.A_imag = Identity(layers.0.kernel.A_imag)). Such an
   * output is the stored parameter of its own name, so it is indexed as an initializer too.
   */
  private aliasIdentities(): void {
    for (const node of this.nodes) {
      const source = this.initializers.get((node.input ?? [])[0] ?? "");
      const out = (node.output ?? [])[0];
      if (node.opType === "Identity" && source !== undefined && out !== undefined) {
        this.initializers.set(out, source);
      }
    }
  }

  private markData(): void {
    this.data.add(this.input);
    for (const node of this.nodes) {
      if ((node.input ?? []).some((n) => this.data.has(n))) {
        for (const out of node.output ?? []) this.data.add(out);
      }
    }
  }

  producer(name: string): NodeProto | undefined {
    return this.producers.get(name);
  }

  consumers(name: string): readonly NodeProto[] {
    return this.consumerMap.get(name) ?? [];
  }

  /** True when the tensor depends on the graph's data input. */
  isData(name: string): boolean {
    return this.data.has(name);
  }

  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  initializerNames(): string[] {
    return [...this.initializers.keys()];
  }

  /** The decoded initializer (memoized); undefined when `name` is no initializer. */
  initializer(name: string): DecodedTensor | undefined {
    const cached = this.decoded.get(name);
    if (cached !== undefined) return cached;
    const proto = this.initializers.get(name);
    if (proto === undefined) return undefined;
    const value = decodeTensor(proto, name, this.file);
    this.decoded.set(name, value);
    return value;
  }

  /**
   * Everything `name` is computed from: the producing nodes and the leaves (initializers and
   * Constant outputs), in a deterministic order.
   */
  ancestry(name: string): { nodes: NodeProto[]; leaves: string[] } {
    const nodes = new Set<NodeProto>();
    const leaves = new Set<string>();
    const stack = [name];
    while (stack.length > 0) {
      const t = stack.pop()!;
      const node = this.producers.get(t);
      if (node === undefined || node.opType === "Constant" || this.initializers.has(t)) {
        leaves.add(t);
        continue;
      }
      if (nodes.has(node)) continue;
      nodes.add(node);
      for (const i of node.input ?? []) if (i !== "") stack.push(i);
    }
    const order = [...nodes].sort((a, b) => this.index.get(a)! - this.index.get(b)!);
    return { nodes: order, leaves: [...leaves].sort() };
  }

  /** Node description for diagnostics: op type, name (or position), inputs. */
  describe(node: NodeProto): string {
    return describeNode(node, this.index.get(node) ?? -1);
  }

  /** Location of a node for diagnostics. */
  where(node: NodeProto): { file: string; node: string } {
    return { file: this.file, node: this.describe(node) };
  }
}

function describeNode(node: NodeProto, position: number): string {
  const name = node.name ? `'${node.name}'` : `#${position}`;
  const domain = node.domain ? `${node.domain}.` : "";
  return `${domain}${node.opType} ${name} (inputs: ${(node.input ?? []).join(", ")})`;
}

function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a === undefined ? fallback : toNumber(a.i);
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a === undefined ? undefined : (a.ints ?? []).map((v) => toNumber(v));
}

export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a === undefined ? fallback : (a.f ?? 0);
}

export function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = attribute(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : fallback;
}

export function attrTensor(node: NodeProto, name: string): TensorProto | undefined {
  const a = attribute(node, name);
  return a?.t ?? undefined;
}

export function attrFloats(node: NodeProto, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a === undefined ? undefined : [...(a.floats ?? [])];
}

export function hasAttr(node: NodeProto, name: string): boolean {
  return attribute(node, name) !== undefined;
}

/** The node's inputs, with "" (an omitted optional input) kept in place. */
export function inputsOf(node: NodeProto): readonly string[] {
  return node.input ?? [];
}

/** The op type, prefixed by its domain unless it is the standard one ("" or "ai.onnx"). */
export function op(node: NodeProto | undefined): string {
  if (node === undefined) return "";
  const domain = node.domain ?? "";
  return domain === "" || domain === "ai.onnx" ? (node.opType ?? "") : `${domain}.${node.opType}`;
}
