// The integer emulator: the lowered IR executed as the ideal chip would, one sample at a time
// (docs/chip-arithmetic.md). Written to be obviously right: every readout of every array is
// evaluated from its programmed cells at every step (read-plan.ts lays them out for the loop).
// `emulate` gives logits and, on request, the per-layer SSM integers (u codes in, y codes out)
// that the golden traces check. A sample runs in chunks of steps (chunked.ts), the per-sample
// quantizers holding their input until it ends (in memory up to a budget, then on disk), so
// that memory does not grow with L (the traces, when asked for, are [H, L] per layer: output).

import { fail, Qs4dError } from "../diag/error.js";
import type { DigitalOp, HardwareProgram } from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { dataOf } from "../ir/tensor.js";
import { verifyHardware } from "../ir/verify-hardware.js";
import { checkFiniteLogits } from "../util/finite.js";
import { SPILL_BUDGET_BYTES } from "../util/spill-queue.js";
import { CHUNK_ROWS, HoldingStage, runChunked, type Stage } from "./chunked.js";
import {
  type Buffer,
  fakeQuant,
  makeBuffer,
  maxAbs,
  sampleCode,
  sampleScale,
} from "./periphery.js";
import { type CrossbarLinearOp, type ProgramHooks, runProgram, type SsmOp } from "./program.js";
import {
  ArrayEngine,
  dequantizeOutput,
  quantizeInput,
  readWork,
  SsmRun,
  type StepCodes,
} from "./ssm.js";

/**
 * A dense layer on tiles, one time step at a time: x scaled per sample (s from `sequenceMax`,
 * the largest |x| of the sequence, by default x's own) to DAC codes, one read,
 * y[o] = f32(f32(f32(code * step[o]) / s) + bias[o]). `t0`: the step of x's first row.
 */
function runDense(
  engine: ArrayEngine,
  op: CrossbarLinearOp,
  x: Buffer,
  sequenceMax = maxAbs(x.data),
  t0 = 0,
): Buffer {
  const scale = sampleScale(sequenceMax, op.inputLevels);
  const step = dataOf(op.outputStep);
  const bias = op.bias === null ? null : dataOf(op.bias);
  const m = step.length;
  const out = makeBuffer(x.rows, m);
  const xq = new Int32Array(x.cols);
  const bound = engine.bind([op.outputSignal]);
  const work = readWork(bound);
  for (let t = 0; t < x.rows; t++) {
    for (let i = 0; i < x.cols; i++)
      xq[i] = sampleCode(x.data[t * x.cols + i]!, scale, op.inputLevels);
    const codes = engine.readOnce(bound, op.inputSignal, xq, work, t0 + t);
    for (let o = 0; o < m; o++) {
      const y = Math.fround(Math.fround(codes[o]! * step[o]!) / scale);
      out.data[t * m + o] = y + (bias === null ? 0 : bias[o]!);
    }
  }
  return out;
}

export interface EmulateOptions {
  /** Record the per-layer SSM codes, [batch, H, L] each. */
  readonly trace?: boolean;
  /**
   * Steps per chunk (chunked.ts); null runs whole sequences op by op. The logits and codes are
   * the same either way.
   */
  readonly chunkRows?: number | null;
  /**
   * Bytes a per-sample quantizer's op (or a branch waiting for it) holds in memory before the
   * rest of its rows go to a temporary file (default 2 MB); the numbers do not depend on it.
   */
  readonly holdBudget?: number;
  /** The batch index of the first input (a part of a larger batch): diagnostics name samples by it. */
  readonly firstSample?: number;
}

/** Where an SSM stage writes its codes: the layer's trace, sample `sample` of `length` steps. */
interface TraceSink {
  readonly trace: LayerCodes;
  readonly sample: number;
  readonly length: number;
}

/**
 * An SSM's arrays fed a chunk of steps at a time; for a per-sample input scale, `sequenceMax`
 * is the largest |u| of the whole sequence (the stage is then run by a HoldingStage).
 */
