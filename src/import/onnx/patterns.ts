// Small structural patterns of the data path, each matched backwards from the tensor it
// produces: linear layers (MatMul/Gemm + Add), norms (BatchNormalization, LayerNormalization
// inside the two channel Transposes, or its decomposed ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add form),
// GELU (the Gelu op or its erf form), the 1x1 Conv mixing with GLU (Split/Sigmoid/Mul) or ReLU,
// and mean pooling over time. Values are in [batch, channels, time] unless said otherwise.
// A pattern returns null when the structure is not there; settings it cannot represent
// (transA, a training-mode BatchNorm) are coded errors.

import { fail } from "../../diag/error.js";
import type { Activation } from "../../ir/model.js";
import {
  type Ctx,
  isChannelTranspose,
  type ParamValue,
  type StoredWeight,
  storedWeight,
} from "./context.js";
import { transpose } from "./evaluate.js";
import { attrFloat, attrInt, attrInts, attrString, inputsOf, op } from "./graph.js";
import type { NodeProto } from "./proto.js";
import type { Arr } from "./tensor.js";

/** Through Identity nodes to the tensor that really holds a value. */
export function resolve(ctx: Ctx, t: string): string {
  let cur = t;
  for (;;) {
    const node = ctx.g.producer(cur);
    if (node === undefined || op(node) !== "Identity") return cur;
    cur = inputsOf(node)[0] ?? "";
  }
}

/** The node producing `t` (after Identities), when it has op type `opType`. */
export function producerIs(ctx: Ctx, t: string | undefined, opType: string): NodeProto | undefined {
  if (t === undefined || t === "") return undefined;
  const node = ctx.g.producer(resolve(ctx, t));
  return node !== undefined && op(node) === opType ? node : undefined;
}

export function same(ctx: Ctx, a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && resolve(ctx, a) === resolve(ctx, b);
}

/** The value of a constant scalar operand, or null (data, or more than one element). */
function constScalar(ctx: Ctx, t: string | undefined): number | null {
  if (t === undefined || t === "" || ctx.g.isData(t)) return null;
  const v = ctx.exact.value(t);
  return v.data.length === 1 ? v.data[0]! : null;
}

/** Split a binary node's operands into (data, constant); null unless exactly one is data. */
export function dataAndConstant(ctx: Ctx, node: NodeProto): [string, string] | null {
  const [a, b] = inputsOf(node);
  if (a === undefined || b === undefined) return null;
  const da = ctx.g.isData(a);
  const db = ctx.g.isData(b);
  if (da && !db) return [a, b];
  if (db && !da) return [b, a];
  return null;
}

function unsupported(ctx: Ctx, node: NodeProto, reason: string): never {
  fail("QS4D-E122", { node: ctx.g.describe(node), reason }, ctx.g.where(node));
}

function flat(n: number): (a: Arr) => Arr {
  return (a) => ({ shape: [n], data: a.data });
}

function transposed2d(a: Arr): Arr {
  return transpose(a, [1, 0]);
}

function shapeError(ctx: Ctx, p: StoredWeight, expected: string, why: string): never {
  const tensor = p.param.source;
  fail(
    "QS4D-E111",
    { tensor, shape: `[${p.param.value.shape.join(",")}]`, expected, why },
    { file: ctx.g.file, tensor },
  );
}

export interface LinearFound {
  readonly weight: StoredWeight;
  readonly bias: ParamValue | null;
  readonly node: NodeProto;
}

function bias(ctx: Ctx, name: string | undefined, out: number, role: string): ParamValue | null {
  if (name === undefined || name === "") return null;
  const b = storedWeight(ctx, name, `${role} bias`, (a) => a);
  if (b.param.value.data.length !== out)
    shapeError(ctx, b, `[${out}]`, `${role} has ${out} outputs`);
  if (b.quant !== null) unsupported(ctx, b.quant.node, `a quantized ${role} bias`);
  return { ...b.param, value: flat(out)(b.param.value) };
}

