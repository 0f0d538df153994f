// The `ssm` op on the arrays (docs/chip-arithmetic.md §3): the input quantized to DAC codes,
// then one read of every array per time step (L reads folded, L + 1 lagged: the last one
// flushes y(L-1)), each read computing all readouts from the registers as they were before
// it, then the new codes committed; finally y dequantized by the periphery.

import { clamp, fround, roundHalfEven } from "../arith/numeric.js";
import { fail } from "../diag/error.js";
import type { HardwareProgram } from "../ir/hardware.js";
import { dataOf } from "../ir/tensor.js";
import { indexCrossbar, type ReadableCrossbar, type ReadoutTarget } from "./crossbar.js";
import { type Buffer, makeBuffer, maxAbs, sampleCode, sampleScale } from "./periphery.js";
import type { SsmOp } from "./program.js";
import { planReads, type ReadPlan, readAll } from "./read-plan.js";

/** The plan of one op's reads, and where each readout's code goes in the op's `next` sums. */
export interface BoundReads {
  readonly plan: ReadPlan;
  /** The signals written, and each one's offset in `next`. */
  readonly signals: readonly number[];
  readonly offsets: readonly number[];
  /** Per readout: offset of its signal + its element, and whether it is a mirror column. */
  readonly destination: Int32Array;
  readonly mirror: Uint8Array;
  /** How many mirror columns are read (and checked). */
  readonly mirrors: number;
  /** Per readout: what one code adds to the register (2^shift). */
  readonly step: Float64Array;
  /** The readouts that are not mirror columns: those committed. */
  readonly primaries: Int32Array;
  /** Every primary's step is 1 (no shifted codes): its code is added as it is. */
  readonly unitSteps: boolean;
  /** Some step is a fraction (a negative shift): the commit rounds each element's sum. */
  readonly fractional: boolean;
  readonly size: number;
}

export class ArrayEngine {
  private readonly crossbars: ReadableCrossbar[];
  private readonly bindings = new Map<string, BoundReads>();
  /** All signals' registers in one file; `registers[s]` is signal s's view of it. */
  private readonly file: Int32Array;
  readonly registers: Int32Array[];

  constructor(private readonly hw: HardwareProgram) {
    const offsets: number[] = [];
    let size = 0;
    for (const s of hw.signals) {
      offsets.push(size);
      size += s.length;
    }
    this.file = new Int32Array(size);
    this.registers = hw.signals.map((s, i) =>
      this.file.subarray(offsets[i]!, offsets[i]! + s.length),
    );
    this.crossbars = hw.crossbars.map((c) => indexCrossbar(c, hw.params.levels, offsets));
  }

  /** The reads that write the given signals (computed once per op, then looked up per call). */
  bind(signals: readonly number[]): BoundReads {
    const key = signals.join(",");
    const known = this.bindings.get(key);
    if (known !== undefined) return known;
    const plan = planReads(this.crossbars, signals);
    const offsets: number[] = [];
    let size = 0;
    for (const s of signals) {
      offsets.push(size);
      size += this.registers[s]!.length;
    }
    const at = (t: ReadoutTarget) => offsets[signals.indexOf(t.signal)]! + t.element;
    const primaries = plan.targets.flatMap((t, r) => (t.polarity < 0 ? [] : [r]));
    const bound: BoundReads = {
      plan,
      signals,
      offsets,
      destination: Int32Array.from(plan.targets, at),
      mirror: Uint8Array.from(plan.targets, (t) => (t.polarity < 0 ? 1 : 0)),
      mirrors: plan.targets.filter((t) => t.polarity < 0).length,
      step: Float64Array.from(plan.targets, (t) => t.step),
      primaries: Int32Array.from(primaries),
      unitSteps: primaries.every((r) => plan.targets[r]!.step === 1),
      fractional: plan.targets.some((t) => t.step < 1),
      size,
    };
    this.bindings.set(key, bound);
    return bound;
  }

  /**
   * One read of `bound` and its commit (docs/chip-arithmetic.md §2): each element's sum of
   * shifted primary codes (exact in binary64, the verifier checks: E433), rounded half to even
   * when shifts are negative; an accumulating signal adds it to the register, any other
   * replaces it.
   */
  readAndCommit(bound: BoundReads, work: ReadWork, t: number): void {
    readAll(bound.plan, this.file, work.codes);
    sumCodes(bound, work);
    if (bound.mirrors > 0) this.checkMirrors(bound, work, t);
    const { next } = work;
    if (bound.fractional) for (let d = 0; d < bound.size; d++) next[d] = roundHalfEven(next[d]!);
    for (let k = 0; k < bound.signals.length; k++) {
      const { limit, accumulate } = this.hw.signals[bound.signals[k]!]!;
      const reg = this.registers[bound.signals[k]!]!;
      const sums = next.subarray(bound.offsets[k]!, bound.offsets[k]! + reg.length);
      commitSignal(reg, sums, limit, accumulate === true);
    }
  }

