// The quantizers found in the graph, placed on canonical keys, become spec.quant. The graph
// states which tensors are quantized and, for affine grids, the scales and axes; metadata adds
// what the graph cannot hold (bits below the container, the recurrent state x, exported codes)
// and must agree with the graph wherever both state a fact.

import { fail } from "../../diag/error.js";
import type { QuantScheme } from "../../ir/model.js";
import { f64 } from "../../ir/tensor.js";
import { qs4dMaxQuant } from "../assemble.js";
import type { ArchSpec, QuantSpec, TensorQuantSpec } from "../spec.js";
import type { Ctx } from "./context.js";
import { roundHalfEven, transpose } from "./evaluate.js";
import type { Metadata, MetaTensorQuant } from "./metadata.js";
import type { QuantMatch } from "./quantizers.js";
import type { Arr } from "./tensor.js";

/** A quantizer of the graph placed on a tensor of the model. */
export interface PlacedQuant {
  readonly key: string;
  readonly match: QuantMatch;
  /** The quantized tensor in canonical layout (for the axis and codes); null for activations. */
  readonly canonical: Arr | null;
  /** True when the quantizer's input is a stored parameter (its codes follow from the graph). */
  readonly stored: boolean;
  /** Data-path activations take their max per sample under qs4d-max. */
  readonly dynamic: boolean;
}

type Orientation = "same" | "transposed";

function equalValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

class QuantBuilder {
  readonly tensors = new Map<string, TensorQuantSpec>();
  readonly origins = new Map<string, { file: string; tensor?: string }>();

  constructor(private readonly ctx: Ctx) {}

  private bad(m: QuantMatch, reason: string): never {
    fail("QS4D-E118", { node: this.ctx.g.describe(m.node), reason }, this.ctx.g.where(m.node));
  }

  disagree(key: string, meta: string, graph: string): never {
    fail("QS4D-E115", { key, meta, graph }, { file: this.ctx.g.file });
  }

  /** How the quantizer's input lies relative to the canonical tensor. */
  private orientation(p: PlacedQuant): Orientation {
    const m = p.match;
    if (p.canonical === null) return "same";
    const input = m.input === null ? this.ctx.exact.value(m.output) : this.ctx.float.value(m.input);
    const sameShape = input.shape.join(",") === p.canonical.shape.join(",");
    if (
      equalValues(input.data, p.canonical.data) &&
      (sameShape || m.axis === null || m.axis === undefined)
    ) {
      return "same";
    }
    if (input.shape.length === 2 && equalValues(transpose(input, [1, 0]).data, p.canonical.data))
      return "transposed";
    this.bad(m, `its input is not the tensor ${p.key} in a layout qs4dc can map`);
  }

  put(key: string, spec: TensorQuantSpec, m: QuantMatch): void {
    if (this.tensors.has(key)) this.bad(m, `a second quantizer on ${key}`);
    this.tensors.set(key, spec);
    this.origins.set(key, { file: this.ctx.g.file, tensor: m.output });
  }

  levels(p: PlacedQuant): void {
    const m = p.match;
    if (m.kind !== "max") this.bad(m, "an affine quantizer in a qs4d-max model");
    if (p.dynamic && m.scope !== "sample") {
      this.bad(
        m,
        "its max is taken over the whole batch tensor, so a sample's result depends on its batch",
      );
    }
    this.put(p.key, { levels: m.levels! }, m);
  }

  affine(p: PlacedQuant, facts: MetaTensorQuant | undefined, symmetric: boolean): void {
    const m = p.match;
    if (m.kind === "max") this.bad(m, "a qs4d-max quantizer in a model with affine quantizers");
    const orient = this.orientation(p);
    const graphAxis =
      m.axis === null || m.axis === undefined
        ? null
        : orient === "transposed"
          ? 1 - m.axis
          : m.axis;
    const scale = m.scale!;
    const graphScale: number | readonly number[] = scale.length === 1 ? scale[0]! : scale;
    const bits = this.bits(p, facts?.bits);
    if (facts?.scale !== undefined && JSON.stringify(facts.scale) !== JSON.stringify(graphScale)) {
      this.disagree(
        `qs4d.${p.key}.scale`,
        JSON.stringify(facts.scale),
        `scale ${JSON.stringify(graphScale)} on ${this.ctx.g.describe(m.node)}`,
      );
    }
    if (facts?.axis !== undefined && facts.axis !== graphAxis) {
      this.disagree(`qs4d.${p.key}.axis`, String(facts.axis), `axis ${graphAxis}`);
    }
    this.checkGrid(p, bits);
    const spec: { -readonly [K in keyof TensorQuantSpec]: TensorQuantSpec[K] } = {
      bits,
      scale: graphScale,
      axis: graphAxis,
    };
    const codes = symmetric
      ? this.metaCodes(p, facts, bits, graphAxis)
      : this.graphCodes(p, orient);
    if (codes !== null) spec.codes = codes;
    this.put(p.key, spec, m);
  }

