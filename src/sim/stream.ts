// The chip program as a stream of time steps (docs/simulator.md §2). Each op is a node that
// takes one row (time step) of its inputs and emits rows of its output; buffers are queues
// that keep a row only until every consumer has read it, so a sample whose ops are all
// row-wise (static DAC scales) runs in memory independent of its length. The lagged SSM
// emits y(t-1) after read t and y(L-1) after the flush read; residual adds wait for the
// other branch's row. Ops that need a statistic of the whole sequence (the per-sample max
// quantizers: `fake-quant`, an SSM with a per-sample input scale, `crossbar-linear`) hold
// their input until it ends: those are the only buffers that grow with the length.

import { fail } from "../diag/error.js";
import type { ChipImage, ChipOp } from "../emit/chip-image.js";
import { sampleCode, sampleScale, staticCode } from "./arith.js";
import { type ReadGroup, readGroup } from "./conversions.js";
import type { ReadEngine, ReadProbe } from "./engine.js";
import { HeldRows, HOLD_BUDGET_BYTES } from "./held-rows.js";
import type { ChipLayout } from "./layout.js";
import {
  addKernel,
  batchNormKernel,
  geluKernel,
  gluKernel,
  layerNormKernel,
  linearKernel,
  type RowKernel,
  reluKernel,
} from "./periphery.js";

type Op<K extends ChipOp["op"]> = Extract<ChipOp, { op: K }>;

/** Observers of a run: per-layer SSM codes (verify) and per-read timing (VCD). */
export interface StreamHooks {
  /** Before each read: which op and which of its reads (0-based) it is. */
  beforeRead?(op: number, read: number): void;
  /** An SSM layer's input codes of step t and its output codes for step t. */
  ssmInput?(layer: number, t: number, uq: Int32Array): void;
  ssmOutput?(layer: number, t: number, yq: Int32Array): void;
  /** Sees every read's conversions (the VCD tracer). */
  readonly probe?: ReadProbe;
}

/**
 * What a stream's ops do between reads, as a generator that yields each read it needs (its
 * group) and resumes once the engine has read it: one sample's stream runs to completion with
 * each read done in place (Stream.run), two samples' streams run side by side with each read
 * done for both at once (runInLockstep).
 */
type Reads = Generator<ReadGroup, void, undefined>;

/** Nothing to read: what `yield*` takes when a step emitted to no ready reader. */
const NO_READS: readonly ReadGroup[] = [];

/** A buffer: rows in order, each kept until all its consumers have read it. */
class Channel {
  readonly queue: Float32Array[] = [];
  /** Index of queue[0]. */
  base = 0;
  ended = false;
  readonly readers: Node[] = [];
  private readonly pool: Float32Array[] = [];

  /** `sink`: the program's result, kept for the runner even though no op reads it. */
  constructor(
    readonly width: number,
    private readonly sink = false,
  ) {}

  push(row: Float32Array): void {
    // A buffer no op reads (and not the result) keeps nothing.
    if (this.readers.length === 0 && !this.sink) this.pool.push(row);
    else this.queue.push(row);
  }

  row(): Float32Array {
    return this.pool.pop() ?? new Float32Array(this.width);
  }

  has(index: number): boolean {
    return index < this.base + this.queue.length;
  }

  at(index: number): Float32Array {
    return this.queue[index - this.base]!;
  }

  /** Drops rows every reader has consumed, keeping their memory for reuse. */
  release(): void {
    let read = Number.POSITIVE_INFINITY;
    for (const r of this.readers) read = Math.min(read, r.cursor);
    while (this.base < read && this.queue.length > 0) {
      this.pool.push(this.queue.shift()!);
      this.base++;
    }
  }

  reset(): void {
    while (this.queue.length > 0) this.pool.push(this.queue.shift()!);
    this.base = 0;
    this.ended = false;
  }
}

abstract class Node {
  cursor = 0;
  /**
   * The node or one downstream of it reads the arrays (set once the program is built): only
   * such nodes run as generators; the others (the decoder after the last layer) run straight.
   */
  reachesReads = true;
  constructor(
    readonly inputs: readonly Channel[],
    readonly output: Channel,
  ) {
    for (const c of inputs) c.readers.push(this);
  }