/** MatMul(x, B) [+ bias], B = W^T [in, out]. */
function matmulLinear(ctx: Ctx, mm: NodeProto, biasName: string | undefined, role: string) {
  const pair = dataAndConstant(ctx, mm);
  if (pair === null || !same(ctx, pair[0], inputsOf(mm)[0])) return null;
  const weight = storedWeight(ctx, pair[1], `${role} weight`, transposed2d);
  if (weight.param.value.shape.length !== 2)
    shapeError(ctx, weight, "[in, out]", `${role} is a MatMul`);
  const out = weight.param.value.shape[0]!;
  return { input: pair[0], linear: { weight, bias: bias(ctx, biasName, out, role), node: mm } };
}

/** Gemm(x, W or W^T, bias): alpha = beta = 1, no transA. */
function gemmLinear(ctx: Ctx, gemm: NodeProto, role: string) {
  const [x, w, c] = inputsOf(gemm);
  if (x === undefined || w === undefined || !ctx.g.isData(x) || ctx.g.isData(w)) return null;
  if (attrInt(gemm, "transA", 0) !== 0) unsupported(ctx, gemm, "transA = 1");
  if (attrFloat(gemm, "alpha", 1) !== 1 || attrFloat(gemm, "beta", 1) !== 1) {
    unsupported(ctx, gemm, "alpha or beta other than 1");
  }
  const transB = attrInt(gemm, "transB", 0) === 1;
  const weight = storedWeight(ctx, w, `${role} weight`, transB ? (a) => a : transposed2d);
  if (weight.param.value.shape.length !== 2)
    shapeError(ctx, weight, "[out, in]", `${role} is a Gemm`);
  const out = weight.param.value.shape[0]!;
  return { input: x, linear: { weight, bias: bias(ctx, c, out, role), node: gemm } };
}

/** A linear layer producing `t`: Add(MatMul(x, W^T), b), MatMul alone, or Gemm. */
export function matchLinear(
  ctx: Ctx,
  t: string,
  role: string,
): { input: string; linear: LinearFound } | null {
  const node = ctx.g.producer(resolve(ctx, t));
  if (node === undefined) return null;
  if (op(node) === "Gemm") return gemmLinear(ctx, node, role);
  if (op(node) === "MatMul") return matmulLinear(ctx, node, undefined, role);
  if (op(node) !== "Add") return null;
  const pair = dataAndConstant(ctx, node);
  const mm = pair === null ? undefined : producerIs(ctx, pair[0], "MatMul");
  return mm === undefined ? null : matmulLinear(ctx, mm, pair![1], role);
}

// ---------------------------------------------------------------------------------------------
// Norms

export interface NormFound {
  readonly kind: "layer" | "batch";
  readonly eps: number;
  /** weight, bias (and running_mean, running_var for BatchNorm), each [H]. */
  readonly params: ReadonlyMap<string, ParamValue>;
  readonly input: string;
  readonly node: NodeProto;
}

function normParam(ctx: Ctx, name: string | undefined, field: string, node: NodeProto): ParamValue {
  if (name === undefined || name === "" || ctx.g.isData(name)) {
    unsupported(ctx, node, `the norm's ${field} is not a stored constant`);
  }
  const p = storedWeight(ctx, name, `norm ${field}`, (a) => a);
  if (p.quant !== null) unsupported(ctx, p.quant.node, `a quantized norm ${field}`);
  const n = p.param.value.data.length;
  return { ...p.param, value: flat(n)(p.param.value) };
}

function batchNorm(ctx: Ctx, node: NodeProto): NormFound {
  if (attrInt(node, "training_mode", 0) !== 0 || (node.output ?? []).length > 1) {
    unsupported(ctx, node, "a BatchNormalization in training mode");
  }
  const [x, scale, b, mean, variance] = inputsOf(node);
  const params = new Map([
    ["weight", normParam(ctx, scale, "weight", node)],
    ["bias", normParam(ctx, b, "bias", node)],
    ["running_mean", normParam(ctx, mean, "running mean", node)],
    ["running_var", normParam(ctx, variance, "running variance", node)],
  ]);
  return { kind: "batch", eps: attrFloat(node, "epsilon", 1e-5), params, input: x ?? "", node };
}