  /** Bits: the graph's clip or bit width when stated; metadata may narrow an int8 container. */
  private bits(p: PlacedQuant, metaBits: number | undefined): number {
    const m = p.match;
    const graphBits = m.bits!;
    if (metaBits === undefined) return graphBits;
    const fits = m.bitsStated ? metaBits === graphBits : metaBits <= graphBits;
    if (!fits) {
      const what = m.bitsStated ? `${graphBits} bits` : `an int${graphBits} container`;
      this.disagree(
        `qs4d.${p.key}.bits`,
        String(metaBits),
        `${what} on ${this.ctx.g.describe(m.node)}`,
      );
    }
    return metaBits;
  }

  /**
   * The IR's affine grid clamps to [-(2^(b-1)-1), 2^(b-1)-1]. Where the graph clamps elsewhere
   * (a bare int8 QuantizeLinear reaches -128; metadata may state fewer bits than the container),
   * the two agree only if no value lands in between: checked element by element for constants,
   * impossible for activations, which are therefore rejected.
   */
  private checkGrid(p: PlacedQuant, bits: number): void {
    const m = p.match;
    const limit = 2 ** (bits - 1) - 1;
    const [lo, hi] = m.range!;
    if (lo === -limit && hi === limit) return;
    const grid = `[${lo}, ${hi}]`;
    if (m.input !== null && this.ctx.g.isData(m.input)) {
      this.bad(
        m,
        `its integer range ${grid} is not the symmetric ${bits}-bit grid [-${limit}, ${limit}]`,
      );
    }
    const codes =
      m.input === null
        ? m.codes!.data
        : rawCodes(this.ctx.float.value(m.input), m.scale!, m.axis ?? null);
    for (let i = 0; i < codes.length; i++) {
      const r = codes[i]!;
      const graph = Math.min(Math.max(r, lo), hi);
      if (graph !== Math.min(Math.max(r, -limit), limit)) {
        this.bad(
          m,
          `${p.key} has code ${graph} at flat index ${i}, outside the ${bits}-bit grid [-${limit}, ${limit}]`,
        );
      }
    }
  }

  /** Exported codes (qs4d.json); for a stored input they must be what the graph's grid gives. */
  private metaCodes(
    p: PlacedQuant,
    facts: MetaTensorQuant | undefined,
    bits: number,
    axis: number | null,
  ) {
    const codes = facts?.codes;
    if (codes === undefined) return null;
    if (p.stored && p.canonical !== null) {
      const expected = gridCodes(p.canonical, p.match.scale!, axis, bits);
      const index = expected.findIndex((c, i) => c !== codes.values[i]);
      if (index >= 0 || expected.length !== codes.values.length) {
        this.disagree(
          `qs4d.json ${p.key}.int`,
          `code ${codes.values[index]} at flat index ${index}`,
          `${expected[index]} from the stored tensor and the scale of ${this.ctx.g.describe(p.match.node)}`,
        );
      }
    }
    return f64(codes.shape, codes.values);
  }

  /** Codes of a DequantizeLinear applied to integer constants (weights stored quantized). */
  private graphCodes(p: PlacedQuant, orient: Orientation) {
    const c = p.match.codes;
    if (c === undefined) return null;
    const arr = orient === "transposed" ? transpose(c, [1, 0]) : c;
    return f64(p.canonical?.shape ?? arr.shape, arr.data);
  }
}

