// One layer's SSM, recovered from the weight operand of its grouped causal Conv.
//
// The kernel is either a stored tensor named `<prefix>.K` (kernel-only models) or computed in
// the graph from S4D parameters found by their names (`log_dt, log_A_real, A_imag, C` or S4's
// `inv_dt, A_real, A_imag, B, C`) among the kernel subgraph's leaves. Names are not trusted
// alone: the kernel the graph computes (evaluated with every quantizer passed through) must
// equal 2 Re(sum C dB dA^l) of the recovered parameters, and that comparison is also what tells
// ZOH from bilinear discretization.
//
// Constant folding (model.folded.onnx, torch 1.13): Exp/Cos/Sin are not folded, so log_dt,
// log_A_real and A_imag survive as named initializers, but C is folded into two unnamed
// constants (its real and imaginary parts, the folded Gathers), A_imag^2 into a third, and D
// into an unnamed [H, 1] constant. The parts of C are exact slices of C, so C is recovered
// exactly: every ordered pair of unnamed [H, M] leaves of the kernel subgraph is tried as
// (Re C, Im C) and accepted only when it reproduces the graph's kernel, and only when exactly one
// pair does. Parameters that folding changed arithmetically (log_dt folded into dt) cannot come
// back bit-exact: that is a coded error saying which parameter is missing.

import { fail } from "../../diag/error.js";
import { type Ctx, checkFinite, leafType, type ParamValue } from "./context.js";
import type { NodeProto } from "./proto.js";
import type { QuantMatch } from "./quantizers.js";
import {
  type Discrete,
  type Discretization,
  discretize,
  kernelAt,
  kernelModes,
  realView,
  relativeError,
  type SsmF64,
} from "./s4d-kernel.js";
import type { Arr } from "./tensor.js";

export interface RecoveredSsm {
  readonly kind: "s4d" | "s4" | "kernel";
  readonly modes: number;
  /** Null for a kernel-only SSM (the graph does not say how the kernel was made). */
  readonly discretization: Discretization | null;
  /** By state-dict leaf name: log_dt, log_A_real, A_imag, C / inv_dt, A_real, A_imag, B, C / K. */
  readonly params: ReadonlyMap<string, ParamValue>;
  /** Quantizers of the kernel subgraph by canonical role: log_dt, A_real, A_imag, C, B, dA, dB, K. */
  readonly quant: ReadonlyMap<string, QuantMatch>;
}

const S4D_NAMES = ["log_dt", "log_A_real", "A_imag", "C"] as const;
const S4_NAMES = ["inv_dt", "A_real", "A_imag", "B", "C"] as const;
const SSM_LEAVES = new Set<string>([...S4D_NAMES, ...S4_NAMES]);
const PARAMETER_NAME = /^[A-Za-z_]\w*(\.\w+)*$/;

/** Relative kernel error below which the graph computes the parameters' kernel. */
const KERNEL_TOLERANCE = 1e-5;
/** Relative error below which a quantizer's input is a given quantity (exact up to float64). */
const ROLE_TOLERANCE = 1e-6;

/** `layers.0.kernel.log_dt` -> { prefix: "layers.0.kernel", leaf: "log_dt" } for user parameter names. */
function splitParameterName(name: string): { prefix: string; leaf: string } | null {
  if (!PARAMETER_NAME.test(name)) return null;
  const dot = name.lastIndexOf(".");
  return { prefix: dot < 0 ? "" : name.slice(0, dot), leaf: name.slice(dot + 1) };
}

interface Site {
  readonly ctx: Ctx;
  readonly conv: NodeProto;
  readonly layer: number;
  readonly channels: number;
  readonly length: number;
}

/**
 * A bounded, deterministic set of coordinates along an axis of length n: all of them up to
 * `cap`, else the first and last `edge` and an even spread of `cap - 2 edge` others.
 */
function spread(n: number, cap: number, edge: number): number[] {
  if (n <= cap) return Array.from({ length: n }, (_, i) => i);
  const inner = cap - 2 * edge;
  const span = n - 2 * edge;
  const out: number[] = [];
  for (let k = 0; k < edge; k++) out.push(k);
  for (let k = 0; k < inner; k++) out.push(edge + Math.floor(((2 * k + 1) * span) / (2 * inner)));
  for (let k = edge - 1; k >= 0; k--) out.push(n - 1 - k);
  return out;
}

