// Evaluation of constant subgraphs (those that depend on initializers and Constant nodes only):
// the in-graph S4D kernel, weight transposes, quantizer scales, clip bounds, shapes.
// Arithmetic runs in float64; the values the importer keeps are leaves or exact rearrangements
// of them (Transpose, Reshape, Gather, Concat, Cast), so the precision only matters for the
// kernel comparison of ssm.ts, which uses a tolerance. A "float view" evaluator passes every
// recognised quantizer straight through, giving the latent float computation of the graph.

import { fail } from "../../diag/error.js";
import { type BinaryOp, binaryOp, clip, roundHalfEven, unaryOp } from "./elementwise.js";
import {
  attrFloat,
  attrFloats,
  attrInt,
  attrInts,
  attrTensor,
  hasAttr,
  type OnnxGraph,
} from "./graph.js";
import type { NodeProto } from "./proto.js";
import { type Arr, allocateValues, DT, decodeTensor, integerBits } from "./tensor.js";

export { roundHalfEven };

export function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export function transpose(a: Arr, perm: readonly number[]): Arr {
  const shape = perm.map((p) => a.shape[p]!);
  const inStrides = stridesOf(a.shape);
  const n = a.data.length;
  const out = new Float64Array(n);
  const pos = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let d = 0; d < shape.length; d++) flat += pos[d]! * inStrides[perm[d]!]!;
    out[i] = a.data[flat]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      pos[d]!++;
      if (pos[d]! < shape[d]!) break;
      pos[d] = 0;
    }
  }
  return { shape, data: out };
}

/** Apply `f` along `axis`: outer x axis x inner blocks. */
function blocks(
  shape: readonly number[],
  axis: number,
): { outer: number; len: number; inner: number } {
  return {
    outer: count(shape.slice(0, axis)),
    len: shape[axis]!,
    inner: count(shape.slice(axis + 1)),
  };
}

type Reducer = "sum" | "max" | "min" | "mean" | "prod";

function reduce(a: Arr, axes: readonly number[], keepdims: boolean, kind: Reducer): Arr {
  let cur = a;
  const sorted = [...new Set(axes.map((x) => normAxis(x, a.shape.length)))].sort((x, y) => y - x);
  for (const axis of sorted) {
    const { outer, len, inner } = blocks(cur.shape, axis);
    const out = allocateValues(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = kind === "max" ? -Infinity : kind === "min" ? Infinity : kind === "prod" ? 1 : 0;
        for (let k = 0; k < len; k++) {
          const v = cur.data[(o * len + k) * inner + i]!;
          if (kind === "max") acc = Math.max(acc, v);
          else if (kind === "min") acc = Math.min(acc, v);
          else if (kind === "prod") acc *= v;
          else acc += v;
        }
        out[o * inner + i] = kind === "mean" ? acc / len : acc;
      }
    }
    const shape = [...cur.shape];
    shape[axis] = 1;
    cur = { shape, data: out };
  }
  if (keepdims) return cur;
  const drop = new Set(sorted);
  return { shape: cur.shape.filter((_, i) => !drop.has(i)), data: cur.data };
}

function gather(a: Arr, indices: Arr, axis: number): Arr {
  const { outer, len, inner } = blocks(a.shape, axis);
  const m = indices.data.length;
  const out = allocateValues(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      let k = indices.data[j]!;
      if (k < 0) k += len;
      for (let i = 0; i < inner; i++)
        out[(o * m + j) * inner + i] = a.data[(o * len + k) * inner + i]!;
    }
  }
  const shape = [...a.shape.slice(0, axis), ...indices.shape, ...a.shape.slice(axis + 1)];
  return { shape, data: out };
}

function concat(parts: readonly Arr[], axis: number): Arr {
  const first = parts[0]!;
  const shape = [...first.shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
  const out = allocateValues(count(shape));
  const outer = count(shape.slice(0, axis));
  const inner = count(shape.slice(axis + 1));
  let offset = 0;
  for (const p of parts) {
    const len = p.shape[axis]!;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < len * inner; k++) {
        out[(o * shape[axis]! + offset) * inner + k] = p.data[o * len * inner + k]!;
      }
    }
    offset += len;
  }
  return { shape, data: out };
}