  /** A row of every input is there to consume. */
  ready(): boolean {
    return this.inputs.every((c) => c.has(this.cursor));
  }

  /** Consumes every aligned row available now; the reads that takes (undefined: none). */
  drain(): Reads | undefined {
    if (this.reachesReads) return this.drainReads();
    while (this.ready()) this.consume();
    return undefined;
  }

  /** One step of a node downstream of no read (its step yields nothing). */
  private consume(): void {
    this.step(this.current());
    this.next();
  }

  private *drainReads(): Reads {
    while (this.ready()) {
      const reads = this.step(this.current());
      if (reads !== undefined) yield* reads;
      this.next();
    }
  }

  /** The inputs' rows at the cursor. */
  private current(): Float32Array[] {
    return this.inputs.map((c) => c.at(this.cursor));
  }

  /** Past the cursor's rows, releasing what every reader has consumed. */
  private next(): void {
    this.cursor++;
    for (const c of this.inputs) c.release();
  }

  /**
   * Queues a row of the output and lets its readers take it at once: an op that emits its whole
   * sequence at the end (a per-sample quantizer) then never has more than a few rows queued
   * behind it, instead of one row object per step (about 3 kB each).
   */
  protected emit(row: Float32Array): Reads | undefined {
    this.output.push(row);
    const readers = this.output.readers;
    if (readers.length === 1) return readers[0]!.ready() ? readers[0]!.drain() : undefined;
    if (!this.reachesReads) {
      // Its readers read nothing either: they drain here and now.
      for (const reader of readers) if (reader.ready()) reader.drain();
      return undefined;
    }
    return readers.some((r) => r.ready()) ? this.drainReaders() : undefined;
  }

  private *drainReaders(): Reads {
    for (const reader of this.output.readers) if (reader.ready()) yield* reader.drain() ?? NO_READS;
  }

  /** Consumes one aligned row of the inputs; undefined: it emitted nothing (so read nothing). */
  abstract step(rows: Float32Array[]): Reads | undefined;
  /** All inputs have ended: emit what is left. */
  finish(): Reads | undefined {
    return undefined;
  }
  reset(): void {
    this.cursor = 0;
  }
}

class RowNode extends Node {
  constructor(
    inputs: Channel[],
    output: Channel,
    private readonly kernel: RowKernel,
  ) {
    super(inputs, output);
  }

  step(rows: Float32Array[]): Reads | undefined {
    const out = this.output.row();
    this.kernel(rows[0]!, out, rows[1] ?? null);
    return this.emit(out);
  }
}

class MeanPoolNode extends Node {
  private readonly sum: Float64Array;
  constructor(input: Channel, output: Channel) {
    super([input], output);
    this.sum = new Float64Array(input.width);
  }

  step([x]: Float32Array[]): undefined {
    for (let c = 0; c < this.sum.length; c++) this.sum[c]! += x![c]!;
    return undefined;
  }

  override *finish(): Reads {
    const out = this.output.row();
    for (let c = 0; c < this.sum.length; c++) out[c] = this.sum[c]! / this.cursor;
    yield* this.emit(out) ?? NO_READS;
  }

  override reset(): void {
    super.reset();
    this.sum.fill(0);
  }
}

/** Holds its whole input (a per-sample statistic is needed), then emits. */
abstract class HoldingNode extends Node {
  protected readonly held: HeldRows;

  constructor(inputs: Channel[], output: Channel, holdBudget: number) {
    super(inputs, output);
    this.held = new HeldRows(inputs[0]!.width, holdBudget);
  }

  step([x]: Float32Array[]): undefined {
    this.held.push(x!);
    return undefined;
  }

  override reset(): void {
    super.reset();
    this.held.clear();
  }
}

class FakeQuantNode extends HoldingNode {
  constructor(
    input: Channel,
    output: Channel,
    private readonly levels: number,
    holdBudget: number,
  ) {
    super([input], output, holdBudget);
  }

  override *finish(): Reads {
    const s = sampleScale(this.held.maxAbs(), this.levels);
    for (const [x] of this.held.rows()) {
      const out = this.output.row();
      for (let i = 0; i < x.length; i++) out[i] = sampleCode(x[i]!, s, this.levels) / s;
      yield* this.emit(out) ?? NO_READS;
    }
  }
}

