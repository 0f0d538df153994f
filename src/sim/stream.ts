// The chip program as a stream of time steps (docs/simulator.md §2). Each op is a node that
// takes one row (time step) of its inputs and emits rows of its output; buffers are queues
// that keep a row only until every consumer has read it, so a sample runs in memory
// independent of its length. The lagged SSM emits y(t-1) after read t and y(L-1) after the
// flush read; residual adds wait for the other branch's row.
//
// Per-sample max quantizers (`fake-quant`, an SSM with a per-sample input scale,
// `crossbar-linear`) need the max over the whole sequence before their first row. They are
// resolved by replay, as the reference executor does (src/run/stream.ts): a pass streams the
// whole sample; a quantizer whose scale is not known yet records the max of its input and
// emits nothing; after the pass every such quantizer that saw its whole input knows its
// scale. The pass in which every scale is known gives the logits. With read noise, the
// passes draw the same numbers as one unreplayed run would (noise-segments.ts).

import { fail } from "../diag/error.js";
import type { ChipImage, ChipOp } from "../emit/chip-image.js";
import { sampleCode, sampleScale, staticCode } from "./arith.js";
import { type ReadGroup, readGroup } from "./conversions.js";
import type { ReadEngine, ReadProbe } from "./engine.js";
import type { ChipLayout } from "./layout.js";
import { NoiseSegment } from "./noise-segments.js";
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

const SILENT: StreamHooks = {};

/** A buffer: rows in order, each kept until all its consumers have read it. */
class Channel {
  readonly queue: Float32Array[] = [];
  /** Index of queue[0]. */
  base = 0;
  /** Every row of the sample was pushed (this pass). */
  complete = false;
  /** Written downstream of a per-sample quantizer. */
  held = false;
  /** Its writer emits nothing (more) in this pass: readers skip the other inputs' rows. */
  dead = false;
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

  /** A row taken with row() and not pushed. */
  recycle(row: Float32Array): void {
    this.pool.push(row);
  }

  /** Index after the last row pushed so far. */
  get end(): number {
    return this.base + this.queue.length;
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
    this.complete = false;
    this.dead = false;
  }
}

abstract class Node {
  cursor = 0;
  /** Emits nothing in this pass (a scale or a noise segment it needs is not known yet). */
  blocked = false;
  constructor(
    readonly inputs: readonly Channel[],
    readonly output: Channel,
  ) {
    for (const c of inputs) c.readers.push(this);
    output.held = inputs.some((c) => c.held);
  }

  /** Consumes every aligned row available now (skips them when an input is dead). */
  drain(): void {
    if (this.inputs.some((c) => c.dead)) {
      for (const c of this.inputs) this.cursor = Math.max(this.cursor, c.end);
      for (const c of this.inputs) c.release();
      return;
    }
    while (this.inputs.every((c) => c.has(this.cursor))) {
      this.step(this.inputs.map((c) => c.at(this.cursor)));
      this.cursor++;
      for (const c of this.inputs) c.release();
    }
  }

  protected emit(row: Float32Array): void {
    if (this.blocked) this.output.recycle(row);
    else this.output.push(row);
  }

  /** Emits nothing more in this pass. */
  protected block(): void {
    this.blocked = true;
    this.output.dead = true;
  }

  abstract step(rows: Float32Array[]): void;
  /** All inputs have ended: emit what is left. */
  finish(): void {}
  /** Ready for a pass: false when something it needs is not known yet. */
  ready(): boolean {
    return true;
  }
  /** After a pass: learn what it showed (a quantizer's scale). */
  settle(): void {}
  /** A new pass of the same sample (nodes in program order: inputs are reset first). */
  reset(): void {
    this.cursor = 0;
    this.blocked = false;
    if (!this.ready() || this.inputs.some((c) => c.dead)) this.block();
  }
  /** A new sample: forget its scales and noise positions. */
  forget(): void {}
}

class RowNode extends Node {
  constructor(
    inputs: Channel[],
    output: Channel,
    private readonly kernel: RowKernel,
  ) {
    super(inputs, output);
  }

  step(rows: Float32Array[]): void {
    const out = this.output.row();
    this.kernel(rows[0]!, out, rows[1] ?? null);
    this.emit(out);
  }
}

class MeanPoolNode extends Node {
  private readonly sum: Float64Array;
  constructor(input: Channel, output: Channel) {
    super([input], output);
    this.sum = new Float64Array(input.width);
  }

  step([x]: Float32Array[]): void {
    for (let c = 0; c < this.sum.length; c++) this.sum[c]! += x![c]!;
  }

  override finish(): void {
    const out = this.output.row();
    for (let c = 0; c < this.sum.length; c++) out[c] = this.sum[c]! / this.cursor;
    this.emit(out);
  }

