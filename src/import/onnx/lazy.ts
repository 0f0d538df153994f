// Demand-driven evaluation of large constant tensors. The in-graph kernel builds [H, M, L]
// intermediates (H channels, M modes, L taps): for H = 128, M = 64, L = 1024 that is 8.4 M
// elements each, about fifteen of them per layer, and a quantized export that computes dA^l by
// binary powering has some two hundred of them. The importer only needs the kernel at sample
// points to compare it with the kernel of the recovered parameters, so a large tensor is
// evaluated on a sub-grid: per axis, the coordinates wanted (or the whole axis).
//
// The wanted coordinates go from the tensor asked for back towards the leaves through the ops
// that have an axis map (elementwise ops with broadcasting, Expand, reductions, layout ops),
// each shared tensor once, on the union of what its consumers want; the ops then run
// vectorised, by the eager evaluator, on the sliced operands. An axis a reduction sums over is
// wanted whole; a broadcast axis of an operand is coordinate 0. Leaves, small tensors and ops
// without an axis map are evaluated in full by the eager evaluator and sliced. Every value is
// the eager evaluator's value, bit for bit: the same float64 operations on the same operands,
// reductions over whole axes in the same order. The work is the size of the sub-grid, whatever
// L is.

import { binaryOp, broadcastShape } from "./elementwise.js";
import { type Bypass, type ConstEval, count } from "./evaluate.js";
import { attrInt, attrInts, inputsOf, type OnnxGraph, op } from "./graph.js";
import type { NodeProto } from "./proto.js";
import { type Arr, allocateValues } from "./tensor.js";

/** Per axis, the wanted coordinates (ascending, distinct), or null for the whole axis. */
export type Coords = readonly (readonly number[] | null)[];

/** Tensors up to this many elements (with small operands) are computed in full, once. */
const MATERIALISE_LIMIT = 1 << 16;

const ELEMENTWISE = new Set([
  "Neg",
  "Abs",
  "Exp",
  "Log",
  "Sqrt",
  "Reciprocal",
  "Cos",
  "Sin",
  "Round",
  "Floor",
  "Ceil",
  "Cast",
  "Clip",
]);
const BINARY = new Set(["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"]);
const RELABEL = new Set(["Reshape", "Unsqueeze", "Squeeze", "Flatten"]);
const REDUCE = new Set(["ReduceSum", "ReduceMean"]);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function whole(rank: number): Coords {
  return new Array<null>(rank).fill(null);
}

/** Extent of each axis of the sub-grid. */
function extents(coords: Coords, shape: readonly number[]): number[] {
  return shape.map((n, d) => coords[d]?.length ?? n);
}

/** A whole axis is null, also when it is listed coordinate by coordinate. */
function normalised(coords: Coords, shape: readonly number[]): Coords {
  return coords.map((c, d) => (c === null || c.length === shape[d] ? null : c));
}

/** The union of several requests for the same tensor. */
function union(requests: readonly Coords[], shape: readonly number[]): Coords {
  return normalised(
    shape.map((_, d) => {
      if (requests.some((r) => r[d] === null)) return null;
      const set = new Set<number>();
      for (const r of requests) for (const c of r[d]!) set.add(c);
      return [...set].sort((a, b) => a - b);
    }),
    shape,
  );
}

/**
 * The values of `want` taken from values held on the sub-grid `have` (which contains it) of a
 * tensor of `shape`.
 */
function select(value: Arr, have: Coords, want: Coords, shape: readonly number[]): Arr {
  const rank = shape.length;
  const picks: (number[] | null)[] = shape.map((n, d) => {
    const h = have[d] ?? null;
    const w = want[d] ?? null;
    if (w === null) {
      if (h !== null) throw new Error("internal: a whole axis asked of a partial sub-grid");
      return null;
    }
    if (h === null) return w.length === n ? null : [...w];
    if (h.length === w.length && h.every((c, k) => c === w[k])) return null;
    const at = new Map(h.map((c, k) => [c, k]));
    return w.map((c) => at.get(c)!);
  });
  if (picks.every((p) => p === null)) return value;
  const inShape = extents(have, shape);
  const outShape = extents(want, shape);
  const inStrides = stridesOf(inShape);
  const n = count(outShape);
  const out = allocateValues(n);
  const pos = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) flat += (picks[d]?.[pos[d]!] ?? pos[d]!) * inStrides[d]!;
    out[i] = value.data[flat]!;
    for (let d = rank - 1; d >= 0; d--) {
      pos[d]!++;
      if (pos[d]! < outShape[d]!) break;
      pos[d] = 0;
    }
  }
  return { shape: outShape, data: out };
}

