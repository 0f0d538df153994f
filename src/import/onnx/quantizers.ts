// Recognising quantizers in an ONNX graph, each matched at its output tensor:
//   - QuantizeLinear -> [Clip] -> DequantizeLinear (QDQ, and Brevitas' QCDQ with an integer Clip
//     giving bit widths below the int8 container), optionally preceded by a float Clip at the
//     grid's edge (qs4d-symmetric-v1 exports);
//   - DequantizeLinear of an integer constant (weights exported already quantized);
//   - QONNX Quant / IntQuant (arbitrary bit widths);
//   - the qs4d-max subgraph of the QS4D authors' max_quant_fn:
//       s = Reciprocal(Clip(ReduceMax(Abs(x)), 1e-5)) * (Q/2);  q = Clip(Round(x*s), -Q/2, Q/2) / s
// A match says which float tensor is quantized and what the graph itself states about the grid.

import { fail } from "../../diag/error.js";
import { ConstEval } from "./evaluate.js";
import { attrInt, attrInts, attrString, inputsOf, type OnnxGraph, op } from "./graph.js";
import type { NodeProto } from "./proto.js";
import type { Arr } from "./tensor.js";

export interface QuantMatch {
  readonly kind: "qdq" | "qonnx" | "max";
  /** The float tensor that is quantized; null for a DequantizeLinear of integer constants. */
  readonly input: string | null;
  readonly output: string;
  /** The node that produces `output` (named in diagnostics). */
  readonly node: NodeProto;
  /** Affine grids (qdq, qonnx): bits, per-tensor (1 value) or per-axis scales, axis, codes. */
  readonly bits?: number;
  /** False when the bits are only the integer container's (no clip or bit width narrows it). */
  readonly bitsStated?: boolean;
  /** The integer codes the graph can produce (its clamp), e.g. [-128, 127] for a bare int8 QDQ. */
  readonly range?: readonly [number, number];
  readonly scale?: readonly number[];
  readonly axis?: number | null;
  /** Integer codes of a DequantizeLinear of integer constants. */
  readonly codes?: Arr;
  /** qs4d-max: the level count Q and where the max is taken. */
  readonly levels?: number;
  readonly scope?: "tensor" | "sample";
}

const QONNX_DOMAINS = /qonnx|finn|brevitas/;
const MAX_QUANT_FLOOR = Math.fround(1e-5);

function producerOf(g: OnnxGraph, name: string | undefined, opType: string): NodeProto | undefined {
  if (name === undefined || name === "") return undefined;
  const node = g.producer(name);
  return node !== undefined && op(node) === opType ? node : undefined;
}

/** Bits of a signed or unsigned integer range [lo, hi], or null when it is no b-bit range. */
function bitsOfRange(lo: number, hi: number): number | null {
  const signedBits = Math.log2(hi + 1) + 1;
  if (lo < 0 && Number.isInteger(signedBits) && (lo === -hi || lo === -hi - 1)) return signedBits;
  const unsignedBits = Math.log2(hi + 1);
  if (lo === 0 && Number.isInteger(unsignedBits)) return unsignedBits;
  return null;
}

export class QuantMatcher {
  private readonly ev: ConstEval;
  private readonly memo = new Map<string, QuantMatch | null>();

  constructor(private readonly g: OnnxGraph) {
    this.ev = new ConstEval(g);
  }

  /** The quantizer whose output is `tensor`, or null. */
  match(tensor: string): QuantMatch | null {
    const cached = this.memo.get(tensor);
    if (cached !== undefined) return cached;
    const node = this.g.producer(tensor);
    let m: QuantMatch | null = null;
    if (node !== undefined) {
      if (op(node) === "DequantizeLinear") m = this.matchQdq(node);
      else if (op(node) === "Div") m = this.matchMax(node);
      else if (/^(Int)?Quant$/.test(node.opType ?? "") && QONNX_DOMAINS.test(node.domain ?? "")) {
        m = this.matchQonnx(node);
      }
    }
    this.memo.set(tensor, m);
    return m;
  }

  /** Every quantizer of the graph, keyed by output tensor. */
  all(): Map<string, QuantMatch> {
    const out = new Map<string, QuantMatch>();
    for (const node of this.g.nodes) {
      for (const t of node.output ?? []) {
        const m = this.match(t);
        if (m !== null) out.set(t, m);
      }
    }
    return out;
  }

  private bad(node: NodeProto, reason: string): never {
    fail("QS4D-E118", { node: this.g.describe(node), reason }, this.g.where(node));
  }

  private constant(node: NodeProto, name: string | undefined, what: string): Arr {
    if (name === undefined || name === "" || this.g.isData(name))
      this.bad(node, `${what} is not a constant`);
    return this.ev.value(name);
  }

  private scalar(node: NodeProto, name: string | undefined, what: string): number {
    const a = this.constant(node, name, what);
    if (a.data.length !== 1) this.bad(node, `${what} is not a scalar`);
    return a.data[0]!;
  }

  private rankOf(name: string): number | null {
    return this.g.isData(name) ? null : this.ev.value(name).shape.length;
  }