class SsmStage implements Stage {
  private readonly run: SsmRun;
  /** The per-sample scale s (1 for a static one). */
  private readonly scale: number;
  /** Output steps given so far (the trace's column). */
  private t = 0;

  constructor(
    engine: ArrayEngine,
    private readonly op: SsmOp,
    private readonly sink: TraceSink | null,
    private readonly sequenceMax = 0,
  ) {
    this.run = new SsmRun(engine, op);
    const q = op.inputQuant;
    this.scale = q.kind === "sample" ? sampleScale(sequenceMax, q.levels) : 1;
  }

  push(u: Buffer): Buffer {
    return this.output(this.run.push(quantizeInput(this.op, u, this.sequenceMax).uq, u.rows));
  }

  /** The flush read of a lagged output. */
  flush(): Buffer {
    return this.output(this.run.finish());
  }

  *finish(): Iterable<Buffer> {
    yield this.flush();
  }

  private output(codes: StepCodes): Buffer {
    const H = this.run.H;
    const rows = codes.yq.length / H;
    if (this.sink !== null) {
      const { trace, sample, length } = this.sink;
      const base = sample * H * length + this.t;
      transposeInto(codes.uq, rows, H, trace.uq, base, length);
      transposeInto(codes.yq, rows, H, trace.yq, base, length);
    }
    this.t += rows;
    return dequantizeOutput(this.op, codes.yq, codes.uq, this.scale, H);
  }
}

/** The stage of an op that is neither a row op nor mean-pool, for one sample. */
function stageOf(
  engine: ArrayEngine,
  op: DigitalOp,
  sink: (op: SsmOp) => TraceSink | null,
  chunkRows: number,
  budget: number,
): Stage {
  const holding = (body: ConstructorParameters<typeof HoldingStage>[0]) =>
    new HoldingStage(body, chunkRows, budget);
  switch (op.op) {
    case "ssm": {
      if (op.inputQuant.kind === "static") return new SsmStage(engine, op, sink(op));
      let ssm: SsmStage | null = null;
      return holding({
        run: (u, sequenceMax) => {
          ssm ??= new SsmStage(engine, op, sink(op), sequenceMax);
          return ssm.push(u);
        },
        end: () => ssm!.flush(),
      });
    }
    case "crossbar-linear": {
      let t0 = 0;
      return holding({
        run: (x, sequenceMax) => {
          const out = runDense(engine, op, x, sequenceMax, t0);
          t0 += x.rows;
          return out;
        },
      });
    }
    case "fake-quant":
      return holding({ run: (x, sequenceMax) => fakeQuant(op, x, sequenceMax) });
    default:
      throw new Error(`no stage for op '${op.op}'`);
  }
}

export interface LayerCodes {
  readonly layer: number;
  readonly uq: Int32Array;
  readonly yq: Int32Array;
}

export interface EmulateResult {
  /** [batch, classes] row-major. */
  readonly logits: Float32Array;
  readonly batch: number;
  readonly classes: number;
  readonly traces: readonly LayerCodes[] | null;
}

/**
 * The lowered program of a model; coded error when the model was not lowered, or when its
 * program breaks an invariant or a numeric limit of the verifier (src/ir/limits.ts), which the
 * engine's buffers rely on: int32 registers and coefficients, the crossbars' own term counts.
 */
export function loweredProgram(model: Model): HardwareProgram {
  const hw = model.hardware;
  if (hw === null || (hw.crossbars.length === 0 && hw.program.length === 0)) {
    fail("QS4D-E350", { model: model.name });
  }
  const invalid = verifyHardware(hw).find((d) => d.severity === "error");
  if (invalid !== undefined) throw new Qs4dError(invalid);
  return hw;
}