/** How a large tensor's sub-grid values come from its operands' sub-grids. */
interface Plan {
  readonly node: NodeProto;
  readonly shape: readonly number[];
  /** The operands that are sliced (the others: axes, target shapes, clip bounds, read whole). */
  readonly operands: readonly string[];
  /** The sub-grid of each operand that the output sub-grid `out` needs. */
  request(out: Coords): Coords[];
  /** The output on `out` from the operands on their requested sub-grids. */
  compute(operands: readonly Arr[], out: Coords): Arr;
}

export class LazyEval {
  private readonly plans = new Map<string, Plan | null>();
  private readonly shapes = new Map<string, readonly number[]>();
  private readonly cheap = new Map<string, boolean>();

  constructor(
    private readonly g: OnnxGraph,
    private readonly eager: ConstEval,
    private readonly bypass: Bypass,
  ) {}

  /** The tensor whose values `name` has: through the float view's bypasses and Identity. */
  private resolve(name: string): string {
    let t = name;
    for (let guard = 0; guard < 1000; guard++) {
      const through = this.bypass(t);
      if (through !== undefined) {
        t = through;
        continue;
      }
      const node = this.g.producer(t);
      if (node === undefined || op(node) !== "Identity" || this.g.isInitializer(t)) return t;
      t = inputsOf(node)[0] ?? "";
    }
    return t;
  }

  /** The shape of the constant tensor `name` (computed without its values when it is large). */
  shape(name: string): readonly number[] {
    const t = this.resolve(name);
    const known = this.shapes.get(t);
    if (known !== undefined) return known;
    const shape = this.plan(t)?.shape ?? this.eager.value(t).shape;
    this.shapes.set(t, shape);
    return shape;
  }

  /** Values at flat (row-major) indices; only the sub-grid the indices span is evaluated. */
  sample(name: string, indices: readonly number[]): Float64Array {
    const shape = this.shape(name);
    const strides = stridesOf(shape);
    const sets = shape.map(() => new Set<number>());
    const points = indices.map((i) => {
      let rem = i;
      return shape.map((_, d) => {
        const q = Math.floor(rem / strides[d]!);
        rem -= q * strides[d]!;
        sets[d]!.add(q);
        return q;
      });
    });
    const coords = normalised(
      sets.map((s) => [...s].sort((a, b) => a - b)),
      shape,
    );
    const values = this.grid(name, coords);
    const at = coords.map((c) => (c === null ? null : new Map(c.map((v, k) => [v, k]))));
    const gridStrides = stridesOf(extents(coords, shape));
    return Float64Array.from(points, (p) => {
      let flat = 0;
      for (let d = 0; d < p.length; d++) flat += (at[d]?.get(p[d]!) ?? p[d]!) * gridStrides[d]!;
      return values.data[flat]!;
    });
  }

