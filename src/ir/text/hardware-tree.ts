// The lowered part of the model (src/ir/hardware.ts):
//   hardware (placed = true) {
//     target @imssa-demo (digest = #..)
//     params (rows = 64, cols = 64, levels = 3, ..)
//     signal @l0.u (kind = ssm-input, length = 4, limit = 127) ..
//     crossbar @l0.h0 (rows = 12, cols = 12) { row_map: i32[12,3] .. placement @l0.h0 (..) }
//     op linear (input = "input", output = "enc") { weight: f32[..] .. } ..
//   }
// Records of scalars and tensors are described by field lists (record-tree.ts); a new hardware
// node needs a schema here and, at most, a small function. The grammar never changes for it.

import type { TreeNode } from "../../../grammar/index.js";
import type {
  Crossbar,
  DigitalOp,
  HardwareParams,
  HardwareProgram,
  InputQuant,
  Placement,
  Signal,
  TargetRef,
} from "../hardware.js";
import { attr, label, node, value } from "./build.js";
import type { NodeReader } from "./reader.js";
import { type Field, recordAttrs, recordFromReader, recordTensors } from "./record-tree.js";
import { type TensorMode, tensorToLit } from "./tensor-tree.js";

const PARAMS: readonly Field[] = [
  { key: "rows", kind: "int" },
  { key: "cols", kind: "int" },
  { key: "levels", kind: "int" },
  { key: "slices", kind: "int" },
  { key: "dacBits", kind: "int" },
  { key: "adcBits", kind: "int" },
  { key: "adcsPerArray", kind: "int" },
  { key: "encoding", kind: "word", allowed: ["row-polarity", "differential-columns"] },
  { key: "outputMode", kind: "word", allowed: ["lagged", "folded"] },
  { key: "outputColumns", kind: "int" },
  { key: "dPlacement", kind: "word", allowed: ["rows", "digital"] },
  { key: "dense", kind: "word", allowed: ["crossbar", "digital"] },
  { key: "gMinUs", kind: "f64" },
  { key: "gMaxUs", kind: "f64" },
  { key: "writeVerifyTolerance", kind: "f64" },
];

const SIGNAL: readonly Field[] = [
  {
    key: "kind",
    kind: "word",
    allowed: [
      "ssm-input",
      "ssm-input-delayed",
      "ssm-state",
      "ssm-output",
      "dense-input",
      "dense-output",
    ],
  },
  { key: "length", kind: "int" },
  { key: "limit", kind: "int" },
  { key: "accumulate", kind: "flag" },
];

const CROSSBAR: readonly Field[] = [
  { key: "rows", kind: "int" },
  { key: "cols", kind: "int" },
  { key: "rowMap", kind: "tensor" },
  { key: "readouts", kind: "tensor" },
  { key: "termSignals", kind: "tensor" },
  { key: "termGains", kind: "tensor" },
  { key: "cells", kind: "tensor" },
  { key: "conductanceUs", kind: "tensor?" },
  { key: "shifts", kind: "absent-tensor" },
];

const PLACEMENT: readonly Field[] = [
  { key: "rowOffset", kind: "int" },
  { key: "colOffset", kind: "int" },
  { key: "rows", kind: "int" },
  { key: "cols", kind: "int" },
];

const IO: readonly Field[] = [
  { key: "input", kind: "string" },
  { key: "output", kind: "string" },
];

/** The fields of each digital op, beside `op` itself (and the ssm op's input_quant child). */
const OPS: Readonly<Record<DigitalOp["op"], readonly Field[]>> = {
  linear: [...IO, { key: "weight", kind: "tensor" }, { key: "bias", kind: "tensor?" }],
  "crossbar-linear": [
    ...IO,
    { key: "inputSignal", kind: "int" },
    { key: "inputLevels", kind: "int" },
    { key: "outputSignal", kind: "int" },
    { key: "outputStep", kind: "tensor" },
    { key: "bias", kind: "tensor?" },
  ],
  "layer-norm": [
    ...IO,
    { key: "eps", kind: "f64" },
    { key: "weight", kind: "tensor" },
    { key: "bias", kind: "tensor" },
  ],
  "batch-norm": [
    ...IO,
    { key: "eps", kind: "f64" },
    { key: "weight", kind: "tensor" },
    { key: "bias", kind: "tensor" },
    { key: "mean", kind: "tensor" },
    { key: "variance", kind: "tensor" },
  ],
  gelu: IO,
  relu: IO,
  glu: IO,
  add: [
    { key: "input", kind: "string" },
    { key: "other", kind: "string" },
    { key: "output", kind: "string" },
  ],
  "fake-quant": [...IO, { key: "levels", kind: "int" }],
  "mean-pool": IO,
  ssm: [
    { key: "layer", kind: "int" },
    ...IO,
    { key: "inputSignal", kind: "int" },
    { key: "inputDelayedSignal", kind: "int" },
    { key: "stateSignal", kind: "int" },
    { key: "outputSignal", kind: "int" },
    { key: "outputMode", kind: "word", allowed: ["lagged", "folded"] },
    { key: "outputScale", kind: "tensor" },
    { key: "digitalD", kind: "tensor?" },
  ],
};

const OP_KINDS = Object.keys(OPS) as DigitalOp["op"][];

