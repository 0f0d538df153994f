// The integer emulator: the lowered IR executed as the ideal chip would, one sample at a time
// (docs/chip-arithmetic.md). Written to be obviously right: every readout of every array is
// evaluated from its programmed cells at every step (read-plan.ts lays them out for the loop).
// `emulate` gives logits and, on request, the per-layer SSM integers (u codes in, y codes out)
// that the golden traces check. A program whose scales are all static runs in chunks of steps
// (chunked.ts), so that memory does not grow with L; the others op by op on whole sequences.

import { fail, Qs4dError } from "../diag/error.js";
import type { HardwareProgram } from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { dataOf } from "../ir/tensor.js";
import { verifyHardware } from "../ir/verify-hardware.js";
import { checkFiniteLogits } from "../util/finite.js";
import { CHUNK_ROWS, chunkable, runChunked, type Stage } from "./chunked.js";
import { type Buffer, makeBuffer, maxAbs, sampleCode, sampleScale } from "./periphery.js";
import { type CrossbarLinearOp, runProgram, type SsmOp } from "./program.js";
import {
  ArrayEngine,
  dequantizeOutput,
  quantizeInput,
  readWork,
  SsmRun,
  type StepCodes,
} from "./ssm.js";

/**
 * A dense layer on tiles, one time step at a time: x scaled per sample (over the whole buffer)
 * to DAC codes, one read, y[o] = f32(f32(f32(code * step[o]) / s) + bias[o]).
 */
function runDense(engine: ArrayEngine, op: CrossbarLinearOp, x: Buffer): Buffer {
  const scale = sampleScale(maxAbs(x.data), op.inputLevels);
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
    const codes = engine.readOnce(bound, op.inputSignal, xq, work, t);
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
   * Steps per chunk when the program streams (chunked.ts: every scale static); null runs
   * whole sequences op by op. The logits are the same either way.
   */
  readonly chunkRows?: number | null;
}

/** An SSM's arrays fed a chunk of steps at a time (static input scale). */
class SsmStage implements Stage {
  private readonly run: SsmRun;

  constructor(
    engine: ArrayEngine,
    private readonly op: SsmOp,
  ) {
    this.run = new SsmRun(engine, op);
  }

  push(u: Buffer): Buffer {
    return this.output(this.run.push(quantizeInput(this.op, u).uq, u.rows));
  }

  finish(): Buffer {
    return this.output(this.run.finish());
  }

  private output(codes: StepCodes): Buffer {
    return dequantizeOutput(this.op, codes.yq, codes.uq, 1, this.run.H);
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

/** [L, H] row-major -> [H, L] row-major, into `out` at `offset`. */
function transposeInto(
  codes: Int32Array,
  L: number,
  H: number,
  out: Int32Array,
  offset: number,
): void {
  for (let t = 0; t < L; t++)
    for (let h = 0; h < H; h++) out[offset + h * L + t] = codes[t * H + h]!;
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
  const streams =
    traces === null &&
    chunkRows !== null &&
    length > 0 &&
    chunkable(hw.program, (op) => op.inputQuant.kind === "static");
  for (let b = 0; b < batch; b++) {
    const input = makeBuffer(length, dIn);
    input.data.set(inputs.subarray(b * length * dIn, (b + 1) * length * dIn));
    if (streams) {
      const out = runChunked(hw.program, input, chunkRows!, (op) => new SsmStage(engine, op));
      logits.set(out.data, b * classes);
      continue;
    }
    const hooks = {
      ssm(op: SsmOp, u: Buffer): Buffer {
        const { uq, scale } = quantizeInput(op, u);
        const yq = engine.runCodes(op, uq, u.rows);
        const trace = traces?.find((t) => t.layer === op.layer);
        if (trace !== undefined) {
          transposeInto(uq, u.rows, u.cols, trace.uq, b * H * length);
          transposeInto(yq, u.rows, u.cols, trace.yq, b * H * length);
        }
        return dequantizeOutput(op, yq, uq, scale, u.cols);
      },
      crossbarLinear(op: CrossbarLinearOp, x: Buffer): Buffer {
        return runDense(engine, op, x);
      },
    };
    const out = runProgram(hw.program, input, hooks);
    logits.set(out.data, b * classes);
  }
  checkFiniteLogits("emulate", logits, classes);
  return { logits, batch, classes, traces };
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
  transposeInto(yq, length, H, out, 0);
  return out;
}