  /** The values of `name` on the sub-grid `coords`, dense, in row-major order. */
  grid(name: string, coords: Coords): Arr {
    const target = this.resolve(name);
    const shape = this.shape(target);
    const wanted = normalised(coords, shape);
    if (this.isCheap(target)) {
      return select(this.eager.value(target), whole(shape.length), wanted, shape);
    }
    // Large tensors of the subgraph, operands first.
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (t: string) => {
      if (seen.has(t)) return;
      seen.add(t);
      for (const o of this.plan(t)!.operands) {
        const r = this.resolve(o);
        if (!this.isCheap(r)) visit(r);
      }
      order.push(t);
    };
    visit(target);
    // Backward: the union of what the consumers want, and what each operand is asked for.
    const requests = new Map<string, Coords[]>([[target, [wanted]]]);
    const held = new Map<string, Coords>();
    const asked = new Map<string, Coords[]>();
    const users = new Map<string, number>();
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k]!;
      const plan = this.plan(t)!;
      const have = union(requests.get(t)!, plan.shape);
      held.set(t, have);
      const needs = plan.request(have).map((c, i) => normalised(c, this.shape(plan.operands[i]!)));
      asked.set(t, needs);
      plan.operands.forEach((o, i) => {
        const r = this.resolve(o);
        if (this.isCheap(r)) return;
        requests.set(r, [...(requests.get(r) ?? []), needs[i]!]);
        users.set(r, (users.get(r) ?? 0) + 1);
      });
    }
    // Forward: each tensor on its sub-grid, released once its last consumer has run.
    const values = new Map<string, Arr>();
    for (const t of order) {
      const plan = this.plan(t)!;
      const needs = asked.get(t)!;
      const operands = plan.operands.map((o, i) => {
        const r = this.resolve(o);
        const shape = this.shape(r);
        if (this.isCheap(r))
          return select(this.eager.value(r), whole(shape.length), needs[i]!, shape);
        const value = select(values.get(r)!, held.get(r)!, needs[i]!, shape);
        const left = users.get(r)! - 1;
        users.set(r, left);
        if (left === 0) values.delete(r);
        return value;
      });
      values.set(t, plan.compute(operands, held.get(t)!));
    }
    return select(values.get(target)!, held.get(target)!, wanted, shape);
  }

  /** Small and computed from small tensors only (or not sliceable): evaluated whole, once. */
  private isCheap(t: string): boolean {
    const known = this.cheap.get(t);
    if (known !== undefined) return known;
    const plan = this.plan(t);
    const cheap =
      plan === null ||
      (count(plan.shape) <= MATERIALISE_LIMIT &&
        plan.operands.every((o) => this.isCheap(this.resolve(o))));
    this.cheap.set(t, cheap);
    return cheap;
  }

  /** The plan of a computed tensor; null for leaves and for ops without an axis map here. */
  private plan(t: string): Plan | null {
    if (this.plans.has(t)) return this.plans.get(t)!;
    const node = this.g.producer(t);
    const computed =
      node !== undefined &&
      node.opType !== "Constant" &&
      !this.g.isInitializer(t) &&
      !this.g.isData(t) &&
      (node.output ?? []).length === 1;
    const plan = computed ? this.planOf(node) : null;
    this.plans.set(t, plan);
    return plan;
  }

  private planOf(node: NodeProto): Plan | null {
    const type = op(node);
    const inputs = inputsOf(node);
    const x = inputs[0] ?? "";
    if (x === "") return null;
    if (ELEMENTWISE.has(type)) {
      return this.eagerPlan(node, this.shape(x), [x], (out) => [out]);
    }
    if (BINARY.has(type)) {
      const y = inputs[1] ?? "";
      if (y === "") return null;
      const sx = this.shape(x);
      const sy = this.shape(y);
      const shape = broadcastShape(sx, sy);
      if (shape === null) return null;
      return this.eagerPlan(node, shape, [x, y], (out) => [
        broadcastRequest(sx, shape, out),
        broadcastRequest(sy, shape, out),
      ]);
    }
    if (type === "Transpose") {
      const rank = this.shape(x).length;
      const perm = attrInts(node, "perm") ?? [...Array(rank).keys()].reverse();
      if (perm.length !== rank || new Set(perm).size !== rank) return null;
      const shape = perm.map((p) => this.shape(x)[p]!);
      return this.eagerPlan(node, shape, [x], (out) => {
        const c: (readonly number[] | null)[] = whole(rank).slice();
        perm.forEach((p, d) => {
          c[p] = out[d]!;
        });
        return [c];
      });
    }
    if (type === "Expand") return this.expandPlan(node, x);
    if (REDUCE.has(type)) return this.reducePlan(node, x);
    if (RELABEL.has(type)) return this.relabelPlan(node, x);
    return null;
  }

  /** A plan whose output the eager evaluator computes from the sliced operands. */
  private eagerPlan(
    node: NodeProto,
    shape: readonly number[],
    operands: readonly string[],
    request: (out: Coords) => Coords[],
  ): Plan {
    return {
      node,
      shape,
      operands,
      request,
      compute: (values) => {
        const given = new Map(operands.map((o, i) => [o, values[i]!]));
        const out = this.eager.runNode(node, (name) => given.get(name) ?? this.eager.value(name));
        return out[0]!;
      },
    };
  }

  /** Expand is a broadcast against zeros of the target shape (as the eager evaluator has it). */
  private expandPlan(node: NodeProto, x: string): Plan | null {
    const target = this.smallInts(node, 1, "shape");
    if (target === undefined) return null;
    const inShape = this.shape(x);
    const shape = broadcastShape(inShape, target);
    if (shape === null) return null;
    return {
      node,
      shape,
      operands: [x],
      request: (out) => [broadcastRequest(inShape, shape, out)],
      compute: ([value], out) => {
        const zeros = {
          shape: extents(out, shape),
          data: allocateValues(count(extents(out, shape))),
        };
        return binaryOp("Add", value!, zeros)!;
      },
    };
  }

  private reducePlan(node: NodeProto, x: string): Plan | null {
    const inShape = this.shape(x);
    const rank = inShape.length;
    const given = this.smallInts(node, 1, "axes");
    const keep = attrInt(node, "keepdims", 1) === 1;
    if (given === undefined || given.length === 0) {
      if (attrInt(node, "noop_with_empty_axes", 0) === 1) {
        return this.eagerPlan(node, inShape, [x], (out) => [out]);
      }
    }
    const axes = new Set(
      given === undefined || given.length === 0
        ? inShape.map((_, d) => d)
        : given.map((a) => (a < 0 ? a + rank : a)),
    );
    if ([...axes].some((a) => a < 0 || a >= rank)) return null;
    const kept = inShape.map((_, d) => d).filter((d) => !axes.has(d));
    const shape = keep
      ? inShape.map((n, d) => (axes.has(d) ? 1 : n))
      : kept.map((d) => inShape[d]!);
    return this.eagerPlan(node, shape, [x], (out) => [
      inShape.map((_, d) => {
        if (axes.has(d)) return null;
        return keep ? out[d]! : out[kept.indexOf(d)]!;
      }),
    ]);
  }

  /**
   * Layout ops that keep the row-major order. When they only insert or remove axes of size 1,
   * every other axis keeps its coordinates; otherwise (axes merged or split) the operand is
   * asked for whole and the output sliced.
   */
  private relabelPlan(node: NodeProto, x: string): Plan | null {
    const inShape = this.shape(x);
    const shape = this.relabelledShape(node, inShape);
    if (shape === null || count(shape) !== count(inShape)) return null;
    const inAxes = inShape.map((_, d) => d).filter((d) => inShape[d] !== 1);
    const outAxes = shape.map((_, d) => d).filter((d) => shape[d] !== 1);
    const aligned =
      inAxes.length === outAxes.length && inAxes.every((d, k) => inShape[d] === shape[outAxes[k]!]);
    if (aligned) {
      return {
        node,
        shape,
        operands: [x],
        request: (out) => [
          inShape.map((_, d) => {
            const k = inAxes.indexOf(d);
            return k < 0 ? null : out[outAxes[k]!]!;
          }),
        ],
        compute: ([value], out) => ({ shape: extents(out, shape), data: value!.data }),
      };
    }
    return {
      node,
      shape,
      operands: [x],
      request: () => [whole(inShape.length)],
      compute: ([value], out) =>
        select({ shape, data: value!.data }, whole(shape.length), out, shape),
    };
  }

  private smallInts(node: NodeProto, i: number, attr: string): number[] | undefined {
    const name = inputsOf(node)[i];
    return name ? [...this.eager.value(name).data] : attrInts(node, attr);
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
}

/** The sub-grid of a broadcast operand of shape `operand` that the output sub-grid needs. */
function broadcastRequest(
  operand: readonly number[],
  out: readonly number[],
  coords: Coords,
): Coords {
  const offset = out.length - operand.length;
  return operand.map((n, d) => (n === 1 ? null : coords[d + offset]!));
}