  override reset(): void {
    super.reset();
    this.sum.fill(0);
  }
}

/**
 * The scale of a per-sample max quantizer: unknown until a pass has shown it the whole
 * input, then f32 s from the max |x| of that input.
 */
class SampleScale {
  value: number | null = null;
  private max = 0;

  constructor(readonly levels: number) {}

  observe(x: Float32Array): void {
    let m = this.max;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
    this.max = m;
  }

  /** End of a pass: `whole` when the pass fed it every row of the sample. */
  settle(whole: boolean): void {
    if (this.value === null && whole) this.value = sampleScale(this.max, this.levels);
    this.max = 0;
  }

  forget(): void {
    this.value = null;
    this.max = 0;
  }
}

class FakeQuantNode extends Node {
  private readonly scale: SampleScale;

  constructor(input: Channel, output: Channel, levels: number) {
    super([input], output);
    output.held = true;
    this.scale = new SampleScale(levels);
  }

  override ready(): boolean {
    return this.scale.value !== null;
  }

  step([x]: Float32Array[]): void {
    const s = this.scale.value;
    if (s === null) {
      this.scale.observe(x!);
      return;
    }
    const out = this.output.row();
    for (let i = 0; i < x!.length; i++) out[i] = sampleCode(x![i]!, s, this.scale.levels) / s;
    this.emit(out);
  }

  override settle(): void {
    this.scale.settle(this.inputs[0]!.complete);
  }

  override forget(): void {
    this.scale.forget();
  }
}

/**
 * Shared by the SSM and dense nodes: an op's reads, its noise segments (the one while the
 * input arrives and the one after; a held op has one for both) and the hooks of the pass.
 */
class Arrays {
  hooks: StreamHooks = SILENT;
  during: NoiseSegment | null = null;
  after: NoiseSegment | null = null;

  constructor(
    readonly engine: ReadEngine,
    readonly group: ReadGroup,
    readonly opIndex: number,
    private readonly allHooks: StreamHooks,
  ) {}

  /** Hooks fire only in the pass that gives the logits. */
  beginPass(final: boolean): void {
    this.hooks = final ? this.allHooks : SILENT;
  }

  /**
   * Read `index`, drawing noise from the segment of the moment (`ended`: the input has
   * ended); false, reading nothing, when that segment's start is not known in this pass.
   */
  read(index: number, ended: boolean): boolean {
    const segment = ended ? this.after : this.during;
    if (this.engine.readStream !== null) {
      const stream = segment!.stream();
      if (stream === null) return false;
      this.engine.readStream = stream;
    }
    this.hooks.beforeRead?.(this.opIndex, index);
    this.engine.read(this.group, this.hooks.probe ?? null);
    return true;
  }

  /** A pass can rely on this op's noise when its segments' starts are known before it. */
  get known(): boolean {
    return this.engine.readStream === null || this.during!.known;
  }
}

/** Where a pass stands: has the input ended (free ops switch noise segments then)? */
interface Clock {
  ended: boolean;
}

/**
 * One SSM layer on the arrays (docs/chip-arithmetic.md §3): one read per arriving row, the
 * input quantized with its static scale or, per sample, with the scale of an earlier pass.
 */