function sliceArr(a: Arr, starts: number[], ends: number[], axes: number[], steps: number[]): Arr {
  const rank = a.shape.length;
  const lo = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const shape = [...a.shape];
  axes.forEach((ax0, j) => {
    const ax = normAxis(ax0, rank);
    const dim = a.shape[ax]!;
    const st = steps[j] ?? 1;
    const clampTo = (v: number, min: number, max: number) => Math.min(Math.max(v, min), max);
    let s = starts[j]!;
    let e = ends[j]!;
    s = s < 0 ? s + dim : s;
    e = e < 0 ? e + dim : e;
    if (st > 0) {
      s = clampTo(s, 0, dim);
      e = clampTo(e, 0, dim);
    } else {
      s = clampTo(s, -1, dim - 1);
      e = clampTo(e, -1, dim - 1);
    }
    lo[ax] = s;
    step[ax] = st;
    shape[ax] = Math.max(0, Math.ceil((e - s) / st));
  });
  const inStrides = stridesOf(a.shape);
  const n = count(shape);
  const out = allocateValues(n);
  const pos = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) flat += (lo[d]! + pos[d]! * step[d]!) * inStrides[d]!;
    out[i] = a.data[flat]!;
    for (let d = rank - 1; d >= 0; d--) {
      pos[d]!++;
      if (pos[d]! < shape[d]!) break;
      pos[d] = 0;
    }
  }
  return { shape, data: out };
}

function reshapeTo(a: Arr, target: readonly number[], allowZero: boolean): Arr | null {
  const shape = target.map((d, i) => (d === 0 && !allowZero ? (a.shape[i] ?? 0) : d));
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.indexOf(-1);
  if (inferred >= 0) {
    const rest = count(known);
    if (rest === 0 || a.data.length % rest !== 0) return null;
    shape[inferred] = a.data.length / rest;
  }
  if (count(shape) !== a.data.length) return null;
  return { shape, data: a.data };
}

function unsqueeze(a: Arr, axes: readonly number[]): Arr {
  const rank = a.shape.length + axes.length;
  const set = new Set(axes.map((x) => normAxis(x, rank)));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : a.shape[j++]!);
  return { shape, data: a.data };
}

function squeeze(a: Arr, axes: readonly number[] | undefined): Arr {
  const set = new Set((axes ?? []).map((x) => normAxis(x, a.shape.length)));
  const shape = a.shape.filter((d, i) => (axes === undefined ? d !== 1 : !set.has(i)));
  return { shape, data: a.data };
}

function castTo(a: Arr, to: number): Arr {
  if (to === DT.FLOAT) return unaryOp("ToFloat32", a);
  if (to === DT.DOUBLE) return a;
  if (to === DT.BOOL) return unaryOp("ToBool", a);
  const bits = integerBits(to);
  if (bits !== null || to === DT.INT64 || to === DT.UINT32 || to === DT.UINT64) {
    return unaryOp("Trunc", a);
  }
  return a;
}

function scalarArr(value: number): Arr {
  return { shape: [], data: Float64Array.of(value) };
}

/** Passes a recognised quantizer's output straight to its float input (float view). */
export type Bypass = (tensor: string) => string | undefined;

export class ConstEval {
  private readonly memo = new Map<string, Arr>();
  private readonly active = new Set<string>();

  constructor(
    private readonly g: OnnxGraph,
    private readonly bypass: Bypass = () => undefined,
  ) {}

  /** Whether `name` is a constant (no dependence on the data input). */
  isConstant(name: string): boolean {
    return name !== "" && !this.g.isData(name);
  }

  /** The value of a constant tensor; a coded error for data tensors and unsupported ops. */
  value(name: string): Arr {
    const cached = this.memo.get(name);
    if (cached !== undefined) return cached;
    const through = this.bypass(name);
    const result = through !== undefined ? this.value(through) : this.compute(name);
    this.memo.set(name, result);
    return result;
  }

  private compute(name: string): Arr {
    const init = this.g.initializer(name);
    if (init !== undefined) return init;
    const node = this.g.producer(name);
    if (node === undefined || this.g.isData(name)) {
      fail(
        "QS4D-E114",
        { what: `'${name}'`, reason: "it depends on the model input" },
        { file: this.g.file, tensor: name },
      );
    }
    if (this.active.has(name)) {
      fail("QS4D-E102", { reason: `cycle through '${name}'` }, { file: this.g.file });
    }
    this.active.add(name);
    try {
      const outputs = this.run(node);
      const index = (node.output ?? []).indexOf(name);
      const out = outputs[index];
      if (out === undefined) this.unsupported(node, "output not computed");
      return out;
    } finally {
      this.active.delete(name);
    }
  }

  private unsupported(node: NodeProto, reason: string): never {
    fail("QS4D-E114", { what: this.g.describe(node), reason }, this.g.where(node));
  }

  /** Where the node being run reads its inputs: this evaluator, or values given to runNode(). */
  private source: ((name: string) => Arr) | null = null;

  private arg(node: NodeProto, i: number): Arr | undefined {
    const name = (node.input ?? [])[i];
    if (name === undefined || name === "") return undefined;
    return this.source === null ? this.value(name) : this.source(name);
  }