function layerNormOp(ctx: Ctx, node: NodeProto): NormFound | null {
  const axis = attrInt(node, "axis", -1);
  if (axis !== -1 && axis !== 2) return null;
  if ((node.output ?? []).filter((o) => o !== "").length > 1)
    unsupported(ctx, node, "extra LayerNormalization outputs");
  const [x, scale, b] = inputsOf(node);
  const params = new Map([["weight", normParam(ctx, scale, "weight", node)]]);
  if (b === undefined || b === "") unsupported(ctx, node, "a LayerNorm without bias");
  params.set("bias", normParam(ctx, b, "bias", node));
  return { kind: "layer", eps: attrFloat(node, "epsilon", 1e-5), params, input: x ?? "", node };
}

function reduceAxes(ctx: Ctx, node: NodeProto): number[] | undefined {
  const name = inputsOf(node)[1];
  return name ? [...ctx.exact.value(name).data] : attrInts(node, "axes");
}

function isMeanOver(ctx: Ctx, node: NodeProto | undefined, axis: number): node is NodeProto {
  if (node === undefined || op(node) !== "ReduceMean" || attrInt(node, "keepdims", 1) !== 1)
    return false;
  const axes = reduceAxes(ctx, node);
  return axes !== undefined && axes.length === 1 && (axes[0] === axis || axes[0] === axis - 3);
}

/** (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta over `axis` of a rank-3 value. */
function decomposedLayerNorm(ctx: Ctx, t: string, axis: number): NormFound | null {
  const add = producerIs(ctx, t, "Add");
  const addPair = add === undefined ? null : dataAndConstant(ctx, add);
  const mul = addPair === null ? undefined : producerIs(ctx, addPair[0], "Mul");
  const mulPair = mul === undefined ? null : dataAndConstant(ctx, mul);
  const div = mulPair === null ? undefined : producerIs(ctx, mulPair[0], "Div");
  if (div === undefined) return null;
  const [dName, sName] = inputsOf(div);
  const sub = producerIs(ctx, dName, "Sub");
  const sqrt = producerIs(ctx, sName, "Sqrt");
  if (sub === undefined || sqrt === undefined) return null;
  const [x, meanName] = inputsOf(sub);
  if (!isMeanOver(ctx, producerIs(ctx, meanName, "ReduceMean"), axis)) return null;
  if (!same(ctx, inputsOf(producerIs(ctx, meanName, "ReduceMean")!)[0], x)) return null;
  const epsAdd = producerIs(ctx, inputsOf(sqrt)[0], "Add");
  const epsPair = epsAdd === undefined ? null : dataAndConstant(ctx, epsAdd);
  const eps = epsPair === null ? null : constScalar(ctx, epsPair[1]);
  const varMean = epsPair === null ? undefined : producerIs(ctx, epsPair[0], "ReduceMean");
  if (eps === null || !isMeanOver(ctx, varMean, axis)) return null;
  if (!isSquareOf(ctx, inputsOf(varMean)[0], dName!, sub)) return null;
  const node = add!;
  const params = new Map([
    ["weight", normParam(ctx, mulPair![1], "weight", mul!)],
    ["bias", normParam(ctx, addPair![1], "bias", node)],
  ]);
  return { kind: "layer", eps, params, input: x ?? "", node };
}

/** Pow(d, 2) or Mul(d, d), with d the centred value (the same Sub, or an identical one). */
function isSquareOf(ctx: Ctx, t: string | undefined, d: string, sub: NodeProto): boolean {
  const centred = (u: string | undefined) => {
    if (same(ctx, u, d)) return true;
    const other = producerIs(ctx, u, "Sub");
    return other !== undefined && inputsOf(other).every((v, i) => same(ctx, v, inputsOf(sub)[i]));
  };
  const pow = producerIs(ctx, t, "Pow");
  if (pow !== undefined)
    return centred(inputsOf(pow)[0]) && constScalar(ctx, inputsOf(pow)[1]) === 2;
  const mul = producerIs(ctx, t, "Mul");
  return (
    mul !== undefined && centred(inputsOf(mul)[0]) && same(ctx, inputsOf(mul)[0], inputsOf(mul)[1])
  );
}