class SsmNode extends Node {
  private readonly uq: Int32Array;
  private readonly previous: Int32Array;
  private readonly yq: Int32Array;
  private t = 0;
  private reads = 0;
  private readonly scale: SampleScale | null;
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
    readonly arrays: Arrays,
    private readonly clock: Clock,
    layout: ChipLayout,
    image: ChipImage,
  ) {
    super([input], output);
    const h = input.width;
    this.uq = new Int32Array(h);
    this.previous = new Int32Array(h);
    this.yq = new Int32Array(h);
    this.scale = op.inputQuant.kind === "sample" ? new SampleScale(op.inputQuant.levels) : null;
    if (this.scale !== null) output.held = true;
    this.regs = {
      input: layout.offset[op.inputSignal]!,
      delayed: op.inputDelayedSignal >= 0 ? layout.offset[op.inputDelayedSignal]! : -1,
      state: layout.offset[op.stateSignal]!,
      output: layout.offset[op.outputSignal]!,
      h,
      stateLength: image.signals[op.stateSignal]!.length,
    };
  }

  override ready(): boolean {
    return (this.scale === null || this.scale.value !== null) && this.arrays.known;
  }

  override reset(): void {
    super.reset();
    this.t = 0;
    this.reads = 0;
    const r = this.arrays.engine.registers;
    const { input, delayed, state, output, h, stateLength } = this.regs;
    r.fill(0, input, input + h);
    if (delayed >= 0) r.fill(0, delayed, delayed + h);
    r.fill(0, state, state + stateLength);
    r.fill(0, output, output + h);
  }

  override settle(): void {
    this.scale?.settle(this.inputs[0]!.complete);
  }

  override forget(): void {
    this.scale?.forget();
  }

  step([x]: Float32Array[]): void {
    if (this.scale !== null && this.scale.value === null) this.scale.observe(x!);
    else if (!this.blocked) this.advance(x!);
  }

  override finish(): void {
    if (!this.blocked && this.op.outputMode === "lagged" && this.t > 0) {
      // The flush read: input 0, delayed input u(L-1): the output register gets y(L-1).
      this.previous.set(this.uq);
      this.uq.fill(0);
      if (this.readOnce()) this.emitOutput(this.t - 1, this.previous);
    }
    if (!this.blocked) this.arrays.after?.complete();
  }

  /** Quantizes row x to DAC codes, reads, emits y(t-1) (lagged) or y(t) (folded). */
  private advance(x: Float32Array): void {
    const q = this.op.inputQuant;
    this.previous.set(this.uq);
    if (q.kind === "static") {
      const s = q.scale.data;
      for (let i = 0; i < x.length; i++) this.uq[i] = staticCode(x[i]!, s[i]!, q.limit);
    } else {
      const s = this.scale!.value!;
      for (let i = 0; i < x.length; i++) this.uq[i] = sampleCode(x[i]!, s, q.levels);
    }
    this.arrays.hooks.ssmInput?.(this.op.layer, this.t, this.uq);
    if (!this.readOnce()) return;
    if (this.op.outputMode === "folded") this.emitOutput(this.t, this.uq);
    else if (this.t > 0) this.emitOutput(this.t - 1, this.previous);
    this.t++;
  }

  /**
   * Read number `reads so far` with the input register = uq, delayed = previous; false (the
   * node blocks for the rest of the pass) when the read's noise is not known in this pass.
   */
  private readOnce(): boolean {
    const r = this.arrays.engine.registers;
    r.set(this.uq, this.regs.input);
    // At t = 0 the delayed register still holds its reset value 0.
    if (this.regs.delayed >= 0) r.set(this.previous, this.regs.delayed);
    if (this.arrays.read(this.reads, this.clock.ended)) {
      this.reads++;
      return true;
    }
    this.block();
    return false;
  }

  /** y = f32(yq * sy) (/ s per sample), + D u digitally when the chip says so. */
  private emitOutput(t: number, uq: Int32Array): void {
    const r = this.arrays.engine.registers;
    const h = this.regs.h;
    this.yq.set(r.subarray(this.regs.output, this.regs.output + h));
    this.arrays.hooks.ssmOutput?.(this.op.layer, t, this.yq);
    const sy = this.op.outputScale.data;
    const d = this.op.digitalD?.data ?? null;
    const q = this.op.inputQuant;
    const s = this.scale?.value ?? 1;
    const out = this.output.row();
    for (let i = 0; i < h; i++) {
      let y = Math.fround(this.yq[i]! * sy[i]!);
      if (q.kind === "sample") y = Math.fround(y / s);
      if (d !== null) {
        const u =
          q.kind === "static" ? Math.fround(uq[i]! * q.scale.data[i]!) : Math.fround(uq[i]! / s);
        y = Math.fround(y + Math.fround(d[i]! * u));
      }
      out[i] = y;
    }
    this.emit(out);
  }
}

/** A dense layer on crossbar tiles (docs/chip-arithmetic.md §4): one read per row. */
class DenseNode extends Node {
  private readonly xq: Int32Array;
  private readonly inputOffset: number;
  private readonly outputOffset: number;
  private readonly scale: SampleScale;

  constructor(
    input: Channel,
    output: Channel,
    private readonly op: Op<"crossbar-linear">,
    readonly arrays: Arrays,
    layout: ChipLayout,
  ) {
    super([input], output);
    output.held = true;
    this.xq = new Int32Array(input.width);
    this.inputOffset = layout.offset[op.inputSignal]!;
    this.outputOffset = layout.offset[op.outputSignal]!;
    this.scale = new SampleScale(op.inputLevels);
  }

  override ready(): boolean {
    return this.scale.value !== null && this.arrays.known;
  }

  override settle(): void {
    this.scale.settle(this.inputs[0]!.complete);
  }

  override forget(): void {
    this.scale.forget();
  }

  override finish(): void {
    if (!this.blocked) this.arrays.after?.complete();
  }

