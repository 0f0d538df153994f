// The data path of the classifier, walked backwards from the graph output to the graph input:
// decoder <- mean over time <- blocks ... <- encoder. Walking backwards makes every step a
// question about one tensor's producer, and ignores whatever does not reach the output.
// The walk first produces a flat list of items (norms, SSM bodies, residual Adds); grouping
// them into layers (pre- or post-norm) is decided once for the whole model, because a norm
// between two bodies could belong to either. Layer order is the order on the data path.

import { fail } from "../../diag/error.js";
import type { Activation } from "../../ir/model.js";
import { type Ctx, isChannelTranspose, type StoredWeight, storedWeight } from "./context.js";
import { attrInt, attrInts, inputsOf, op } from "./graph.js";
import {
  dataAndConstant,
  type LinearFound,
  type MixingFound,
  matchActivation,
  matchLinear,
  matchMixing,
  matchNorm,
  matchPool,
  type NormFound,
  producerIs,
  resolve,
  same,
} from "./patterns.js";
import type { NodeProto } from "./proto.js";
import type { QuantMatch } from "./quantizers.js";

export interface CausalConv {
  readonly conv: NodeProto;
  /** The SSM input as the convolution reads it (after the u quantizer, if any). */
  readonly input: string;
  readonly channels: number;
  readonly length: number;
}

export interface BodyFound {
  readonly input: string;
  readonly uQuant: QuantMatch | null;
  readonly ssm: CausalConv;
  /** The skip term D; null when the graph has no D*u term (D = 0). */
  readonly d: StoredWeight | null;
  readonly yQuant: QuantMatch | null;
  readonly activation: Activation;
  readonly mixing: MixingFound | null;
  readonly outQuant: QuantMatch | null;
}

export type Item =
  | { readonly kind: "norm"; readonly norm: NormFound }
  | { readonly kind: "body"; readonly body: BodyFound }
  | { readonly kind: "residual"; readonly skip: string; readonly node: NodeProto };

export interface LayerFound {
  readonly norm: NormFound | null;
  readonly body: BodyFound;
  readonly residual: boolean;
}

export interface DataPath {
  readonly encoder: LinearFound;
  readonly layers: readonly LayerFound[];
  readonly normPosition: "pre" | "post" | null;
  readonly decoder: LinearFound;
}

/** Ops that occur on the data path of a supported model (anything else is reported by name). */
const KNOWN = new Set([
  "Abs",
  "Add",
  "BatchNormalization",
  "Cast",
  "Clip",
  "Conv",
  "DequantizeLinear",
  "Div",
  "Erf",
  "Flatten",
  "Gelu",
  "Gemm",
  "Identity",
  "LayerNormalization",
  "MatMul",
  "Mul",
  "Pow",
  "QuantizeLinear",
  "Reciprocal",
  "ReduceMax",
  "ReduceMean",
  "Relu",
  "Reshape",
  "Round",
  "Sigmoid",
  "Slice",
  "Split",
  "Sqrt",
  "Squeeze",
  "Sub",
  "Transpose",
  "Unsqueeze",
]);

function isKnown(node: NodeProto): boolean {
  return KNOWN.has(op(node)) || /(^|\.)(Int)?Quant$/.test(op(node));
}

/**
 * The diagnostic for a tensor the walk cannot explain: the nearest unknown op upstream of it if
 * there is one (that is almost always the cause), else the node that produces it.
 */
function cannotPlace(ctx: Ctx, t: string, where: string, reason: string): never {
  const { g } = ctx;
  const queue = [t];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const cur = queue.shift()!;
    if (seen.has(cur)) continue;
    seen.add(cur);
    const node = g.producer(cur);
    if (node === undefined) continue;
    if (!isKnown(node)) {
      fail(
        "QS4D-E108",
        {
          node: g.describe(node),
          where,
          reason: `op ${op(node)} is not part of an S4D classifier`,
        },
        g.where(node),
      );
    }
    for (const i of node.input ?? []) if (i !== "" && g.isData(i)) queue.push(i);
  }
  const node = g.producer(resolve(ctx, t));
  if (node === undefined) {
    fail(
      "QS4D-E125",
      { input: g.input, output: g.output, reason: `${where}: ${reason}` },
      { file: g.file },
    );
  }
  fail("QS4D-E108", { node: g.describe(node), where, reason }, g.where(node));
}