/** Flat indices (ascending) of the product of per-axis coordinate sets of a tensor of `shape`. */
function product(shape: readonly number[], axes: readonly (readonly number[])[]): number[] {
  let out = [0];
  shape.forEach((n, d) => {
    out = out.flatMap((base) => axes[d]!.map((c) => base * n + c));
  });
  return out;
}

/** Tensors up to this many elements are compared at every element. */
const FULL_COMPARE = 1 << 12;
/** Along each axis of a larger tensor: this many coordinates, the first and last 8 among them. */
const AXIS_SAMPLES = 32;

/** Flat indices (ascending) where a quantizer's input is compared with a candidate quantity. */
function gridIndices(shape: readonly number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n <= FULL_COMPARE) return Array.from({ length: n }, (_, i) => i);
  return product(
    shape,
    shape.map((m) => spread(m, AXIS_SAMPLES, 8)),
  );
}

/** Taps compared on every channel: the first and the last this many. */
const EDGE_TAPS = 4;
/** Channels compared at more taps: this many (the first and last 4 among them). */
const SPREAD_CHANNELS = 16;
/** The taps they are compared at: this many (the first and last 8 among them). */
const SPREAD_TAPS = 32;

/**
 * Where the graph's kernel is compared with the parameters', as grids of flat indices of the
 * conv weight [H, 1, L] (index j is lag L-1-j, so its first and last indices are the kernel's
 * last and first taps): a small kernel everywhere, a larger one on every channel at its first
 * and last EDGE_TAPS taps and on a spread of SPREAD_CHANNELS channels at a spread of
 * SPREAD_TAPS taps (all of them when there are no more). The in-graph kernel is only evaluated
 * on these grids (lazy.ts): the check costs the same for any L.
 */
function kernelGrids(channels: number, length: number): number[][] {
  if (channels * length <= FULL_COMPARE)
    return [Array.from({ length: channels * length }, (_, i) => i)];
  const all = Array.from({ length: channels }, (_, h) => h);
  return [
    product([channels, 1, length], [all, [0], spread(length, 2 * EDGE_TAPS, EDGE_TAPS)]),
    product(
      [channels, 1, length],
      [spread(channels, SPREAD_CHANNELS, 4), [0], spread(length, SPREAD_TAPS, 8)],
    ),
  ];
}

/** The graph's kernel (the conv weight [H, 1, L] in float view) at the sample points. */
interface KernelSamples {
  readonly indices: readonly number[];
  readonly values: Float64Array;
}

function checkKernelShape(site: Site, shape: readonly number[]): void {
  const { channels: h, length: l } = site;
  if (shape.join(",") !== `${h},1,${l}`) {
    fail(
      "QS4D-E121",
      {
        node: site.ctx.g.describe(site.conv),
        reason: `its weight has shape [${shape.join(",")}], expected [${h},1,${l}]`,
      },
      site.ctx.g.where(site.conv),
    );
  }
}

function graphKernel(site: Site, weightName: string): KernelSamples {
  checkKernelShape(site, site.ctx.lazy.shape(weightName));
  const at = new Map<number, number>();
  for (const grid of kernelGrids(site.channels, site.length)) {
    const values = site.ctx.lazy.sample(weightName, grid);
    grid.forEach((i, k) => {
      at.set(i, values[k]!);
    });
  }
  const indices = [...at.keys()].sort((a, b) => a - b);
  return { indices, values: Float64Array.from(indices, (i) => at.get(i)!) };
}

/** The parameters' kernel at conv-weight flat indices (time reversed: index j is lag L-1-j). */
function paramKernel(
  p: SsmF64,
  d: Discrete,
  length: number,
  indices: readonly number[],
): Float64Array {
  const modes = kernelModes(p, d);
  return Float64Array.from(indices, (i) =>
    kernelAt(modes, Math.floor(i / length), length - 1 - (i % length)),
  );
}

