// The `ssm` op on the arrays (docs/chip-arithmetic.md §3): the input quantized to DAC codes,
// then one read of every array per time step (L reads folded, L + 1 lagged: the last one
// flushes y(L-1)), each read computing all readouts from the registers as they were before
// it, then the new codes committed; finally y dequantized by the periphery.

import { clamp, fround, roundHalfEven } from "../arith/numeric.js";
import { fail } from "../diag/error.js";
import type { HardwareProgram } from "../ir/hardware.js";
import { dataOf } from "../ir/tensor.js";
import {
  indexCrossbar,
  type ReadableCrossbar,
  type ReadoutTarget,
  readout,
  readoutCount,
  readoutTarget,
} from "./crossbar.js";
import { type Buffer, makeBuffer, maxAbs, sampleCode, sampleScale } from "./periphery.js";
import type { CrossbarLinearOp, SsmOp } from "./program.js";

interface Bound {
  readonly crossbar: ReadableCrossbar;
  readonly readouts: readonly number[];
  readonly targets: readonly ReadoutTarget[];
}

export class ArrayEngine {
  private readonly crossbars: ReadableCrossbar[];
  /** Term slots of the widest conversion, the size of a read's term sums (<= MAX_TERMS). */
  private readonly termSlots: number;
  private readonly bindings = new Map<string, Bound[]>();
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
    this.termSlots = Math.max(0, ...this.crossbars.map((c) => c.terms));
  }

  /** The readouts that write the given signals, per crossbar (computed once per op). */
  private bind(signals: readonly number[]): Bound[] {
    const key = signals.join(",");
    const known = this.bindings.get(key);
    if (known !== undefined) return known;
    const bound: Bound[] = [];
    for (const crossbar of this.crossbars) {
      const readouts: number[] = [];
      const targets: ReadoutTarget[] = [];
      for (let r = 0; r < readoutCount(crossbar); r++) {
        const target = readoutTarget(crossbar, r);
        // Slices k > 0 are summed into their slice-0 readout's single conversion.
        if (!signals.includes(target.signal) || target.slice > 0) continue;
        readouts.push(r);
        targets.push(target);
      }
      if (readouts.length > 0) bound.push({ crossbar, readouts, targets });
    }
    this.bindings.set(key, bound);
    return bound;
  }

  /** One read of the readouts writing `output`, with `input` driven by `codes`. */
  readOnce(input: number, output: number, codes: Int32Array): Int32Array {
    const regs = this.registers;
    regs[input]!.set(codes);
    const next = new Float64Array(regs[output]!.length);
    const sums = new Float64Array(this.termSlots);
    for (const { crossbar, readouts, targets } of this.bind([output])) {
      for (let i = 0; i < readouts.length; i++) {
        if (targets[i]!.polarity < 0) continue;
        const e = targets[i]!.element;
        next[e] = next[e]! + readout(crossbar, readouts[i]!, this.file, sums) * targets[i]!.step;
      }
    }
    this.commit(output, next);
    return regs[output]!.slice();
  }

  /**
   * The commit of one read (docs/chip-arithmetic.md §2): `sums` holds each element's sum of
   * shifted primary codes; an accumulating signal adds it to the register, any other replaces.
   */
  private commit(signal: number, sums: Float64Array): void {
    const { limit, accumulate } = this.hw.signals[signal]!;
    const reg = this.registers[signal]!;
    for (let e = 0; e < sums.length; e++) {
      reg[e] = clamp((accumulate === true ? reg[e]! : 0) + sums[e]!, -limit, limit);
    }
  }

  /** Runs the arrays of `op` on input codes uq [L, H]; returns output codes [L, H]. */
  runCodes(op: SsmOp, uq: Int32Array, length: number): Int32Array {
    const H = this.hw.signals[op.inputSignal]!.length;
    const written = [op.stateSignal, op.outputSignal];
    const bound = this.bind(written);
    const regs = this.registers;
    for (const s of [op.inputSignal, op.inputDelayedSignal, ...written])
      if (s >= 0) regs[s]!.fill(0);
    const yq = new Int32Array(length * H);
    const lagged = op.outputMode === "lagged";
    const reads = lagged ? length + 1 : length;
    // Sums of shifted codes are exact in binary64 (each term below 2^31, the verifier checks).
    const next = written.map((s) => new Float64Array(regs[s]!.length));
    const mirror = written.map((s) => new Float64Array(regs[s]!.length));
    const mirrored = written.map((s) => new Uint8Array(regs[s]!.length));
    const sums = new Float64Array(this.termSlots);
    for (let t = 0; t < reads; t++) {
      const input = regs[op.inputSignal]!;
      if (t < length) input.set(uq.subarray(t * H, (t + 1) * H));
      else input.fill(0);
      if (op.inputDelayedSignal >= 0 && t > 0) {
        regs[op.inputDelayedSignal]!.set(uq.subarray((t - 1) * H, t * H));
      }
      for (let k = 0; k < 2; k++) {
        next[k]!.fill(0);
        mirror[k]!.fill(0);
        mirrored[k]!.fill(0);
      }
      for (const { crossbar, readouts, targets } of bound) {
        for (let i = 0; i < readouts.length; i++) {
          const target = targets[i]!;
          const k = target.signal === written[0] ? 0 : 1;
          const code = readout(crossbar, readouts[i]!, this.file, sums) * target.step;
          if (target.polarity > 0) next[k]![target.element] = next[k]![target.element]! + code;
          else {
            mirror[k]![target.element] = mirror[k]![target.element]! - code;
            mirrored[k]![target.element] = 1;
          }
        }
      }
      written.forEach((s, k) => {
        for (let e = 0; e < next[k]!.length; e++) {
          // A mirror column computes the negation; on the ideal chip it always agrees.
          if (mirrored[k]![e] === 1 && mirror[k]![e] !== next[k]![e]) {
            fail("QS4D-E351", { signal: this.hw.signals[s]!.name, element: e, step: t });
          }
        }
        this.commit(s, next[k]!);
      });
      const out = regs[op.outputSignal]!;
      const at = lagged ? t - 1 : t;
      if (at >= 0) yq.set(out, at * H);
    }
    return yq;
  }
}

/** One read of the dense tiles of `op` with input codes xq; the output codes. */
export function denseCodes(engine: ArrayEngine, op: CrossbarLinearOp, xq: Int32Array): Int32Array {
  return engine.readOnce(op.inputSignal, op.outputSignal, xq);
}

/** DAC codes of the SSM input and the scale s of a per-sample quantizer (1 when static). */
export function quantizeInput(op: SsmOp, u: Buffer): { uq: Int32Array; scale: number } {
  const uq = new Int32Array(u.data.length);
  const q = op.inputQuant;
  if (q.kind === "sample") {
    const scale = sampleScale(maxAbs(u.data), q.levels);
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