// ---------------------------------------------------------------------------------------------
// The SSM core: Slice(Conv(u, K)) + D * u

function causalConv(ctx: Ctx, t: string): CausalConv | null {
  const { g } = ctx;
  const slice = producerIs(ctx, t, "Slice");
  const conv = producerIs(ctx, slice === undefined ? t : inputsOf(slice)[0], "Conv");
  if (conv === undefined) return null;
  const [x, w, b] = inputsOf(conv);
  if (x === undefined || w === undefined || !g.isData(x) || g.isData(w)) return null;
  const group = attrInt(conv, "group", 1);
  // H and L from the attributes, so that the weight (the in-graph kernel) is first evaluated
  // after its parameters' shapes were checked; ssm.ts checks the weight against them.
  const length = attrInts(conv, "kernel_shape")?.[0] ?? ctx.lazy.shape(w)[2] ?? 0;
  if (group < 2 && length < 2) return null;
  const bad = (reason: string): never =>
    fail("QS4D-E121", { node: g.describe(conv), reason }, g.where(conv));
  if (b !== undefined && b !== "") bad("it has a bias");
  const ones = (name: string) => (attrInts(conv, name) ?? [1]).every((v) => v === 1);
  if (!ones("strides") || !ones("dilations")) bad("strides or dilations other than 1");
  const pads = attrInts(conv, "pads") ?? [0, 0];
  const before = pads[0] === length - 1;
  if (slice === undefined) {
    if (!before || pads[1] !== 0)
      bad(`pads [${pads.join(",")}] without a Slice; expected [${length - 1}, 0]`);
  } else {
    if (!before || pads[1] !== length - 1)
      bad(`pads [${pads.join(",")}], expected [${length - 1}, ${length - 1}]`);
    checkSlice(ctx, slice, length);
  }
  return { conv, input: x, channels: group, length };
}

/** Slice[..., 0:L] on the time axis (the first L outputs of the symmetric-padded conv). */
function checkSlice(ctx: Ctx, slice: NodeProto, length: number): void {
  const [, s, e, a, st] = inputsOf(slice);
  const read = (name: string | undefined, attr: string) =>
    name ? [...ctx.exact.value(name).data] : (attrInts(slice, attr) ?? []);
  const starts = read(s, "starts");
  const ends = read(e, "ends");
  const axes = a ? read(a, "axes") : starts.map((_, i) => i);
  const steps = st ? read(st, "steps") : starts.map(() => 1);
  const ok =
    starts.length === 1 &&
    starts[0] === 0 &&
    ends[0] === length &&
    (axes[0] === 2 || axes[0] === -1) &&
    steps[0] === 1;
  if (!ok) {
    fail(
      "QS4D-E121",
      {
        node: ctx.g.describe(slice),
        reason: `the slice after the convolution is not [..., 0:${length}] on the time axis`,
      },
      ctx.g.where(slice),
    );
  }
}

/** D * u with the same u the convolution reads: D is [H, 1] (or [1, H, 1]) per channel. */
function dTerm(ctx: Ctx, t: string, conv: CausalConv): StoredWeight | null {
  const mul = producerIs(ctx, t, "Mul");
  const pair = mul === undefined ? null : dataAndConstant(ctx, mul);
  if (pair === null || !same(ctx, pair[0], conv.input)) return null;
  const shape = ctx.float.value(pair[1]).shape;
  const trimmed = shape.slice(shape.findIndex((d) => d !== 1));
  const h = conv.channels;
  const perChannel =
    (trimmed.length === 2 && trimmed[0] === h && trimmed[1] === 1) ||
    (h === 1 && trimmed.length === 0);
  if (!perChannel) {
    fail(
      "QS4D-E111",
      {
        tensor: pair[1],
        shape: `[${shape.join(",")}]`,
        expected: `[${h}, 1]`,
        why: "the skip term D scales each channel of [batch, H, L]",
      },
      { file: ctx.g.file, tensor: pair[1] },
    );
  }
  return storedWeight(ctx, pair[1], "skip term D", (a) => ({ shape: [h], data: a.data }));
}