  /** Run one node on input values supplied by the caller (the lazy evaluator's small tensors). */
  runNode(node: NodeProto, inputs: (name: string) => Arr): Arr[] {
    const outer = this.source;
    this.source = inputs;
    try {
      return this.run(node);
    } finally {
      this.source = outer;
    }
  }

  private req(node: NodeProto, i: number): Arr {
    const a = this.arg(node, i);
    if (a === undefined) this.unsupported(node, `input ${i} is missing`);
    return a;
  }

  private ints(node: NodeProto, inputIndex: number, attr: string): number[] | undefined {
    const a = this.arg(node, inputIndex);
    if (a !== undefined) return [...a.data];
    return attrInts(node, attr);
  }

  private bin(node: NodeProto, opType: BinaryOp): Arr {
    const out = binaryOp(opType, this.req(node, 0), this.req(node, 1));
    if (out === null) this.unsupported(node, "operand shapes do not broadcast");
    return out;
  }

  private run(node: NodeProto): Arr[] {
    const domain = node.domain ?? "";
    if (domain !== "" && domain !== "ai.onnx") this.unsupported(node, "not a standard ONNX op");
    const x = () => this.req(node, 0);
    switch (node.opType) {
      case "Constant":
        return [this.constantNode(node)];
      case "Identity":
        return [x()];
      case "Cast":
        return [castTo(x(), attrInt(node, "to", DT.FLOAT))];
      case "Neg":
        return [unaryOp("Neg", x())];
      case "Abs":
        return [unaryOp("Abs", x())];
      case "Exp":
        return [unaryOp("Exp", x())];
      case "Log":
        return [unaryOp("Log", x())];
      case "Sqrt":
        return [unaryOp("Sqrt", x())];
      case "Reciprocal":
        return [unaryOp("Reciprocal", x())];
      case "Cos":
        return [unaryOp("Cos", x())];
      case "Sin":
        return [unaryOp("Sin", x())];
      case "Round":
        return [unaryOp("Round", x())];
      case "Floor":
        return [unaryOp("Floor", x())];
      case "Ceil":
        return [unaryOp("Ceil", x())];
      case "Add":
        return [this.bin(node, "Add")];
      case "Sub":
        return [this.bin(node, "Sub")];
      case "Mul":
        return [this.bin(node, "Mul")];
      case "Div":
        return [this.bin(node, "Div")];
      case "Pow":
        return [this.bin(node, "Pow")];
      case "Max":
        return [this.bin(node, "Max")];
      case "Min":
        return [this.bin(node, "Min")];
      case "Clip":
        return [this.clip(node)];
      case "Transpose": {
        const a = x();
        const perm = attrInts(node, "perm") ?? a.shape.map((_, i) => a.shape.length - 1 - i);
        return [transpose(a, perm)];
      }
      case "Reshape": {
        const out = reshapeTo(
          x(),
          [...this.req(node, 1).data],
          attrInt(node, "allowzero", 0) === 1,
        );
        if (out === null) this.unsupported(node, "the target shape does not fit");
        return [out];
      }
      case "Flatten": {
        const a = x();
        const axis = normAxis(attrInt(node, "axis", 1), a.shape.length);
        return [
          { shape: [count(a.shape.slice(0, axis)), count(a.shape.slice(axis))], data: a.data },
        ];
      }
      case "Unsqueeze":
        return [unsqueeze(x(), this.ints(node, 1, "axes") ?? [])];
      case "Squeeze":
        return [squeeze(x(), this.ints(node, 1, "axes"))];
      case "Gather": {
        const a = x();
        return [gather(a, this.req(node, 1), normAxis(attrInt(node, "axis", 0), a.shape.length))];
      }
      case "Concat": {
        const parts = (node.input ?? []).map((_, i) => this.req(node, i));
        return [concat(parts, normAxis(attrInt(node, "axis", 0), parts[0]!.shape.length))];
      }
      case "Slice":
        return [this.slice(node)];
      case "Shape":
        return [{ shape: [x().shape.length], data: Float64Array.from(x().shape) }];
      case "Expand": {
        const a = x();
        const target = [...this.req(node, 1).data];
        const out = binaryOp("Add", a, { shape: target, data: allocateValues(count(target)) });
        if (out === null) this.unsupported(node, "the target shape does not broadcast");
        return [out];
      }
      case "ReduceSum":
        return [this.reduce(node, "sum")];
      case "ReduceMax":
        return [this.reduce(node, "max")];
      case "ReduceMin":
        return [this.reduce(node, "min")];
      case "ReduceMean":
        return [this.reduce(node, "mean")];
      case "ReduceProd":
        return [this.reduce(node, "prod")];
      case "QuantizeLinear":
        return [this.quantize(node)];
      case "DequantizeLinear":
        return [this.dequantize(node)];
      default:
        this.unsupported(node, "qs4dc cannot evaluate this op in a constant subgraph");
    }
  }