// ---- print -------------------------------------------------------------------------------------

function inputQuantToTree(q: InputQuant, mode: TensorMode): TreeNode {
  return q.kind === "static"
    ? node(
        "input_quant",
        [label.word(q.kind)],
        [attr("limit", value.int(q.limit))],
        [tensorToLit("scale", q.scale, mode)],
      )
    : node("input_quant", [label.word(q.kind)], [attr("levels", value.int(q.levels))], null);
}

function opToTree(op: DigitalOp, mode: TensorMode): TreeNode {
  const fields = OPS[op.op];
  const body = recordTensors(op, fields, mode);
  if (op.op === "ssm") body.push(inputQuantToTree(op.inputQuant, mode));
  return node("op", [label.word(op.op)], recordAttrs(op, fields), body.length > 0 ? body : null);
}

function placementToTree(p: Placement): TreeNode {
  return node("placement", [label.symbol(p.block)], recordAttrs(p, PLACEMENT), null);
}

function crossbarToTree(c: Crossbar, mode: TensorMode): TreeNode {
  const body = [...recordTensors(c, CROSSBAR, mode), ...c.placements.map(placementToTree)];
  return node("crossbar", [label.symbol(c.name)], recordAttrs(c, CROSSBAR), body);
}

export function hardwareToTree(hw: HardwareProgram, mode: TensorMode): TreeNode {
  const target = node(
    "target",
    [label.symbol(hw.target.name)],
    [attr("digest", value.digest(hw.target.digest))],
    null,
  );
  const body = [
    target,
    node("params", [], recordAttrs(hw.params, PARAMS), null),
    ...hw.signals.map((s) => node("signal", [label.symbol(s.name)], recordAttrs(s, SIGNAL), null)),
    ...hw.crossbars.map((c) => crossbarToTree(c, mode)),
    ...hw.program.map((op) => opToTree(op, mode)),
  ];
  return node("hardware", [], [attr("placed", value.bool(hw.placed))], body);
}

// ---- parse -------------------------------------------------------------------------------------

/** A node named by one `@name` label, read by its schema. */
function namedRecord(
  r: NodeReader,
  fields: readonly Field[],
  what: string,
): Record<string, unknown> {
  r.labels(1, `the ${what}'s name ('@name' or a string)`);
  return { ...recordFromReader(r, fields), name: r.nameLabel(0) };
}

function targetFromReader(r: NodeReader): TargetRef {
  r.labels(1, "the target's name ('@name' or a string)");
  const target = { name: r.nameLabel(0), digest: r.digest("digest") };
  r.finish();
  return target;
}

function paramsFromReader(r: NodeReader): HardwareParams {
  r.labels(0, "no label");
  const params = recordFromReader(r, PARAMS) as unknown as HardwareParams;
  r.finish();
  return params;
}

function signalFromReader(r: NodeReader): Signal {
  const signal = namedRecord(r, SIGNAL, "signal") as unknown as Signal;
  r.finish();
  return signal;
}

function crossbarFromReader(r: NodeReader): Crossbar {
  const fields = namedRecord(r, CROSSBAR, "crossbar");
  const placements = r.children("placement").map((p) => {
    const pr = r.enter(p, "placement");
    const placement = recordFromReader(pr, PLACEMENT);
    pr.labels(1, "the placed block's name ('@name' or a string)");
    const result = { block: pr.nameLabel(0), ...placement } as unknown as Placement;
    pr.finish();
    return result;
  });
  r.finish();
  return { ...fields, placements } as unknown as Crossbar;
}

function inputQuantFromReader(r: NodeReader): InputQuant {
  r.labels(1, "the input quantizer kind (static or sample)");
  const kind = r.wordLabel(0, ["static", "sample"] as const);
  const q: InputQuant =
    kind === "static"
      ? { kind, scale: r.tensor("scale"), limit: r.int("limit") }
      : { kind, levels: r.int("levels") };
  r.finish();
  return q;
}

function opFromReader(r: NodeReader): DigitalOp {
  r.labels(1, "the op kind");
  const kind = r.wordLabel(0, OP_KINDS);
  const op: Record<string, unknown> = { op: kind, ...recordFromReader(r, OPS[kind]) };
  if (kind === "ssm")
    op.inputQuant = inputQuantFromReader(r.enter(r.child("input_quant"), "input_quant"));
  r.finish();
  return op as unknown as DigitalOp;
}

export function hardwareFromReader(r: NodeReader): HardwareProgram {
  r.labels(0, "no label");
  const named = (keyword: string, i: number, node: TreeNode) =>
    r.enter(node, `${keyword} ${node.labels[0]?.text ?? i}`);
  const program: HardwareProgram = {
    placed: r.bool("placed"),
    target: targetFromReader(r.enter(r.child("target"), "target")),
    params: paramsFromReader(r.enter(r.child("params"), "params")),
    signals: r.children("signal").map((n, i) => signalFromReader(named("signal", i, n))),
    crossbars: r.children("crossbar").map((n, i) => crossbarFromReader(named("crossbar", i, n))),
    program: r.children("op").map((n, i) => opFromReader(r.enter(n, `op ${i}`))),
  };
  r.finish();
  return program;
}