function matchSsmCore(ctx: Ctx, t: string): { ssm: CausalConv; d: StoredWeight | null } | null {
  const add = producerIs(ctx, t, "Add");
  if (add !== undefined) {
    const [a, b] = inputsOf(add);
    for (const [s, m] of [
      [a, b],
      [b, a],
    ] as const) {
      const ssm = s === undefined ? null : causalConv(ctx, s);
      const d = ssm === null || m === undefined ? null : dTerm(ctx, m, ssm);
      if (ssm !== null && d !== null) return { ssm, d };
    }
    return null;
  }
  const ssm = causalConv(ctx, t);
  return ssm === null ? null : { ssm, d: null };
}

// ---------------------------------------------------------------------------------------------
// One block body: [u quant] SSM [y quant] [activation] [mixing] [out quant]

function quantAt(ctx: Ctx, t: string): QuantMatch | null {
  const m = ctx.quants.get(resolve(ctx, t));
  return m === undefined || m.input === null ? null : m;
}

function parseBody(ctx: Ctx, v: string, where: string): BodyFound {
  const top = quantAt(ctx, v);
  const mixing = matchMixing(ctx, top?.input ?? v);
  const outQuant = mixing === null ? null : top;
  const afterMix = mixing === null ? v : mixing.input;
  const act = matchActivation(ctx, afterMix);
  const yQuant = quantAt(ctx, act.input);
  const core = matchSsmCore(ctx, yQuant?.input ?? act.input);
  if (core === null) {
    cannotPlace(
      ctx,
      yQuant?.input ?? act.input,
      where,
      "expected the SSM: Slice(Conv(u, kernel)) + D * u",
    );
  }
  const uQuant = quantAt(ctx, core.ssm.input);
  return {
    input: uQuant?.input ?? core.ssm.input,
    uQuant,
    ssm: core.ssm,
    d: core.d,
    yQuant,
    activation: act.kind,
    mixing,
    outQuant,
  };
}

// ---------------------------------------------------------------------------------------------
// Encoder, residual, the walk

function matchEncoder(ctx: Ctx, v: string): LinearFound | null {
  const tr = ctx.g.producer(resolve(ctx, v));
  if (!isChannelTranspose(tr)) return null;
  const lin = matchLinear(ctx, inputsOf(tr!)[0] ?? "", "encoder");
  if (lin === null) return null;
  let x = resolve(ctx, lin.input);
  const unsq = producerIs(ctx, x, "Unsqueeze");
  if (unsq !== undefined) {
    const axesName = inputsOf(unsq)[1];
    const axes = axesName ? [...ctx.exact.value(axesName).data] : attrInts(unsq, "axes");
    if (axes?.length === 1 && (axes[0] === 2 || axes[0] === -1))
      x = resolve(ctx, inputsOf(unsq)[0] ?? "");
  }
  return x === ctx.g.input ? lin.linear : null;
}

/** Does tensor `a` feed (through data tensors) into tensor `b`? */
function feeds(ctx: Ctx, a: string, b: string): boolean {
  const target = resolve(ctx, a);
  const stack = [b];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const t = resolve(ctx, stack.pop()!);
    if (t === target) return true;
    if (seen.has(t)) continue;
    seen.add(t);
    for (const i of ctx.g.producer(t)?.input ?? []) if (i !== "" && ctx.g.isData(i)) stack.push(i);
  }
  return false;
}

/** A residual Add: one operand (the skip) is upstream of the other (the block). */
function matchResidual(
  ctx: Ctx,
  v: string,
): { skip: string; body: string; node: NodeProto } | null {
  const add = producerIs(ctx, v, "Add");
  if (add === undefined) return null;
  const [p, q] = inputsOf(add);
  if (p === undefined || q === undefined || !ctx.g.isData(p) || !ctx.g.isData(q)) return null;
  if (feeds(ctx, q, p)) return { skip: q, body: p, node: add };
  if (feeds(ctx, p, q)) return { skip: p, body: q, node: add };
  return null;
}