  /**
   * The mirror columns read (those not proven to agree, read-plan.ts) compute the negation of
   * their element's sum; on the ideal chip they always agree, else E351 at step `t`.
   */
  private checkMirrors(bound: BoundReads, work: ReadWork, t: number): void {
    const { plan, destination, mirror, step } = bound;
    const { codes, next, negated, mirrored } = work;
    negated.fill(0);
    mirrored.fill(0);
    for (let r = 0; r < plan.count; r++) {
      if (mirror[r] === 0) continue;
      const d = destination[r]!;
      negated[d] = negated[d]! - codes[r]! * step[r]!;
      mirrored[d] = 1;
    }
    for (let d = 0; d < bound.size; d++) {
      if (mirrored[d] === 0 || negated[d] === next[d]) continue;
      const k = bound.offsets.findLastIndex((o) => o <= d);
      const signal = this.hw.signals[bound.signals[k]!]!.name;
      fail("QS4D-E351", { signal, element: d - bound.offsets[k]!, step: t });
    }
  }

  /** Read `t` of `bound` (one signal) with `input` driven by `codes`: its new codes. */
  readOnce(
    bound: BoundReads,
    input: number,
    codes: Int32Array,
    work: ReadWork,
    t: number,
  ): Int32Array {
    this.registers[input]!.set(codes);
    this.readAndCommit(bound, work, t);
    return this.registers[bound.signals[0]!]!;
  }

  /** Runs the arrays of `op` on input codes uq [L, H]; returns output codes [L, H]. */
  runCodes(op: SsmOp, uq: Int32Array, length: number): Int32Array {
    const run = new SsmRun(this, op);
    const head = run.push(uq, length);
    const tail = run.finish();
    const yq = new Int32Array(length * run.H);
    yq.set(head.yq);
    yq.set(tail.yq, head.yq.length);
    return yq;
  }
}

/** Output codes of some steps and the input codes of the same steps (for D u). */
export interface StepCodes {
  readonly yq: Int32Array;
  readonly uq: Int32Array;
}

/**
 * The arrays of one `ssm` op over one sample, fed its input codes a run of steps at a time:
 * read t drives u(t) (and u(t - 1) on the delayed input) and, for a lagged output, converts
 * y(t - 1); `finish` makes the last read (input 0) that flushes y(L - 1). Pushing the whole
 * sequence at once or in pieces makes the same reads in the same order.
 */
export class SsmRun {
  readonly H: number;
  private readonly bound: BoundReads;
  private readonly work: ReadWork;
  private readonly lagged: boolean;
  /** Reads made so far, and the input codes of the last one (u(t - 1) for the next). */
  private t = 0;
  private readonly last: Int32Array;

  constructor(
    private readonly engine: ArrayEngine,
    private readonly op: SsmOp,
  ) {
    this.H = engine.registers[op.inputSignal]!.length;
    this.bound = engine.bind([op.stateSignal, op.outputSignal]);
    this.work = readWork(this.bound);
    this.lagged = op.outputMode === "lagged";
    this.last = new Int32Array(this.H);
    for (const s of [op.inputSignal, op.inputDelayedSignal, ...this.bound.signals])
      if (s >= 0) engine.registers[s]!.fill(0);
  }

  /** Input codes uq [rows, H] of the next steps: the output codes they complete. */
  push(uq: Int32Array, rows: number): StepCodes {
    const { H } = this;
    // A lagged output is one step behind: the first read of the sample converts nothing.
    const skip = this.lagged && this.t === 0 ? 1 : 0;
    const out = this.outputs(rows - skip);
    const regs = this.engine.registers;
    for (let r = 0; r < rows; r++) {
      const row = uq.subarray(r * H, (r + 1) * H);
      this.read(row);
      if (r >= skip) {
        // The step converted: r (y(t)) or the one before (y(t - 1), whose input is the
        // previous row, or the previous push's last one).
        const input = !this.lagged ? row : r > 0 ? uq.subarray((r - 1) * H, r * H) : this.last;
        out.yq.set(regs[this.op.outputSignal]!, (r - skip) * H);
        out.uq.set(input, (r - skip) * H);
      }
      if (this.op.inputDelayedSignal >= 0) regs[this.op.inputDelayedSignal]!.set(row);
    }
    if (rows > 0) this.last.set(uq.subarray((rows - 1) * H, rows * H));
    return out;
  }