/** A norm over the channels producing `t` ([B, H, L]), or null. */
export function matchNorm(ctx: Ctx, t: string): NormFound | null {
  const bn = producerIs(ctx, t, "BatchNormalization");
  if (bn !== undefined) return batchNorm(ctx, bn);
  const channelsLast = ctx.g.producer(resolve(ctx, t));
  if (isChannelTranspose(channelsLast)) {
    const inner = inputsOf(channelsLast!)[0] ?? "";
    const ln = producerIs(ctx, inner, "LayerNormalization");
    const found = ln !== undefined ? layerNormOp(ctx, ln) : decomposedLayerNorm(ctx, inner, 2);
    const back = found === null ? undefined : ctx.g.producer(resolve(ctx, found.input));
    if (found !== null && isChannelTranspose(back))
      return { ...found, input: inputsOf(back!)[0] ?? "" };
    return null;
  }
  return decomposedLayerNorm(ctx, t, 1);
}

// ---------------------------------------------------------------------------------------------
// Activation

/** Operands of a tree of Mul nodes rooted at `t` (up to three factors). */
function mulFactors(ctx: Ctx, t: string, depth = 0): string[] {
  const mul = producerIs(ctx, t, "Mul");
  if (mul === undefined || depth > 1) return [t];
  return inputsOf(mul).flatMap((x) => mulFactors(ctx, x, depth + 1));
}

const near = (v: number | null, target: number, tol = 1e-6) =>
  v !== null && Math.abs(v - target) <= tol;

/** 0.5 * x * (1 + erf(x / sqrt 2)) in any grouping of the three factors; returns x. */
function erfGelu(ctx: Ctx, t: string): string | null {
  const factors = mulFactors(ctx, t);
  if (factors.length !== 3) return null;
  const half = factors.findIndex((f) => near(constScalar(ctx, f), 0.5));
  const onePlus = factors.findIndex((f) => {
    const add = producerIs(ctx, f, "Add");
    const pair = add === undefined ? null : dataAndConstant(ctx, add);
    return (
      pair !== null &&
      near(constScalar(ctx, pair[1]), 1) &&
      producerIs(ctx, pair[0], "Erf") !== undefined
    );
  });
  if (half < 0 || onePlus < 0 || half === onePlus) return null;
  const x = factors.find((_, i) => i !== half && i !== onePlus)!;
  const add = producerIs(ctx, factors[onePlus], "Add")!;
  const erf = producerIs(ctx, dataAndConstant(ctx, add)![0], "Erf")!;
  const scaled = inputsOf(erf)[0];
  const div = producerIs(ctx, scaled, "Div");
  const mul = producerIs(ctx, scaled, "Mul");
  const scaledBy = div ?? mul;
  const pair = scaledBy === undefined ? null : dataAndConstant(ctx, scaledBy);
  if (pair === null || !same(ctx, pair[0], x)) return null;
  const c = constScalar(ctx, pair[1]);
  const ok = div !== undefined ? near(c, Math.SQRT2) : near(c, Math.SQRT1_2);
  return ok ? x : null;
}

/** The activation producing `t` and its input; "none" leaves `t` as is. */
export function matchActivation(ctx: Ctx, t: string): { kind: Activation; input: string } {
  const node = ctx.g.producer(resolve(ctx, t));
  if (node !== undefined && op(node) === "Relu")
    return { kind: "relu", input: inputsOf(node)[0] ?? "" };
  if (node !== undefined && op(node) === "Gelu") {
    if (attrString(node, "approximate", "none") !== "none")
      unsupported(ctx, node, "the tanh approximation of GELU");
    return { kind: "gelu", input: inputsOf(node)[0] ?? "" };
  }
  const x = erfGelu(ctx, t);
  return x === null ? { kind: "none", input: t } : { kind: "gelu", input: x };
}

// ---------------------------------------------------------------------------------------------
// Mixing: Conv1d(H -> 2H or H, kernel 1) + GLU / ReLU / nothing