/** Shared by the SSM and dense nodes: registers of an op and one read. */
class Arrays {
  constructor(
    readonly engine: ReadEngine,
    readonly group: ReadGroup,
    readonly opIndex: number,
    readonly hooks: StreamHooks,
  ) {}

  /** Read number `index` of the op: its group, for the stream's driver to read when yielded. */
  read(index: number): ReadGroup {
    this.hooks.beforeRead?.(this.opIndex, index);
    return this.group;
  }
}

/**
 * One SSM layer on the arrays (docs/chip-arithmetic.md §3). Static input scale: one read per
 * arriving row; per-sample scale: the rows are held until the sequence ends.
 */
class SsmNode extends Node {
  private readonly uq: Int32Array;
  private readonly previous: Int32Array;
  private readonly yq: Int32Array;
  private t = 0;
  private reads = 0;
  private scale = 1;
  private readonly held: HeldRows;
  /** Register offsets of the op's signals (-1: no delayed input), channels, state length. */
  private readonly regs: {
    input: number;
    delayed: number;
    state: number;
    output: number;
    h: number;
    stateLength: number;
  };

  constructor(
    input: Channel,
    output: Channel,
    private readonly op: Op<"ssm">,
    private readonly arrays: Arrays,
    layout: ChipLayout,
    image: ChipImage,
    holdBudget: number,
  ) {
    super([input], output);
    const h = input.width;
    this.uq = new Int32Array(h);
    this.held = new HeldRows(h, holdBudget);
    this.previous = new Int32Array(h);
    this.yq = new Int32Array(h);
    this.regs = {
      input: layout.offset[op.inputSignal]!,
      delayed: op.inputDelayedSignal >= 0 ? layout.offset[op.inputDelayedSignal]! : -1,
      state: layout.offset[op.stateSignal]!,
      output: layout.offset[op.outputSignal]!,
      h,
      stateLength: image.signals[op.stateSignal]!.length,
    };
  }

  override reset(): void {
    super.reset();
    this.t = 0;
    this.reads = 0;
    this.scale = 1;
    this.held.clear();
    const r = this.arrays.engine.registers;
    const { input, delayed, state, output, h, stateLength } = this.regs;
    r.fill(0, input, input + h);
    if (delayed >= 0) r.fill(0, delayed, delayed + h);
    r.fill(0, state, state + stateLength);
    r.fill(0, output, output + h);
  }

  step([x]: Float32Array[]): Reads | undefined {
    if (this.op.inputQuant.kind !== "sample") return this.advance(x!);
    this.held.push(x!);
    return undefined;
  }

  override *finish(): Reads {
    const q = this.op.inputQuant;
    if (q.kind === "sample") {
      this.scale = sampleScale(this.held.maxAbs(), q.levels);
      for (const [x] of this.held.rows()) yield* this.advance(x);
    }
    if (this.op.outputMode === "lagged" && this.t > 0) {
      // The flush read: input 0, delayed input u(L-1): the output register gets y(L-1).
      this.previous.set(this.uq);
      this.uq.fill(0);
      yield this.readOnce();
      yield* this.emitOutput(this.t - 1, this.previous) ?? NO_READS;
    }
  }

  /** Quantizes row x to DAC codes, reads, emits y(t-1) (lagged) or y(t) (folded). */
  private *advance(x: Float32Array): Reads {
    const q = this.op.inputQuant;
    this.previous.set(this.uq);
    if (q.kind === "static") {
      const s = q.scale.data;
      for (let i = 0; i < x.length; i++) this.uq[i] = staticCode(x[i]!, s[i]!, q.limit);
    } else {
      for (let i = 0; i < x.length; i++) this.uq[i] = sampleCode(x[i]!, this.scale, q.levels);
    }
    this.arrays.hooks.ssmInput?.(this.op.layer, this.t, this.uq);
    yield this.readOnce();
    const t = this.t++;
    if (this.op.outputMode === "folded") yield* this.emitOutput(t, this.uq) ?? NO_READS;
    else if (t > 0) yield* this.emitOutput(t - 1, this.previous) ?? NO_READS;
  }