export function recoverSsm(site: Site): RecoveredSsm {
  const { ctx, conv } = site;
  const weightName = conv.input?.[1] ?? "";
  const stored = storedKernel(site, weightName);
  if (stored !== null) return stored;
  const { nodes, leaves } = ctx.g.ancestry(weightName);
  const named = new Map<string, string>();
  const prefixes = new Set<string>();
  for (const leaf of leaves) {
    const split = splitParameterName(leaf);
    if (split === null || !SSM_LEAVES.has(split.leaf) || !ctx.g.isInitializer(leaf)) continue;
    named.set(split.leaf, leaf);
    prefixes.add(split.prefix);
  }
  if (named.size === 0) {
    const stored = leaves.filter((leaf) => ctx.g.isInitializer(leaf));
    const shown = stored.length > 6 ? [...stored.slice(0, 6), "..."] : stored;
    fail(
      "QS4D-E110",
      { layer: site.layer, node: ctx.g.describe(conv), tensor: shown.join("', '") },
      ctx.g.where(conv),
    );
  }
  if (prefixes.size > 1) {
    unrecognised(site, `parameters under several prefixes: ${[...named.values()].join(", ")}`);
  }
  const kind = named.has("inv_dt") || named.has("A_real") || named.has("B") ? "s4" : "s4d";
  if (kind === "s4" && (named.has("log_dt") || named.has("log_A_real"))) {
    unrecognised(site, `S4D and S4 names mixed: ${[...named.values()].join(", ")}`);
  }
  const prefix = [...prefixes][0]!;
  const params = readParams(site, kind, prefix, named);
  const kGraph = graphKernel(site, weightName);
  const { f64, discretization, cRecovered } = identify(site, kind, params, kGraph, leaves, prefix);
  if (cRecovered !== null) params.set("C", cRecovered);
  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  const quantizers = [...ctx.quants.values()].filter((q) => produced.has(q.output));
  const quant = classifyQuantizers(site, quantizers, kind, params, f64, discretization, weightName);
  return { kind, modes: f64.m, discretization, params, quant };
}

/** A kernel that is a stored tensor (through layout ops and a quantizer): kernel-only, or folded. */
function storedKernel(site: Site, weightName: string): RecoveredSsm | null {
  const { ctx } = site;
  let t = weightName;
  let quant: QuantMatch | null = null;
  for (;;) {
    const m = ctx.quants.get(t);
    if (m !== undefined && m.input !== null && quant === null) {
      quant = m;
      t = m.input;
      continue;
    }
    const node = ctx.g.producer(t);
    if (node === undefined || node.opType === "Constant") break;
    if (!["Identity", "Reshape", "Unsqueeze", "Squeeze"].includes(node.opType ?? "")) return null;
    t = node.input?.[0] ?? "";
  }
  const split = splitParameterName(t);
  if (split === null || split.leaf !== "K" || !ctx.g.isInitializer(t)) {
    fail(
      "QS4D-E110",
      { layer: site.layer, node: ctx.g.describe(site.conv), tensor: t },
      ctx.g.where(site.conv),
    );
  }
  const value = ctx.float.value(weightName);
  checkKernelShape(site, value.shape);
  const param: ParamValue = {
    value: { shape: [site.channels, 1, site.length], data: value.data },
    dataType: leafType(ctx, t, "an SSM kernel"),
    source: t,
  };
  const quantMap = new Map<string, QuantMatch>();
  if (quant !== null) quantMap.set("K", quant);
  return {
    kind: "kernel",
    modes: 0,
    discretization: null,
    params: new Map([["K", param]]),
    quant: quantMap,
  };
}

function unrecognised(site: Site, reason: string): never {
  fail(
    "QS4D-E112",
    { layer: site.layer, node: site.ctx.g.describe(site.conv), reason },
    site.ctx.g.where(site.conv),
  );
}

function shapeError(
  site: Site,
  tensor: string,
  shape: readonly number[],
  expected: string,
  why: string,
): never {
  fail(
    "QS4D-E111",
    { tensor, shape: `[${shape.join(",")}]`, expected, why },
    { file: site.ctx.g.file, tensor },
  );
}