  private constantNode(node: NodeProto): Arr {
    const t = attrTensor(node, "value");
    if (t !== undefined) return decodeTensor(t, (node.output ?? [])[0] ?? "", this.g.file);
    if (hasAttr(node, "value_float")) return scalarArr(attrFloat(node, "value_float", 0));
    if (hasAttr(node, "value_int")) return scalarArr(attrInt(node, "value_int", 0));
    const floats = attrFloats(node, "value_floats");
    if (floats !== undefined) return { shape: [floats.length], data: Float64Array.from(floats) };
    const ints = attrInts(node, "value_ints");
    if (ints !== undefined) return { shape: [ints.length], data: Float64Array.from(ints) };
    this.unsupported(node, "a Constant without a numeric value");
  }

  private clip(node: NodeProto): Arr {
    const lo = this.arg(node, 1)?.data[0] ?? attrFloat(node, "min", -Infinity);
    const hi = this.arg(node, 2)?.data[0] ?? attrFloat(node, "max", Infinity);
    return clip(this.req(node, 0), lo, hi);
  }

  private slice(node: NodeProto): Arr {
    const a = this.req(node, 0);
    const starts = this.ints(node, 1, "starts") ?? [];
    const ends = this.ints(node, 2, "ends") ?? [];
    const axes = this.ints(node, 3, "axes") ?? starts.map((_, i) => i);
    const steps = this.ints(node, 4, "steps") ?? starts.map(() => 1);
    return sliceArr(a, starts, ends, axes, steps);
  }

  /** Reductions: axes from the input (ReduceSum >= 13, all >= 18) or the attribute. */
  private reduce(node: NodeProto, kind: Reducer): Arr {
    const a = this.req(node, 0);
    const axes = this.ints(node, 1, "axes");
    const keep = attrInt(node, "keepdims", 1) === 1;
    const noop = attrInt(node, "noop_with_empty_axes", 0) === 1;
    if (axes === undefined || axes.length === 0) {
      if (noop) return a;
      return reduce(
        a,
        a.shape.map((_, i) => i),
        keep,
        kind,
      );
    }
    return reduce(a, axes, keep, kind);
  }

  private quantParams(
    node: NodeProto,
    a: Arr,
  ): { scale: (i: number) => number; zp: (i: number) => number } {
    const scale = this.req(node, 1);
    const zp = this.arg(node, 2);
    if (scale.data.length === 1) {
      return { scale: () => scale.data[0]!, zp: () => zp?.data[0] ?? 0 };
    }
    const axis = normAxis(attrInt(node, "axis", 1), a.shape.length);
    const { len, inner } = blocks(a.shape, axis);
    const at = (i: number) => Math.floor(i / inner) % len;
    return { scale: (i) => scale.data[at(i)]!, zp: (i) => zp?.data[at(i)] ?? 0 };
  }

  private quantize(node: NodeProto): Arr {
    const a = this.req(node, 0);
    const { scale, zp } = this.quantParams(node, a);
    const zpName = (node.input ?? [])[2] ?? "";
    const range = zpName === "" ? { bits: 8, signed: false } : this.zeroPointType(node, zpName);
    const lo = range.signed ? -(2 ** (range.bits - 1)) : 0;
    const hi = range.signed ? 2 ** (range.bits - 1) - 1 : 2 ** range.bits - 1;
    const out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) {
      const q = roundHalfEven(Math.fround(a.data[i]! / scale(i))) + zp(i);
      out[i] = Math.min(Math.max(q, lo), hi);
    }
    return { shape: a.shape, data: out };
  }

  private dequantize(node: NodeProto): Arr {
    const a = this.req(node, 0);
    const { scale, zp } = this.quantParams(node, a);
    const out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.fround((a.data[i]! - zp(i)) * scale(i));
    return { shape: a.shape, data: out };
  }

  /** The element type of a zero point tensor, from its initializer, Constant or Cast. */
  zeroPointType(node: NodeProto, name: string): { bits: number; signed: boolean } {
    const type = this.elementType(name);
    const bits = type === undefined ? null : integerBits(type);
    if (bits === null) this.unsupported(node, `zero point '${name}' has no integer type`);
    return bits;
  }

  /** The ONNX element type of a constant tensor, when it can be told without evaluation. */
  elementType(name: string): number | undefined {
    const init = this.g.initializer(name);
    if (init !== undefined) return init.dataType;
    const node = this.g.producer(name);
    if (node === undefined) return undefined;
    if (node.opType === "Cast") return attrInt(node, "to", 0);
    if (node.opType === "Identity") return this.elementType((node.input ?? [])[0] ?? "");
    if (node.opType === "Constant") return attrTensor(node, "value")?.dataType ?? undefined;
    return undefined;
  }
}