  private matchQdq(dq: NodeProto): QuantMatch {
    const [qName, sName, zName] = inputsOf(dq);
    const scale = [...this.constant(dq, sName, "the scale").data];
    const zeroPoint = zName ? [...this.constant(dq, zName, "the zero point").data] : [0];
    if (zeroPoint.some((z) => z !== 0))
      this.bad(dq, "a nonzero zero point (only symmetric grids are supported)");
    const container = zName ? this.ev.zeroPointType(dq, zName) : { bits: 8, signed: false };
    if (!container.signed) {
      this.bad(dq, "an unsigned integer grid (only signed symmetric grids are supported)");
    }
    let bits = container.bits;
    let bitsStated = false;
    let range: [number, number] = [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
    let intermediate = qName ?? "";
    const intClip = producerOf(this.g, intermediate, "Clip");
    if (intClip !== undefined) {
      const [x, lo, hi] = inputsOf(intClip);
      range = [
        this.scalar(intClip, lo, "the clip minimum"),
        this.scalar(intClip, hi, "the clip maximum"),
      ];
      bits = this.rangeBits(intClip, range[0], range[1]);
      bitsStated = true;
      intermediate = x ?? "";
    }
    const q = producerOf(this.g, intermediate, "QuantizeLinear");
    const base = { kind: "qdq" as const, output: (dq.output ?? [])[0] ?? "", node: dq, scale };
    if (q === undefined) {
      if (intClip !== undefined || this.g.isData(intermediate))
        this.bad(dq, "no QuantizeLinear feeds it");
      const codes = this.ev.value(intermediate);
      const axis = this.axisOf(dq, scale, codes.shape.length);
      return { ...base, input: null, bits, bitsStated, range, axis, codes };
    }
    const [xName, qsName, qzName] = inputsOf(q);
    const qScale = this.constant(q, qsName, "the scale").data;
    if (qScale.length !== scale.length || scale.some((s, i) => s !== qScale[i])) {
      this.bad(dq, "QuantizeLinear and DequantizeLinear scales differ");
    }
    if ((qzName ?? "") !== (zName ?? "") && qzName && zName) {
      const qz = this.constant(q, qzName, "the zero point").data;
      if (qz.some((z) => z !== 0)) this.bad(q, "a nonzero zero point");
    }
    let input = xName ?? "";
    const floatClip = producerOf(this.g, input, "Clip");
    if (floatClip !== undefined && scale.length === 1 && !bitsStated) {
      const clipped = this.floatClipRange(floatClip, scale[0]!);
      const clippedBits = clipped === null ? null : bitsOfRange(clipped[0], clipped[1]);
      if (clipped !== null && clippedBits !== null) {
        bits = clippedBits;
        bitsStated = true;
        range = clipped;
        input = inputsOf(floatClip)[0] ?? "";
      }
    }
    const rank = this.rankOf(input);
    const axis = this.axisOf(q, scale, rank);
    return { ...base, input, bits, bitsStated, range, axis };
  }

  /**
   * A float Clip at integer multiples of the scale in front of QuantizeLinear is part of the
   * quantizer (it states the integer range); other clips are not.
   */
  private floatClipRange(clip: NodeProto, scale: number): [number, number] | null {
    const [, lo, hi] = inputsOf(clip);
    if (!lo || !hi || this.g.isData(lo) || this.g.isData(hi)) return null;
    const loQ = this.ev.value(lo).data[0]! / scale;
    const hiQ = this.ev.value(hi).data[0]! / scale;
    const rl = Math.round(loQ);
    const rh = Math.round(hiQ);
    if (Math.abs(loQ - rl) > 1e-3 || Math.abs(hiQ - rh) > 1e-3) return null;
    return [rl, rh];
  }

  private rangeBits(node: NodeProto, lo: number, hi: number): number {
    const bits = bitsOfRange(lo, hi);
    if (bits === null) this.bad(node, `the integer range [${lo}, ${hi}] is not a b-bit range`);
    return bits;
  }

  private axisOf(node: NodeProto, scale: readonly number[], rank: number | null): number | null {
    if (scale.length === 1) return null;
    if (rank === null) this.bad(node, "per-axis scales on a tensor of unknown rank");
    const axis = attrInt(node, "axis", 1);
    return axis < 0 ? axis + rank : axis;
  }

  private matchQonnx(node: NodeProto): QuantMatch {
    const [x, s, z, b] = inputsOf(node);
    const scaleArr = this.constant(node, s, "the scale");
    const zero = this.constant(node, z, "the zero point").data;
    if (zero.some((v) => v !== 0))
      this.bad(node, "a nonzero zero point (only symmetric grids are supported)");
    const bits = this.scalar(node, b, "the bit width");
    if (!Number.isInteger(bits) || bits < 2) this.bad(node, `bit width ${bits}`);
    const rounding = attrString(node, "rounding_mode", "ROUND");
    if (rounding !== "ROUND")
      this.bad(node, `rounding mode ${rounding} (only ROUND, half to even)`);
    if (attrInt(node, "signed", 1) !== 1)
      this.bad(node, "an unsigned grid (only signed grids are supported)");
    const input = x ?? "";
    const rank = this.rankOf(input);
    let axis: number | null = null;
    if (scaleArr.data.length > 1) {
      if (rank === null) this.bad(node, "per-channel scales on a tensor of unknown rank");
      const offset = rank - scaleArr.shape.length;
      const axes = scaleArr.shape.map((d, i) => (d > 1 ? i + offset : -1)).filter((i) => i >= 0);
      if (axes.length !== 1)
        this.bad(node, `scale of shape [${scaleArr.shape.join(",")}] is not per-axis`);
      axis = axes[0]!;
    }
    const half = 2 ** (bits - 1);
    const narrow = attrInt(node, "narrow", 0) === 1;
    return {
      kind: "qonnx",
      input,
      output: (node.output ?? [])[0] ?? "",
      node,
      bits,
      bitsStated: true,
      range: [narrow ? 1 - half : -half, half - 1],
      scale: [...scaleArr.data],
      axis,
    };
  }

  /** The qs4d-max subgraph, matched from its final Div(Clip(Round(x*s)), s). */
  private matchMax(div: NodeProto): QuantMatch | null {
    const [clipped, s] = inputsOf(div);
    const clip = producerOf(this.g, clipped, "Clip");
    const round = producerOf(this.g, inputsOf(clip ?? div)[0], "Round");
    const mul = producerOf(this.g, inputsOf(round ?? div)[0], "Mul");
    if (clip === undefined || round === undefined || mul === undefined || !s) return null;
    const [m0, m1] = inputsOf(mul);
    const x = m0 === s ? m1 : m1 === s ? m0 : undefined;
    if (x === undefined) return null;
    const scaleFrom = this.maxScale(s, x);
    if (scaleFrom === null) return null;
    const levels = 2 * scaleFrom.half;
    const [, lo, hi] = inputsOf(clip);
    const bound = Math.floor(levels / 2);
    const loV = this.scalar(clip, lo, "the clip minimum");
    const hiV = this.scalar(clip, hi, "the clip maximum");
    if (loV !== -bound || hiV !== bound) {
      this.bad(
        clip,
        `clip range [${loV}, ${hiV}] does not match the level count ${levels} ([-${bound}, ${bound}])`,
      );
    }
    return {
      kind: "max",
      input: x,
      output: (div.output ?? [])[0] ?? "",
      node: div,
      levels,
      scope: scaleFrom.scope,
    };
  }

  /** s = Reciprocal(Clip(ReduceMax(Abs(x)), floor)) * (Q/2)  (or (Q/2) / Clip(...)). */
  private maxScale(s: string, x: string): { half: number; scope: "tensor" | "sample" } | null {
    const node = this.g.producer(s);
    if (node === undefined) return null;
    let clipName: string | undefined;
    let halfName: string | undefined;
    if (op(node) === "Mul") {
      const [a, b] = inputsOf(node);
      const recip = producerOf(this.g, a, "Reciprocal") ?? producerOf(this.g, b, "Reciprocal");
      if (recip === undefined) return null;
      clipName = inputsOf(recip)[0];
      halfName = producerOf(this.g, a, "Reciprocal") !== undefined ? b : a;
    } else if (op(node) === "Div") {
      [halfName, clipName] = inputsOf(node);
    } else {
      return null;
    }
    const clip = producerOf(this.g, clipName, "Clip");
    const rmax = producerOf(this.g, inputsOf(clip ?? node)[0], "ReduceMax");
    const abs = producerOf(this.g, inputsOf(rmax ?? node)[0], "Abs");
    if (clip === undefined || rmax === undefined || abs === undefined || inputsOf(abs)[0] !== x)
      return null;
    if (!halfName || this.g.isData(halfName)) return null;
    const half = this.scalar(node, halfName, "the level constant Q/2");
    const floor = this.scalar(clip, inputsOf(clip)[1], "the max floor");
    if (Math.abs(Math.fround(floor) - MAX_QUANT_FLOOR) > 1e-12) {
      this.bad(clip, `max floor ${floor} (qs4d-max uses 1e-5)`);
    }
    return { half, scope: this.scopeOf(rmax, x) };
  }

  private scopeOf(rmax: NodeProto, x: string): "tensor" | "sample" {
    const axesInput = inputsOf(rmax)[1];
    const axes = axesInput ? [...this.ev.value(axesInput).data] : attrInts(rmax, "axes");
    if (axes === undefined || axes.length === 0) return "tensor";
    const rank = this.rankOf(x);
    if (rank !== null) {
      const norm = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      if (norm.size === rank) return "tensor";
      if (norm.size === rank - 1 && !norm.has(0)) return "sample";
    } else {
      const sorted = [...axes].sort((a, b) => a - b);
      if (sorted.every((a, i) => a === i + 1) && attrInt(rmax, "keepdims", 1) === 1)
        return "sample";
    }
    this.bad(rmax, `max over axes [${axes.join(",")}] is neither the whole tensor nor one sample`);
  }
}