/** Read the named parameters with their shapes checked ([H], [H, M], [H, M, 2]). */
function readParams(
  site: Site,
  kind: "s4d" | "s4",
  prefix: string,
  named: ReadonlyMap<string, string>,
): Map<string, ParamValue> {
  const { ctx, channels: h } = site;
  const wanted = kind === "s4d" ? S4D_NAMES : S4_NAMES;
  const params = new Map<string, ParamValue>();
  for (const leaf of wanted) {
    const name = named.get(leaf);
    if (name === undefined) continue;
    const value = ctx.g.initializer(name)!;
    const param = { value, dataType: leafType(ctx, name, `SSM parameter ${leaf}`), source: name };
    checkFinite(ctx, param, `SSM parameter ${leaf}`);
    params.set(leaf, param);
  }
  const reA = params.get(kind === "s4d" ? "log_A_real" : "A_real");
  const dtLeaf = kind === "s4d" ? "log_dt" : "inv_dt";
  const must =
    kind === "s4d" ? ["log_dt", "log_A_real", "A_imag"] : ["inv_dt", "A_real", "A_imag", "B"];
  for (const leaf of must) {
    if (!params.has(leaf)) {
      fail(
        "QS4D-E128",
        {
          what: `parameter '${prefix}.${leaf}' of layer ${site.layer}`,
          reason: `the kernel of Conv ${ctx.g.describe(site.conv)} reads no initializer of that name (constant folding may have merged it into an unnamed constant)`,
        },
        ctx.g.where(site.conv),
      );
    }
  }
  const modes = reA!.value.shape[1] ?? 0;
  const expect = (leaf: string, shape: readonly number[], why: string) => {
    const p = params.get(leaf);
    if (p === undefined) return;
    if (p.value.shape.length !== shape.length || p.value.shape.some((d, i) => d !== shape[i])) {
      shapeError(site, p.source, p.value.shape, `[${shape.join(",")}]`, why);
    }
  };
  if (reA!.value.shape.length !== 2 || reA!.value.shape[0] !== h) {
    shapeError(
      site,
      reA!.source,
      reA!.value.shape,
      `[${h}, M]`,
      `one value per channel and mode, H = ${h} from the Conv group`,
    );
  }
  expect(dtLeaf, [h], `one dt per channel, H = ${h}`);
  expect("A_imag", [h, modes], "same modes as Re A");
  expect("C", [h, modes, 2], "complex real view [H, M, 2]");
  expect("B", [h, modes, 2], "complex real view [H, M, 2]");
  return params;
}

function complexParts(view: Arr): { re: Float64Array; im: Float64Array } {
  const n = view.data.length / 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = view.data[2 * i]!;
    im[i] = view.data[2 * i + 1]!;
  }
  return { re, im };
}

/** The float64 continuous SSM of the parameters, with C given separately (it may be recovered). */
function toF64(kind: "s4d" | "s4", params: ReadonlyMap<string, ParamValue>, c: Arr): SsmF64 {
  const reA = params.get(kind === "s4d" ? "log_A_real" : "A_real")!.value;
  const h = reA.shape[0]!;
  const m = reA.shape[1]!;
  const dt = params.get(kind === "s4d" ? "log_dt" : "inv_dt")!.value.data.map(Math.exp);
  const aRe = reA.data.map((v) => -Math.exp(v));
  const sign = kind === "s4" ? -1 : 1;
  const aIm = params.get("A_imag")!.value.data.map((v) => sign * v);
  const b = params.get("B");
  const bParts = b === undefined ? null : complexParts(b.value);
  const cParts = complexParts(c);
  return {
    h,
    m,
    dt,
    aRe,
    aIm,
    bRe: bParts?.re ?? null,
    bIm: bParts?.im ?? null,
    cRe: cParts.re,
    cIm: cParts.im,
  };
}

interface Fit {
  readonly discretization: Discretization;
  readonly error: number;
}

