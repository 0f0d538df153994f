// The sub-grid evaluator of large constant tensors (src/import/onnx/lazy.ts) must give the eager
// evaluator's values bit for bit at any sample points: through elementwise ops with
// broadcasting and Expand, shared subexpressions (the binary powering of a quantized kernel), reductions
// over a sliced axis and over a whole one, Transpose, a Reshape that keeps the axes and one that
// merges them, and ops it does not slice (Concat, evaluated whole).

import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { ConstEval } from "../../src/import/onnx/evaluate.js";
import { OnnxGraph } from "../../src/import/onnx/graph.js";
import { LazyEval } from "../../src/import/onnx/lazy.js";
import { random } from "../run/tiny-models.js";

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;

const H = 3;
const M = 8;
/** H * M * L = 98304 elements: above the size the lazy evaluator computes whole. */
const L = 4096;

function tensor(name: string, dims: number[], values: ArrayLike<number>, int = false) {
  const rawData = int
    ? new Uint8Array(BigInt64Array.from(Array.from(values, BigInt)).buffer)
    : new Uint8Array(Float32Array.from(values).buffer);
  return onnx.TensorProto.create({ name, dims, dataType: int ? 7 : 1, rawData });
}

function node(opType: string, input: string[], output: string, attribute: object[] = []) {
  return onnx.NodeProto.create({ opType, input, output: [output], attribute, name: output });
}

const ints = (name: string, v: number[]) =>
  onnx.AttributeProto.create({ name, type: AT.INTS, ints: v });
const int = (name: string, v: number) => onnx.AttributeProto.create({ name, type: AT.INT, i: v });

/** A kernel-like constant subgraph over [H, M, L], and a one-node data path. */
function graph(): OnnxGraph {
  const rand = random(7);
  const hm = () => Array.from({ length: H * M }, () => rand());
  const initializer = [
    tensor("a", [H, M], hm()),
    tensor("b", [H, M], hm()),
    tensor(
      "pos",
      [L],
      Array.from({ length: L }, (_, j) => L - 1 - j),
    ),
    tensor(
      "mask",
      [L],
      Array.from({ length: L }, (_, j) => (L - 1 - j) & 1),
    ),
    tensor("one", [], [1]),
    tensor("decay", [], [-0.001]),
    tensor("two", [1], [2]),
    tensor("lo", [], [-0.5]),
    tensor("hi", [], [0.5]),
    tensor("axis2", [1], [2], true),
    tensor("axis1", [1], [1], true),
    tensor("hl", [3], [H, 1, L], true),
    tensor("flat", [2], [H, M * L], true),
    tensor("hml", [3], [H, M, L], true),
  ];
  const node_ = [
    node("Unsqueeze", ["a", "axis2"], "ua"),
    node("Unsqueeze", ["b", "axis2"], "ub"),
    node("Mul", ["ua", "pos"], "e"),
    node("Mul", ["e", "decay"], "ed"),
    node("Exp", ["ed"], "mag"),
    node("Expand", ["pos", "hml"], "posx"),
    node("Mul", ["ub", "posx"], "phase"),
    node("Cos", ["phase"], "c"),
    node("Sin", ["phase"], "s"),
    node("Mul", ["mask", "c"], "mc"),
    node("Sub", ["one", "mask"], "notmask"),
    node("Add", ["mc", "notmask"], "sel"),
    node("Mul", ["sel", "sel"], "sq"),
    node("Mul", ["sq", "mag"], "sqm"),
    node("Mul", ["sel", "s"], "ss"),
    node("Sub", ["sqm", "ss"], "t"),
    node("ReduceSum", ["t", "axis1"], "red", [int("keepdims", 0)]),
    node("Reshape", ["red", "hl"], "k"),
    node("Transpose", ["t"], "tr", [ints("perm", [2, 0, 1])]),
    node("Reshape", ["t", "flat"], "merged"),
    node("ReduceMean", ["t"], "mean", [ints("axes", [2]), int("keepdims", 1)]),
    node("Concat", ["t", "t"], "cat", [int("axis", 0)]),
    node("Mul", ["cat", "two"], "cat2"),
    node("Cast", ["k"], "cast", [int("to", 1)]),
    node("Clip", ["k", "lo", "hi"], "clip"),
    node("Neg", ["x"], "y"),
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      node: node_,
      initializer,
      input: [{ name: "x" }],
      output: [{ name: "y" }],
    },
  });
  return new OnnxGraph(model, "synthetic.onnx");
}

/** First and last taps of every row, and a deterministic scatter. */
function points(n: number, rows: number): number[] {
  const rand = random(11);
  const len = n / rows;
  const out = new Set<number>();
  for (let r = 0; r < rows; r++) for (const j of [0, 1, len - 2, len - 1]) out.add(r * len + j);
  for (let k = 0; k < 200; k++) out.add(Math.floor(((rand() + 1) / 2) * n));
  return [...out];
}

describe("lazy evaluation of large constant tensors on sub-grids", () => {
  const g = graph();
  const reference = new ConstEval(g);
  const lazy = new LazyEval(g, new ConstEval(g), () => undefined);

  it.each([
    ["k", "Reshape [H, L] -> [H, 1, L] of a ReduceSum over the modes"],
    ["red", "ReduceSum over the modes of a shared-subexpression DAG"],
    ["t", "elementwise ops with broadcast operands"],
    ["posx", "Expand of the position vector to [H, M, L]"],
    ["tr", "Transpose"],
    ["merged", "a Reshape that merges the mode and tap axes"],
    ["mean", "ReduceMean over the tap axis (a whole axis)"],
    ["cat2", "an elementwise op on a Concat (evaluated whole)"],
    ["cast", "Cast"],
    ["clip", "Clip"],
  ])("%s: %s", (name) => {
    const full = reference.value(name);
    expect(lazy.shape(name)).toEqual(full.shape);
    const rows = full.shape[0]!;
    const at = points(full.data.length, rows);
    expect([...lazy.sample(name, at)]).toEqual(at.map((i) => full.data[i]!));
  });

  it("a sub-grid asked of a small tensor of the subgraph is its eager value", () => {
    const full = reference.value("ua");
    expect([...lazy.grid("ua", [[0, 2], null, null]).data]).toEqual([
      ...full.data.subarray(0, M),
      ...full.data.subarray(2 * M, 3 * M),
    ]);
  });
});