function walkItems(ctx: Ctx, from: string): { encoder: LinearFound; items: Item[] } {
  const items: Item[] = [];
  let v = from;
  for (let guard = 0; guard <= ctx.g.nodes.length; guard++) {
    const encoder = matchEncoder(ctx, v);
    if (encoder !== null) return { encoder, items: items.reverse() };
    if (resolve(ctx, v) === ctx.g.input) break;
    const norm = matchNorm(ctx, v);
    if (norm !== null) {
      items.push({ kind: "norm", norm });
      v = norm.input;
      continue;
    }
    const residual = matchResidual(ctx, v);
    if (residual !== null) {
      items.push({ kind: "residual", skip: residual.skip, node: residual.node });
      v = residual.body;
      continue;
    }
    const body = parseBody(ctx, v, "an S4D block");
    items.push({ kind: "body", body });
    v = body.input;
  }
  cannotPlace(
    ctx,
    v,
    "the encoder",
    "expected Transpose(Add(MatMul(input, W^T), b)) from the graph input",
  );
}

function layerError(ctx: Ctx, what: string, reason: string): never {
  fail("QS4D-E124", { what, reason }, { file: ctx.g.file });
}

/** Group the items into layers: every layer is [norm] body [residual] or body [residual] [norm]. */
function groupLayers(
  ctx: Ctx,
  items: readonly Item[],
): { layers: LayerFound[]; normPosition: "pre" | "post" | null } {
  const hasNorm = items.some((i) => i.kind === "norm");
  const first = items[0]?.kind;
  const last = items.at(-1)?.kind;
  if (hasNorm && first === "norm" && last === "norm") {
    layerError(ctx, "norm position", "a norm both before the first block and after the last one");
  }
  const normPosition = !hasNorm ? null : first === "norm" ? "pre" : last === "norm" ? "post" : null;
  if (hasNorm && normPosition === null) {
    layerError(
      ctx,
      "norm position",
      "norms sit between blocks only, neither before the first block nor after the last",
    );
  }
  const layers: LayerFound[] = [];
  let i = 0;
  const take = <K extends Item["kind"]>(kind: K): Extract<Item, { kind: K }> | null => {
    const item = items[i];
    if (item?.kind !== kind) return null;
    i++;
    return item as Extract<Item, { kind: K }>;
  };
  while (i < items.length) {
    const k = layers.length;
    const pre = normPosition === "pre" ? take("norm") : null;
    if (normPosition === "pre" && pre === null)
      layerError(ctx, "norms", `layer ${k} has no norm before its SSM`);
    const body = take("body");
    if (body === null) {
      fail(
        "QS4D-E125",
        {
          input: ctx.g.input,
          output: ctx.g.output,
          reason: `layer ${k}: two norms or residual Adds in a row`,
        },
        { file: ctx.g.file },
      );
    }
    const residual = take("residual");
    const post = normPosition === "post" ? take("norm") : null;
    if (normPosition === "post" && post === null)
      layerError(ctx, "norms", `layer ${k} has no norm after its block`);
    const layerInput = pre?.norm.input ?? body.body.input;
    if (residual !== null && !same(ctx, residual.skip, layerInput)) {
      fail(
        "QS4D-E108",
        {
          node: ctx.g.describe(residual.node),
          where: `layer ${k}`,
          reason: "the residual Add does not add the layer's input",
        },
        ctx.g.where(residual.node),
      );
    }
    layers.push({
      norm: pre?.norm ?? post?.norm ?? null,
      body: body.body,
      residual: residual !== null,
    });
  }
  return { layers, normPosition };
}

/** The whole data path, from the graph output back to the graph input. */
export function walkDataPath(ctx: Ctx): DataPath {
  const { g } = ctx;
  const decoder = matchLinear(ctx, g.output, "decoder");
  if (decoder === null)
    cannotPlace(
      ctx,
      g.output,
      "the decoder",
      "expected Gemm or MatMul (+ Add) producing the output",
    );
  const pooled = matchPool(ctx, decoder.input);
  if (pooled === null)
    cannotPlace(ctx, decoder.input, "the pooling", "expected ReduceMean over time (the last axis)");
  const { encoder, items } = walkItems(ctx, pooled);
  const { layers, normPosition } = groupLayers(ctx, items);
  return { encoder, layers, normPosition, decoder: decoder.linear };
}