/** rhe(fl32(v / s)) per element, unclamped (README: the division is done in float32). */
function rawCodes(v: Arr, scale: readonly number[], axis: number | null): Float64Array {
  const inner = axis === null ? v.data.length : v.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const len = axis === null ? 1 : v.shape[axis]!;
  return v.data.map((x, i) => {
    const s = scale.length === 1 ? scale[0]! : scale[Math.floor(i / inner) % len]!;
    return roundHalfEven(Math.fround(x / s));
  });
}

/** q = clamp(rhe(fl32(v / s)), -(2^(b-1)-1), 2^(b-1)-1) per element. */
function gridCodes(v: Arr, scale: readonly number[], axis: number | null, bits: number): number[] {
  const limit = 2 ** (bits - 1) - 1;
  return Array.from(rawCodes(v, scale, axis), (r) => Math.min(Math.max(r, -limit), limit));
}

export interface QuantResult {
  readonly quant: QuantSpec;
  readonly origins: ReadonlyMap<string, { file: string; tensor?: string }>;
}

function schemeOf(ctx: Ctx, placed: readonly PlacedQuant[], meta: Metadata): QuantScheme {
  const stated = meta.scheme();
  const kinds = new Set(placed.map((p) => (p.match.kind === "max" ? "max" : "affine")));
  if (kinds.size > 1) {
    const m = placed.find((p) => p.match.kind === "max")!.match;
    fail(
      "QS4D-E118",
      { node: ctx.g.describe(m.node), reason: "qs4d-max and affine quantizers in one model" },
      ctx.g.where(m.node),
    );
  }
  const graph = kinds.has("max") ? "qs4d-max" : kinds.has("affine") ? "affine" : "none";
  if (stated === null) return graph === "affine" ? "qdq" : graph;
  const expected = stated === "qs4d-max" ? "qs4d-max" : "affine";
  if (graph !== expected) {
    const says =
      graph === "none"
        ? "no quantizer"
        : graph === "affine"
          ? "QuantizeLinear/DequantizeLinear quantizers"
          : "qs4d-max quantizers";
    fail("QS4D-E115", { key: "qs4d.scheme", meta: stated, graph: says }, { file: ctx.g.file });
  }
  return stated;
}

/** qs4d.levels states every qs4d-max quantizer; the graph must hold exactly those. */
function checkLevels(b: QuantBuilder, meta: Metadata, arch: ArchSpec): void {
  const levels = meta.levels();
  if (levels === null) return;
  const expected = qs4dMaxQuant(levels, arch);
  for (const [key, { quant, flag }] of expected) {
    const got = b.tensors.get(key)?.levels;
    if (got !== quant.levels) {
      b.disagree(
        `qs4d.levels ${flag}`,
        `${quant.levels} levels on ${key}`,
        got === undefined ? `no quantizer on ${key}` : `${got} levels`,
      );
    }
  }
  for (const [key, spec] of b.tensors) {
    if (!expected.has(key))
      b.disagree("qs4d.levels", `no quantizer on ${key}`, `${spec.levels} levels`);
  }
}

/** spec.quant of the placed graph quantizers and the metadata. */
export function buildQuant(
  ctx: Ctx,
  placed: readonly PlacedQuant[],
  meta: Metadata,
  arch: ArchSpec,
): QuantResult {
  const scheme = schemeOf(ctx, placed, meta);
  const b: QuantBuilder = new QuantBuilder(ctx);
  if (scheme === "qs4d-max") {
    for (const p of placed) b.levels(p);
    checkLevels(b, meta, arch);
  } else if (scheme !== "none") {
    const symmetric = scheme === "qs4d-symmetric-v1";
    const facts = symmetric ? meta.tensorQuant() : new Map<string, MetaTensorQuant>();
    for (const p of placed) b.affine(p, facts.get(p.key), symmetric);
    for (const [key, f] of facts) {
      if (b.tensors.has(key)) continue;
      if (!/^layers\.\d+\.x$/.test(key))
        b.disagree(`qs4d.${key}`, "a quantizer", `no quantizer on ${key}`);
      const { bits, scale } = f;
      if (bits === undefined || typeof scale !== "number") {
        b.disagree(
          `qs4d.${key}`,
          "an incomplete state quantizer",
          "(the state is not in the graph)",
        );
      }
      b.tensors.set(key, { bits, scale, axis: null });
      b.origins.set(key, { file: ctx.g.file, tensor: `qs4d.${key}` });
    }
  }
  return { quant: { scheme, tensors: b.tensors }, origins: b.origins };
}