  step([x]: Float32Array[]): void {
    const s = this.scale.value;
    if (s === null) {
      this.scale.observe(x!);
      return;
    }
    if (this.blocked) return;
    const levels = this.op.inputLevels;
    const step = this.op.outputStep.data;
    const bias = this.op.bias?.data ?? null;
    const r = this.arrays.engine.registers;
    for (let i = 0; i < x!.length; i++) this.xq[i] = sampleCode(x![i]!, s, levels);
    r.set(this.xq, this.inputOffset);
    if (!this.arrays.read(this.cursor, true)) {
      this.block();
      return;
    }
    const out = this.output.row();
    for (let o = 0; o < out.length; o++) {
      const y = Math.fround(Math.fround(r[this.outputOffset + o]! * step[o]!) / s);
      out[o] = y + (bias === null ? 0 : bias[o]!);
    }
    this.emit(out);
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
  private readonly arrays: Arrays[] = [];
  /** Segment 0 (free reads while the input arrives), then one per reading op, program order. */
  private readonly segments: NoiseSegment[];
  private readonly input: Channel;
  private readonly logits: Channel;
  private readonly clock: Clock = { ended: false };

  constructor(
    image: ChipImage,
    layout: ChipLayout,
    groups: ReadonlyMap<number, ReadGroup>,
    readonly engine: ReadEngine,
    hooks: StreamHooks,
  ) {
    this.input = this.channel("input", layout.dIn);
    image.program.forEach((op, i) => {
      const x = this.channels.get(op.input)!;
      const out = this.channel(op.output, layout.width.get(op.output)!);
      const arrays = groups.has(i) ? new Arrays(engine, groups.get(i)!, i, hooks) : null;
      if (arrays !== null) this.arrays.push(arrays);
      this.nodes.push(this.node(op, x, out, arrays, layout, image));
    });
    this.logits = this.channels.get("logits")!;
    this.segments = this.cutSegments();
  }

  /** A free op reads from segment 0 while the input arrives; a held op from its own only. */
  private cutSegments(): NoiseSegment[] {
    const first = new NoiseSegment(null, false);
    const segments = [first];
    for (const node of this.nodes) {
      if (!(node instanceof SsmNode || node instanceof DenseNode)) continue;
      const held = node.output.held;
      const own = new NoiseSegment(segments.at(-1)!, !held);
      segments.push(own);
      node.arrays.during = held ? own : first;
      node.arrays.after = own;
    }
    return segments;
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
        return new FakeQuantNode(x, out, op.levels);
      case "mean-pool":
        return new MeanPoolNode(x, out);
      case "ssm":
        return new SsmNode(x, out, op, arrays!, this.clock, layout, image);
      case "crossbar-linear":
        return new DenseNode(x, out, op, arrays!, layout);
    }
  }

  /** One sample [length, dIn] (row-major) -> its logits, written into `logits`. */
  run(sample: ArrayLike<number>, length: number, index: number, logits: Float32Array): void {
    for (const n of this.nodes) n.forget();
    for (const s of this.segments) s.start = null;
    // Each pass resolves at least the first op that was not ready (see pass()).
    for (let passes = 1; !this.pass(sample, length, index); passes++) {
      if (passes > this.nodes.length + this.segments.length)
        throw new Error("replay makes no progress");
    }
    if (this.logits.queue.length !== 1) {
      fail("QS4D-E610", { rows: this.logits.queue.length });
    }
    logits.set(this.logits.queue[0]!);
  }

  /**
   * One pass over the sample; true when it was the last one (every scale and every noise
   * start known before it began), whose hooks fire and whose logits count. Every op before
   * the first one that is not ready runs whole, so that one sees its whole input (learns its
   * scale) and the segment before its own completes (its noise start is recorded).
   */
  private pass(sample: ArrayLike<number>, length: number, index: number): boolean {
    for (const c of this.channels.values()) c.reset();
    for (const n of this.nodes) n.reset();
    const final = this.nodes.every((n) => !n.blocked);
    for (const a of this.arrays) a.beginPass(final);
    this.engine.beginSample(index);
    const noise = this.engine.readStream;
    for (const s of this.segments) s.beginPass(noise);
    this.clock.ended = false;
    const dIn = this.input.width;
    for (let t = 0; t < length; t++) {
      const row = this.input.row();
      for (let i = 0; i < dIn; i++) row[i] = sample[t * dIn + i]!;
      this.input.push(row);
      for (const n of this.nodes) n.drain();
    }
    this.input.complete = true;
    this.clock.ended = true;
    this.segments[0]!.complete();
    for (const n of this.nodes) {
      n.drain();
      n.finish();
      n.output.complete = !n.blocked && n.inputs.every((c) => c.complete);
    }
    for (const n of this.nodes) n.settle();
    return final;
  }
}