  /** Read number `reads so far` with the input register = uq, delayed = previous. */
  private readOnce(): ReadGroup {
    const r = this.arrays.engine.registers;
    r.set(this.uq, this.regs.input);
    // At t = 0 the delayed register still holds its reset value 0.
    if (this.regs.delayed >= 0) r.set(this.previous, this.regs.delayed);
    return this.arrays.read(this.reads++);
  }

  /** y = f32(yq * sy) (/ s per sample), + D u digitally when the chip says so. */
  private emitOutput(t: number, uq: Int32Array): Reads | undefined {
    const r = this.arrays.engine.registers;
    const h = this.regs.h;
    this.yq.set(r.subarray(this.regs.output, this.regs.output + h));
    this.arrays.hooks.ssmOutput?.(this.op.layer, t, this.yq);
    const sy = this.op.outputScale.data;
    const d = this.op.digitalD?.data ?? null;
    const q = this.op.inputQuant;
    const out = this.output.row();
    for (let i = 0; i < h; i++) {
      let y = Math.fround(this.yq[i]! * sy[i]!);
      if (q.kind === "sample") y = Math.fround(y / this.scale);
      if (d !== null) {
        const u =
          q.kind === "static"
            ? Math.fround(uq[i]! * q.scale.data[i]!)
            : Math.fround(uq[i]! / this.scale);
        y = Math.fround(y + Math.fround(d[i]! * u));
      }
      out[i] = y;
    }
    return this.emit(out);
  }
}

/** A dense layer on crossbar tiles (docs/chip-arithmetic.md §4): one read per row. */
class DenseNode extends HoldingNode {
  private readonly xq: Int32Array;
  private readonly inputOffset: number;
  private readonly outputOffset: number;

  constructor(
    input: Channel,
    output: Channel,
    private readonly op: Op<"crossbar-linear">,
    private readonly arrays: Arrays,
    layout: ChipLayout,
    holdBudget: number,
  ) {
    super([input], output, holdBudget);
    this.xq = new Int32Array(input.width);
    this.inputOffset = layout.offset[op.inputSignal]!;
    this.outputOffset = layout.offset[op.outputSignal]!;
  }

  override *finish(): Reads {
    const levels = this.op.inputLevels;
    const s = sampleScale(this.held.maxAbs(), levels);
    const step = this.op.outputStep.data;
    const bias = this.op.bias?.data ?? null;
    const r = this.arrays.engine.registers;
    for (const [x, t] of this.held.rows()) {
      for (let i = 0; i < x.length; i++) this.xq[i] = sampleCode(x[i]!, s, levels);
      r.set(this.xq, this.inputOffset);
      yield this.arrays.read(t);
      const out = this.output.row();
      for (let o = 0; o < out.length; o++) {
        const y = Math.fround(Math.fround(r[this.outputOffset + o]! * step[o]!) / s);
        out[o] = y + (bias === null ? 0 : bias[o]!);
      }
      yield* this.emit(out) ?? NO_READS;
    }
  }
}

/** The signals an op's read writes (its read group). */
export function writtenSignals(op: ChipOp): number[] | null {
  if (op.op === "ssm") return [op.stateSignal, op.outputSignal];
  if (op.op === "crossbar-linear") return [op.outputSignal];
  return null;
}

/** The read groups of every array op, by op index (built once per chip). */
export function readGroups(image: ChipImage, layout: ChipLayout): Map<number, ReadGroup> {
  const groups = new Map<number, ReadGroup>();
  image.program.forEach((op, i) => {
    const signals = writtenSignals(op);
    if (signals !== null) groups.set(i, readGroup(image, layout, signals));
  });
  return groups;
}

/** Runs the chip program on samples, one time step at a time. */
export class Stream {
  private readonly channels = new Map<string, Channel>();
  private readonly nodes: Node[] = [];
  private readonly input: Channel;
  private readonly logits: Channel;

  constructor(
    image: ChipImage,
    layout: ChipLayout,
    groups: ReadonlyMap<number, ReadGroup>,
    readonly engine: ReadEngine,
    private readonly hooks: StreamHooks,
    /** Bytes a per-sample quantizer's op holds in memory before it spills (held-rows.ts). */
    private readonly holdBudget = HOLD_BUDGET_BYTES,
  ) {
    this.input = this.channel("input", layout.dIn);
    image.program.forEach((op, i) => {
      const x = this.channels.get(op.input)!;
      const out = this.channel(op.output, layout.width.get(op.output)!);
      const arrays = groups.has(i) ? new Arrays(engine, groups.get(i)!, i, hooks) : null;
      this.nodes.push(this.node(op, x, out, arrays, layout, image));
    });
    this.logits = this.channels.get("logits")!;
    for (const n of [...this.nodes].reverse())
      n.reachesReads =
        n instanceof SsmNode ||
        n instanceof DenseNode ||
        n.output.readers.some((r) => r.reachesReads);
  }

