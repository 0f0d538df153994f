// Demand-driven evaluation of large constant tensors. The in-graph kernel of a model with
// H = 128 channels, M = 64 modes and L = 1024 builds [H, M, L] intermediates (8.4 M elements
// each, about fifteen of them per layer, three of them transcendental); evaluating them in full
// takes seconds. The importer only needs the kernel at sample points to compare it with the
// kernel of the recovered parameters, so large tensors are evaluated element by element on
// demand through index maps (elementwise ops with broadcasting, reductions, layout ops), and
// small ones are materialised once. Ops without an index map fall back to full evaluation.

import { broadcastShape, roundHalfEven } from "./elementwise.js";
import { type Bypass, type ConstEval, count } from "./evaluate.js";
import { attrFloat, attrInt, attrInts, inputsOf, type OnnxGraph, op } from "./graph.js";
import type { NodeProto } from "./proto.js";
import { DT, integerBits } from "./tensor.js";

export interface Lazy {
  readonly shape: readonly number[];
  at(index: number): number;
  /** All values, for tensors small enough to be materialised. */
  readonly data?: Float64Array;
}

/** Tensors up to this many elements are computed in full, once. */
const MATERIALISE_LIMIT = 1 << 16;

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function materialised(shape: readonly number[], data: Float64Array): Lazy {
  return { shape, data, at: (i) => data[i]! };
}

/** Output flat index -> operand flat index under numpy broadcasting. */
function broadcastMap(operand: readonly number[], out: readonly number[]): (i: number) => number {
  if (count(operand) === count(out)) return (i) => i;
  if (count(operand) === 1) return () => 0;
  const rank = out.length;
  const outStrides = stridesOf(out);
  const opStrides = new Array<number>(rank).fill(0);
  const own = stridesOf(operand);
  for (let d = 0; d < operand.length; d++) {
    const od = d + rank - operand.length;
    opStrides[od] = operand[d] === 1 ? 0 : own[d]!;
  }
  return (i) => {
    let rem = i;
    let idx = 0;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      idx += q * opStrides[d]!;
    }
    return idx;
  };
}

const UNARY: Readonly<Record<string, (x: number) => number>> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Exp: Math.exp,
  Log: Math.log,
  Sqrt: Math.sqrt,
  Reciprocal: (x) => 1 / x,
  Cos: Math.cos,
  Sin: Math.sin,
  Round: roundHalfEven,
  Floor: Math.floor,
  Ceil: Math.ceil,
};

const BINARY: Readonly<Record<string, (x: number, y: number) => number>> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => x / y,
  Pow: (x, y) => x ** y,
  Max: Math.max,
  Min: Math.min,
};

export class LazyEval {
  private readonly memo = new Map<string, Lazy>();

  constructor(
    private readonly g: OnnxGraph,
    private readonly eager: ConstEval,
    private readonly bypass: Bypass,
  ) {}

  /** The constant tensor `name`, evaluated on demand (same values as the eager evaluator). */
  get(name: string): Lazy {
    const cached = this.memo.get(name);
    if (cached !== undefined) return cached;
    const through = this.bypass(name);
    const node = this.g.producer(name);
    let result: Lazy;
    if (through !== undefined) result = this.get(through);
    else if (node === undefined || node.opType === "Constant" || this.g.isData(name))
      result = this.full(name);
    else result = this.viaNode(node, name);
    this.memo.set(name, result);
    return result;
  }

  private full(name: string): Lazy {
    const a = this.eager.value(name);
    return materialised(a.shape, a.data);
  }

  private viaNode(node: NodeProto, name: string): Lazy {
    const lazy = (node.output ?? []).length === 1 ? this.indexMap(node) : null;
    if (lazy === null) return this.full(name);
    const n = count(lazy.shape);
    if (n > MATERIALISE_LIMIT) return lazy;
    const inputs = inputsOf(node)
      .filter((i) => i !== "")
      .map((i) => this.get(i));
    if (inputs.every((x) => x.data !== undefined)) {
      // Small inputs, small output: the eager evaluator's vectorised op is the fast way.
      const out = this.eager.runNode(node, (input) => {
        const x = this.get(input);
        return { shape: x.shape, data: x.data! };
      });
      const value = out[(node.output ?? []).indexOf(name)]!;
      return materialised(value.shape, value.data);
    }
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = lazy.at(i);
    return materialised(lazy.shape, data);
  }

  private input(node: NodeProto, i: number): Lazy {
    return this.get(inputsOf(node)[i] ?? "");
  }

  private smallInts(node: NodeProto, i: number, attr: string): number[] | undefined {
    const name = inputsOf(node)[i];
    return name ? [...this.eager.value(name).data] : attrInts(node, attr);
  }