function conv1x1(ctx: Ctx, t: string): { input: string; linear: LinearFound } | null {
  const conv = producerIs(ctx, t, "Conv");
  if (conv === undefined) return null;
  const [x, w, b] = inputsOf(conv);
  if (x === undefined || w === undefined || !ctx.g.isData(x) || ctx.g.isData(w)) return null;
  const kernel = attrInts(conv, "kernel_shape");
  if (
    attrInt(conv, "group", 1) !== 1 ||
    (kernel !== undefined && (kernel.length !== 1 || kernel[0] !== 1))
  ) {
    return null;
  }
  const ones = (name: string) => (attrInts(conv, name) ?? [1]).every((v) => v === 1);
  const pads = attrInts(conv, "pads") ?? [0, 0];
  if (!ones("strides") || !ones("dilations") || pads.some((p) => p !== 0)) {
    unsupported(ctx, conv, "a 1x1 Conv with padding, stride or dilation");
  }
  const weight = storedWeight(ctx, w, "mixing weight", (a) => a);
  const shape = weight.param.value.shape;
  if (shape.length !== 3 || shape[2] !== 1)
    shapeError(ctx, weight, "[out, in, 1]", "a Conv1d with kernel 1");
  return { input: x, linear: { weight, bias: bias(ctx, b, shape[0]!, "mixing"), node: conv } };
}

/** a * sigmoid(b) with (a, b) the two halves of one Split over the channels. */
function glu(ctx: Ctx, t: string): string | null {
  const mul = producerIs(ctx, t, "Mul");
  if (mul === undefined) return null;
  const [p, q] = inputsOf(mul);
  const sig = producerIs(ctx, q, "Sigmoid") ?? producerIs(ctx, p, "Sigmoid");
  const gate = producerIs(ctx, q, "Sigmoid") !== undefined ? p : q;
  const split = producerIs(ctx, gate, "Split");
  if (sig === undefined || split === undefined) return null;
  const outs = split.output ?? [];
  const axis = attrInt(split, "axis", 0);
  if (outs.length !== 2 || (axis !== 1 && axis !== -2)) return null;
  if (!same(ctx, gate, outs[0]) || !same(ctx, inputsOf(sig)[0], outs[1])) return null;
  const sizes = inputsOf(split)[1]
    ? [...ctx.exact.value(inputsOf(split)[1]!).data]
    : attrInts(split, "split");
  if (sizes !== undefined && sizes[0] !== sizes[1])
    unsupported(ctx, split, "a GLU split into unequal halves");
  return inputsOf(split)[0] ?? null;
}

export interface MixingFound {
  readonly kind: "glu" | "relu" | "linear";
  readonly linear: LinearFound;
  readonly input: string;
}

export function matchMixing(ctx: Ctx, t: string): MixingFound | null {
  const gated = glu(ctx, t);
  if (gated !== null) {
    const c = conv1x1(ctx, gated);
    return c === null ? null : { kind: "glu", ...c };
  }
  const relu = producerIs(ctx, t, "Relu");
  if (relu !== undefined) {
    const c = conv1x1(ctx, inputsOf(relu)[0] ?? "");
    if (c !== null) return { kind: "relu", ...c };
  }
  const c = conv1x1(ctx, t);
  return c === null ? null : { kind: "linear", ...c };
}

// ---------------------------------------------------------------------------------------------
// Mean pooling over time

/** ReduceMean over the time axis of [B, H, L] (keepdims 0, or 1 then Squeeze/Flatten). */
export function matchPool(ctx: Ctx, t: string): string | null {
  let node = ctx.g.producer(resolve(ctx, t));
  let keep = 0;
  if (node !== undefined && ["Squeeze", "Flatten", "Reshape"].includes(op(node))) {
    node = ctx.g.producer(resolve(ctx, inputsOf(node)[0] ?? ""));
    keep = 1;
  }
  if (node === undefined || op(node) !== "ReduceMean" || attrInt(node, "keepdims", 1) !== keep)
    return null;
  const axes = reduceAxes(ctx, node);
  if (axes === undefined || axes.length !== 1 || (axes[0] !== 2 && axes[0] !== -1)) return null;
  return inputsOf(node)[0] ?? null;
}