  /** The last read of a lagged output (input 0): y(L - 1); nothing otherwise. */
  finish(): StepCodes {
    if (!this.lagged || this.t === 0) return this.outputs(0);
    const out = this.outputs(1);
    this.read(new Int32Array(this.H));
    out.yq.set(this.engine.registers[this.op.outputSignal]!);
    out.uq.set(this.last);
    return out;
  }

  private outputs(rows: number): StepCodes {
    return { yq: new Int32Array(rows * this.H), uq: new Int32Array(rows * this.H) };
  }

  /** Read t, its input driven by `row`. */
  private read(row: Int32Array): void {
    this.engine.registers[this.op.inputSignal]!.set(row);
    this.engine.readAndCommit(this.bound, this.work, this.t);
    this.t++;
  }
}

/** The scratch of one op's reads, allocated once per op call, not per step. */
/** Each written element's sum of its primaries' shifted codes, into `work.next`. */
function sumCodes(bound: BoundReads, work: ReadWork): void {
  const { destination, primaries, step } = bound;
  const { codes, next } = work;
  next.fill(0);
  // The same sums either way: a code times a step of 1 is the code.
  if (bound.unitSteps) {
    for (let i = 0; i < primaries.length; i++) {
      const r = primaries[i]!;
      next[destination[r]!]! += codes[r]!;
    }
  } else {
    for (let i = 0; i < primaries.length; i++) {
      const r = primaries[i]!;
      next[destination[r]!]! += codes[r]! * step[r]!;
    }
  }
}

/** A signal's registers from its elements' sums: added to them when it accumulates, clamped. */
function commitSignal(
  reg: Int32Array,
  sums: Float64Array,
  limit: number,
  accumulate: boolean,
): void {
  if (accumulate) for (let e = 0; e < reg.length; e++) sums[e]! += reg[e]!;
  for (let e = 0; e < reg.length; e++) reg[e] = clamp(sums[e]!, -limit, limit);
}

export interface ReadWork {
  /** Per readout: its code (within int32: the readout limits are, E432). */
  readonly codes: Int32Array;
  readonly next: Float64Array;
  readonly negated: Float64Array;
  readonly mirrored: Uint8Array;
}

export function readWork(bound: BoundReads): ReadWork {
  return {
    codes: new Int32Array(bound.plan.count),
    next: new Float64Array(bound.size),
    negated: new Float64Array(bound.size),
    mirrored: new Uint8Array(bound.size),
  };
}

/**
 * DAC codes of the SSM input and the scale s of a per-sample quantizer (1 when static): s from
 * `maxAbs`, the largest |u| of the whole sequence, by default u's own.
 */
export function quantizeInput(
  op: SsmOp,
  u: Buffer,
  sequenceMax = maxAbs(u.data),
): { uq: Int32Array; scale: number } {
  const uq = new Int32Array(u.data.length);
  const q = op.inputQuant;
  if (q.kind === "sample") {
    const scale = sampleScale(sequenceMax, q.levels);
    for (let i = 0; i < uq.length; i++) uq[i] = sampleCode(u.data[i]!, scale, q.levels);
    return { uq, scale };
  }
  const su = dataOf(q.scale);
  const H = u.cols;
  for (let i = 0; i < uq.length; i++) {
    uq[i] = clamp(roundHalfEven(fround(u.data[i]! / su[i % H]!)), -q.limit, q.limit);
  }
  return { uq, scale: 1 };
}

/** y = f32(code * sy[h]) (/ s per sample), plus D * u digitally when the target says so. */
export function dequantizeOutput(
  op: SsmOp,
  yq: Int32Array,
  uq: Int32Array,
  scale: number,
  H: number,
): Buffer {
  const sy = dataOf(op.outputScale);
  const d = op.digitalD === null ? null : dataOf(op.digitalD);
  const su = op.inputQuant.kind === "static" ? dataOf(op.inputQuant.scale) : null;
  const out = makeBuffer(yq.length / H, H);
  for (let i = 0; i < yq.length; i++) {
    const h = i % H;
    let y = fround(yq[i]! * sy[h]!);
    if (op.inputQuant.kind === "sample") y = fround(y / scale);
    if (d !== null) {
      const u = su === null ? fround(uq[i]! / scale) : fround(uq[i]! * su[h]!);
      y = fround(y + fround(d[h]! * u));
    }
    out.data[i] = y;
  }
  return out;
}