  private channel(name: string, width: number): Channel {
    const c = new Channel(width, name === "logits");
    this.channels.set(name, c);
    return c;
  }

  private node(
    op: ChipOp,
    x: Channel,
    out: Channel,
    arrays: Arrays | null,
    layout: ChipLayout,
    image: ChipImage,
  ): Node {
    switch (op.op) {
      case "linear":
        return new RowNode([x], out, linearKernel(op));
      case "layer-norm":
        return new RowNode([x], out, layerNormKernel(op));
      case "batch-norm":
        return new RowNode([x], out, batchNormKernel(op));
      case "gelu":
        return new RowNode([x], out, geluKernel);
      case "relu":
        return new RowNode([x], out, reluKernel);
      case "glu":
        return new RowNode([x], out, gluKernel);
      case "add":
        return new RowNode([x, this.channels.get(op.other)!], out, addKernel);
      case "fake-quant":
        return new FakeQuantNode(x, out, op.levels, this.holdBudget);
      case "mean-pool":
        return new MeanPoolNode(x, out);
      case "ssm":
        return new SsmNode(x, out, op, arrays!, layout, image, this.holdBudget);
      case "crossbar-linear":
        return new DenseNode(x, out, op, arrays!, layout, this.holdBudget);
    }
  }

  /** One sample [length, dIn] (row-major) -> its logits, written into `logits`. */
  run(sample: ArrayLike<number>, length: number, index: number, logits: Float32Array): void {
    const probe = this.hooks.probe ?? null;
    const reads = this.steps(sample, length, index, logits);
    for (let r = reads.next(); r.done !== true; r = reads.next()) this.engine.read(r.value, probe);
  }

  /** run(), yielding each read for its driver to do. */
  *steps(sample: ArrayLike<number>, length: number, index: number, logits: Float32Array): Reads {
    for (const c of this.channels.values()) c.reset();
    for (const n of this.nodes) n.reset();
    this.engine.beginSample(index);
    const dIn = this.input.width;
    for (let t = 0; t < length; t++) {
      const row = this.input.row();
      for (let i = 0; i < dIn; i++) row[i] = sample[t * dIn + i]!;
      this.input.push(row);
      for (const n of this.nodes) if (n.ready()) yield* n.drain() ?? NO_READS;
    }
    this.input.ended = true;
    for (const n of this.nodes) {
      yield* n.drain() ?? NO_READS;
      const rest = n.finish();
      if (rest !== undefined) yield* rest;
      n.output.ended = true;
    }
    if (this.logits.queue.length !== 1) {
      fail("QS4D-E610", { rows: this.logits.queue.length });
    }
    logits.set(this.logits.queue[0]!);
  }
}

/** One of two samples run in lockstep: its stream, input and logits. */
export interface LockstepSample {
  readonly stream: Stream;
  readonly sample: ArrayLike<number>;
  readonly index: number;
  readonly logits: Float32Array;
}

/**
 * Two samples of the same length, each on its own stream (over its own registers of one
 * engine), advanced read by read: both streams ask for the same reads in the same order (the
 * schedule depends on the chip and the length, never on values), and each read is done for
 * both at once (`readTwo`), the same codes as two separate runs.
 */
export function runInLockstep(
  pair: readonly [LockstepSample, LockstepSample],
  length: number,
  readTwo: (group: ReadGroup) => void,
): void {
  const [a, b] = pair.map((x) => x.stream.steps(x.sample, length, x.index, x.logits)) as [
    Reads,
    Reads,
  ];
  for (;;) {
    const [ra, rb] = [a.next(), b.next()];
    if (ra.done === true && rb.done === true) return;
    if (ra.done === true || rb.done === true || ra.value !== rb.value)
      throw new Error("samples run in lockstep asked for different reads");
    readTwo(ra.value);
  }
}