/** Which discretization reproduces the graph's kernel; null when neither does. */
function fitKernel(
  p: SsmF64,
  k: KernelSamples,
  length: number,
): { best: Fit | null; errors: Fit[] } {
  const errors: Fit[] = (["zoh", "bilinear"] as const).map((d) => ({
    discretization: d,
    error: relativeError(paramKernel(p, discretize(p, d), length, k.indices), k.values),
  }));
  errors.sort((a, b) => a.error - b.error);
  const best = errors[0]!.error <= KERNEL_TOLERANCE ? errors[0]! : null;
  return { best, errors };
}

function identify(
  site: Site,
  kind: "s4d" | "s4",
  params: Map<string, ParamValue>,
  kGraph: KernelSamples,
  leaves: readonly string[],
  prefix: string,
): { f64: SsmF64; discretization: Discretization; cRecovered: ParamValue | null } {
  const { ctx, length } = site;
  const c = params.get("C");
  let cRecovered: ParamValue | null = null;
  let f64: SsmF64;
  if (c !== undefined) {
    f64 = toF64(kind, params, c.value);
  } else {
    cRecovered = recoverFoldedC(site, kind, params, kGraph, leaves, prefix);
    f64 = toF64(kind, params, cRecovered.value);
  }
  const { best, errors } = fitKernel(f64, kGraph, length);
  const text = errors
    .map((e) => `${e.discretization}: max relative difference ${e.error.toExponential(2)}`)
    .join(", ");
  if (best === null) {
    fail(
      "QS4D-E113",
      { layer: site.layer, node: ctx.g.describe(site.conv), reason: text },
      ctx.g.where(site.conv),
    );
  }
  const other = errors[1]!;
  if (other.error <= KERNEL_TOLERANCE && other.error < 4 * best.error) {
    fail(
      "QS4D-E123",
      {
        layer: site.layer,
        reason: `both ZOH and bilinear discretization reproduce the graph's kernel (${text})`,
      },
      ctx.g.where(site.conv),
    );
  }
  return { f64, discretization: best.discretization, cRecovered };
}

/** C folded into unnamed constants: try the unnamed leaves as (Re C, Im C) or as the whole view. */
function recoverFoldedC(
  site: Site,
  kind: "s4d" | "s4",
  params: ReadonlyMap<string, ParamValue>,
  kGraph: KernelSamples,
  leaves: readonly string[],
  prefix: string,
): ParamValue {
  const { ctx, channels: h, length } = site;
  const reA = params.get(kind === "s4d" ? "log_A_real" : "A_real")!.value;
  const m = reA.shape[1]!;
  const unnamed = leaves.filter((leaf) => {
    if (splitParameterName(leaf) !== null && ctx.g.isInitializer(leaf)) return false;
    const v = ctx.exact.value(leaf);
    return v.data.length === h * m || v.data.length === h * m * 2;
  });
  const candidates: { c: Arr; sources: string[] }[] = [];
  for (const a of unnamed) {
    const va = ctx.exact.value(a);
    if (va.data.length === h * m * 2)
      candidates.push({ c: { shape: [h, m, 2], data: va.data }, sources: [a] });
    for (const b of unnamed) {
      const vb = ctx.exact.value(b);
      if (a === b || va.data.length !== h * m || vb.data.length !== h * m) continue;
      candidates.push({
        c: { shape: [h, m, 2], data: realView(va.data, vb.data) },
        sources: [a, b],
      });
    }
  }
  // A few channels decide cheaply; the chosen C is then checked on all samples by identify().
  const firstChannels = kGraph.indices.filter((i) => i < 4 * length);
  const probe = { indices: firstChannels, values: kGraph.values.subarray(0, firstChannels.length) };
  const fits = candidates.filter(
    ({ c }) => fitKernel(toF64(kind, params, c), probe, length).best !== null,
  );
  const what = `parameter '${prefix}.C' of layer ${site.layer}`;
  if (fits.length !== 1) {
    const reason =
      fits.length === 0
        ? `it is not an initializer, and no unnamed constant of the kernel subgraph (${unnamed.join(", ") || "none"}) reproduces the graph's kernel as C or as its real and imaginary parts`
        : `several unnamed constants reproduce the kernel as C: ${fits.map((f) => f.sources.join(" + ")).join("; ")}`;
    fail("QS4D-E128", { what, reason }, ctx.g.where(site.conv));
  }
  const chosen = fits[0]!;
  return {
    value: chosen.c,
    dataType: leafType(ctx, chosen.sources[0]!, "SSM parameter C"),
    source: chosen.sources.join(" + "),
  };
}