  /** An index-mapped view of the node's output, or null when the op has none here. */
  private indexMap(node: NodeProto): Lazy | null {
    const type = op(node);
    const unary = UNARY[type];
    if (unary !== undefined) {
      const x = this.input(node, 0);
      return { shape: x.shape, at: (i) => unary(x.at(i)) };
    }
    const binary = BINARY[type];
    if (binary !== undefined) {
      const x = this.input(node, 0);
      const y = this.input(node, 1);
      const shape = broadcastShape(x.shape, y.shape);
      if (shape === null) return null;
      const mx = broadcastMap(x.shape, shape);
      const my = broadcastMap(y.shape, shape);
      return { shape, at: (i) => binary(x.at(mx(i)), y.at(my(i))) };
    }
    switch (type) {
      case "Identity":
        return this.input(node, 0);
      case "Cast":
        return this.cast(node);
      case "Clip": {
        const x = this.input(node, 0);
        const [, lo, hi] = inputsOf(node);
        const min = lo ? this.eager.value(lo).data[0]! : attrFloat(node, "min", -Infinity);
        const max = hi ? this.eager.value(hi).data[0]! : attrFloat(node, "max", Infinity);
        return { shape: x.shape, at: (i) => Math.min(Math.max(x.at(i), min), max) };
      }
      case "Reshape":
      case "Unsqueeze":
      case "Squeeze":
      case "Flatten":
        return this.relabel(node);
      case "Transpose":
        return this.transpose(node);
      case "ReduceSum":
      case "ReduceMean":
        return this.reduce(node, type === "ReduceMean");
      default:
        return null;
    }
  }

  private cast(node: NodeProto): Lazy | null {
    const x = this.input(node, 0);
    const to = attrInt(node, "to", DT.FLOAT);
    if (to === DT.FLOAT) return { shape: x.shape, at: (i) => Math.fround(x.at(i)) };
    if (to === DT.DOUBLE) return x;
    if (integerBits(to) !== null || to === DT.INT64)
      return { shape: x.shape, at: (i) => Math.trunc(x.at(i)) };
    return null;
  }

  /** Layout ops that keep the row-major order: only the shape changes (the eager rules give it). */
  private relabel(node: NodeProto): Lazy | null {
    const x = this.input(node, 0);
    const shape = this.relabelledShape(node, x.shape);
    return shape === null || count(shape) !== count(x.shape) ? null : { shape, at: x.at };
  }

  private relabelledShape(node: NodeProto, shape: readonly number[]): number[] | null {
    const rank = shape.length;
    switch (op(node)) {
      case "Reshape": {
        const target = this.smallInts(node, 1, "shape");
        if (target === undefined) return null;
        const out = target.map((d, i) =>
          d === 0 && attrInt(node, "allowzero", 0) === 0 ? shape[i]! : d,
        );
        const hole = out.indexOf(-1);
        if (hole >= 0) out[hole] = count(shape) / count(out.filter((d) => d !== -1));
        return out;
      }
      case "Unsqueeze": {
        const axes = this.smallInts(node, 1, "axes") ?? [];
        const outRank = rank + axes.length;
        const set = new Set(axes.map((a) => (a < 0 ? a + outRank : a)));
        const out: number[] = [];
        let j = 0;
        for (let i = 0; i < outRank; i++) out.push(set.has(i) ? 1 : shape[j++]!);
        return out;
      }
      case "Squeeze": {
        const axes = this.smallInts(node, 1, "axes");
        const set = new Set((axes ?? []).map((a) => (a < 0 ? a + rank : a)));
        return shape.filter((d, i) => (axes === undefined ? d !== 1 : !set.has(i)));
      }
      case "Flatten": {
        const axis = attrInt(node, "axis", 1);
        const at = axis < 0 ? axis + rank : axis;
        return [count(shape.slice(0, at)), count(shape.slice(at))];
      }
      default:
        return null;
    }
  }

  private transpose(node: NodeProto): Lazy {
    const x = this.input(node, 0);
    const rank = x.shape.length;
    const perm = attrInts(node, "perm") ?? x.shape.map((_, i) => rank - 1 - i);
    const shape = perm.map((p) => x.shape[p]!);
    const outStrides = stridesOf(shape);
    const inStrides = stridesOf(x.shape);
    return {
      shape,
      at: (i) => {
        let rem = i;
        let idx = 0;
        for (let d = 0; d < rank; d++) {
          const q = Math.floor(rem / outStrides[d]!);
          rem -= q * outStrides[d]!;
          idx += q * inStrides[perm[d]!]!;
        }
        return x.at(idx);
      },
    };
  }

  private reduce(node: NodeProto, mean: boolean): Lazy | null {
    const x = this.input(node, 0);
    const rank = x.shape.length;
    const given = this.smallInts(node, 1, "axes");
    if (given === undefined || given.length === 0) return null;
    const axes = new Set(given.map((a) => (a < 0 ? a + rank : a)));
    const keep = attrInt(node, "keepdims", 1) === 1;
    const kept = x.shape.map((_, d) => d).filter((d) => !axes.has(d));
    const reduced = [...axes].sort((a, b) => a - b);
    const inStrides = stridesOf(x.shape);
    const keptShape = kept.map((d) => x.shape[d]!);
    const keptStrides = stridesOf(keptShape);
    const terms = count(reduced.map((d) => x.shape[d]!));
    const shape = keep ? x.shape.map((n, d) => (axes.has(d) ? 1 : n)) : keptShape;
    return {
      shape,
      at: (i) => {
        let rem = i;
        let base = 0;
        for (let k = 0; k < kept.length; k++) {
          const q = Math.floor(rem / keptStrides[k]!);
          rem -= q * keptStrides[k]!;
          base += q * inStrides[kept[k]!]!;
        }
        let acc = 0;
        for (let t = 0; t < terms; t++) {
          let r = t;
          let idx = base;
          for (let k = reduced.length - 1; k >= 0; k--) {
            const n = x.shape[reduced[k]!]!;
            idx += (r % n) * inStrides[reduced[k]!]!;
            r = Math.floor(r / n);
          }
          acc += x.at(idx);
        }
        return mean ? acc / terms : acc;
      },
    };
  }
}