/** Rows [rows, H] of codes into a [H, length] block at `base` (row h at base + h x length). */
function transposeInto(
  codes: Int32Array,
  rows: number,
  H: number,
  out: Int32Array,
  base: number,
  length: number,
): void {
  for (let t = 0; t < rows; t++)
    for (let h = 0; h < H; h++) out[base + h * length + t] = codes[t * H + h]!;
}

export function emulate(
  model: Model,
  inputs: Float32Array | Float64Array,
  shape: readonly number[],
  options: EmulateOptions = {},
): EmulateResult {
  const hw = loweredProgram(model);
  const [batch, length] = shape as [number, number];
  const dIn = model.config.dIn;
  const H = model.config.channels;
  const classes = model.config.classes;
  const engine = new ArrayEngine(hw);
  const logits = new Float32Array(batch * classes);
  const ssmOps = hw.program.filter((op): op is SsmOp => op.op === "ssm");
  const traces =
    options.trace === true
      ? ssmOps.map((op) => ({
          layer: op.layer,
          uq: new Int32Array(batch * H * length),
          yq: new Int32Array(batch * H * length),
        }))
      : null;
  const chunkRows = options.chunkRows === undefined ? CHUNK_ROWS : options.chunkRows;
  const budget = options.holdBudget ?? SPILL_BUDGET_BYTES;
  for (let b = 0; b < batch; b++) {
    const input = makeBuffer(length, dIn);
    input.data.set(inputs.subarray(b * length * dIn, (b + 1) * length * dIn));
    const sink = (op: SsmOp): TraceSink | null => {
      const trace = traces?.find((t) => t.layer === op.layer);
      return trace === undefined ? null : { trace, sample: b, length };
    };
    const out =
      chunkRows !== null && length > 0
        ? runChunked(
            hw.program,
            input,
            chunkRows,
            (op) => stageOf(engine, op, sink, chunkRows, budget),
            budget,
          )
        : runProgram(hw.program, input, wholeSequenceHooks(engine, sink));
    logits.set(out.data, b * classes);
  }
  checkFiniteLogits("emulate", logits, classes, options.firstSample);
  return { logits, batch, classes, traces };
}

/** The SSM and dense ops on whole sequences (runProgram), for `chunkRows: null`. */
function wholeSequenceHooks(
  engine: ArrayEngine,
  sink: (op: SsmOp) => TraceSink | null,
): ProgramHooks {
  return {
    ssm(op: SsmOp, u: Buffer): Buffer {
      const { uq, scale } = quantizeInput(op, u);
      const yq = engine.runCodes(op, uq, u.rows);
      const trace = sink(op);
      if (trace !== null) {
        const base = trace.sample * u.cols * trace.length;
        transposeInto(uq, u.rows, u.cols, trace.trace.uq, base, trace.length);
        transposeInto(yq, u.rows, u.cols, trace.trace.yq, base, trace.length);
      }
      return dequantizeOutput(op, yq, uq, scale, u.cols);
    },
    crossbarLinear(op: CrossbarLinearOp, x: Buffer): Buffer {
      return runDense(engine, op, x);
    },
  };
}

/** The arrays of layer `layer` driven by given input codes [H, L] (one sample): y codes [H, L]. */
export function emulateLayerCodes(
  model: Model,
  layer: number,
  uq: Int32Array,
  length: number,
): Int32Array {
  const hw = loweredProgram(model);
  const op = hw.program.find((o): o is SsmOp => o.op === "ssm" && o.layer === layer);
  if (op === undefined) return fail("QS4D-E353", { model: model.name, layer });
  const H = hw.signals[op.inputSignal]!.length;
  const timeMajor = new Int32Array(uq.length);
  for (let h = 0; h < H; h++)
    for (let t = 0; t < length; t++) timeMajor[t * H + h] = uq[h * length + t]!;
  const yq = new ArrayEngine(hw).runCodes(op, timeMajor, length);
  const out = new Int32Array(yq.length);
  transposeInto(yq, length, H, out, 0, length);
  return out;
}