/** Values of a candidate quantity at flat indices. */
type Candidate = (indices: readonly number[]) => Float64Array;

/** Largest difference of a tensor and a candidate on the `gridIndices` of its shape, relative. */
function sampledError(ctx: Ctx, input: string, candidate: Candidate): number {
  const indices = gridIndices(ctx.lazy.shape(input));
  return relativeError(ctx.lazy.sample(input, indices), candidate(indices));
}

/** The quantity a kernel-subgraph quantizer quantizes, found by comparing values. */
function classifyQuantizers(
  site: Site,
  quantizers: readonly QuantMatch[],
  kind: "s4d" | "s4",
  params: ReadonlyMap<string, ParamValue>,
  p: SsmF64,
  discretization: Discretization,
  weightName: string,
): Map<string, QuantMatch> {
  const { ctx } = site;
  const d = discretize(p, discretization);
  const array =
    (v: ArrayLike<number>): Candidate =>
    (indices) =>
      Float64Array.from(indices, (i) => v[i]!);
  const candidates: [string, Candidate, readonly number[]][] = [
    ["log_dt", array(params.get(kind === "s4d" ? "log_dt" : "inv_dt")!.value.data), [p.h]],
    ["A_real", array(p.aRe), [p.h, p.m]],
    ["A_imag", array(params.get("A_imag")!.value.data), [p.h, p.m]],
    ["C", array(realView(p.cRe, p.cIm)), [p.h, p.m, 2]],
    ["dA", array(realView(d.dARe, d.dAIm)), [p.h, p.m, 2]],
    ["dB", array(realView(d.dBRe, d.dBIm)), [p.h, p.m, 2]],
    ["K", (indices) => ctx.lazy.sample(weightName, indices), [p.h, site.length]],
  ];
  if (p.bRe !== null && p.bIm !== null)
    candidates.push(["B", array(realView(p.bRe, p.bIm)), [p.h, p.m, 2]]);
  const out = new Map<string, QuantMatch>();
  for (const q of quantizers) {
    const inputName = q.input ?? q.output;
    const inputShape = ctx.lazy.shape(inputName);
    const n = inputShape.reduce((a, b) => a * b, 1);
    const hits = candidates.filter(
      ([, v, shape]) =>
        shape.reduce((a, b) => a * b, 1) === n && sampledError(ctx, inputName, v) <= ROLE_TOLERANCE,
    );
    const where = ctx.g.where(q.node);
    if (hits.length !== 1) {
      const reason =
        hits.length === 0
          ? `in the kernel subgraph of layer ${site.layer}, its input is none of log dt, Re A, Im A, C, B, dA, dB, K`
          : `its input equals several quantities (${hits.map((x) => x[0]).join(", ")})`;
      fail("QS4D-E127", { node: ctx.g.describe(q.node), reason }, where);
    }
    const [role, , shape] = hits[0]!;
    const perAxis = q.axis !== null && q.axis !== undefined;
    const sameShape =
      inputShape.length === shape.length && inputShape.every((x, i) => x === shape[i]);
    if (perAxis && (!sameShape || role === "K")) {
      fail(
        "QS4D-E118",
        {
          node: ctx.g.describe(q.node),
          reason: `a per-axis scale on ${role} in shape [${inputShape.join(",")}]`,
        },
        where,
      );
    }
    if (q.scope === "sample") {
      fail(
        "QS4D-E118",
        { node: ctx.g.describe(q.node), reason: `a per-sample max on the static tensor ${role}` },
        where,
      );
    }
    if (out.has(role)) {
      fail(
        "QS4D-E118",
        {
          node: ctx.g.describe(q.node),
          reason: `a second quantizer on ${role} of layer ${site.layer}`,
        },
        where,
      );
    }
    out.set(role, q);
  }
  return out;
}
