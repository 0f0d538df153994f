// The calibration forward of post-training quantization (requantize's `calibrate`, through
// CalibrationForwards): the discretized model run in float on the --calib inputs, recording
// what the chip's converters will see per layer: max |u| per channel (DAC range), max |x| per
// mode (state ADC range) and max |y| per channel (output ADC range). The periphery is the
// chip's own (the emulator's digital program, src/emulate/program.ts); only the SSM runs in
// float. With a per-sample input quantizer (qs4d-max) the SSM runs on the input codes and x, y
// are recorded in code units, which is what the arrays compute in that case. It lives in the
// driver because it runs the emulator, which passes must not import (docs/architecture.md).

import { availableParallelism } from "node:os";
import { fail } from "../diag/error.js";
import { CHUNK_ROWS, HoldingStage, runChunked, type Stage } from "../emulate/chunked.js";
import {
  type Buffer,
  fakeQuant,
  makeBuffer,
  maxAbs,
  sampleCode,
  sampleScale,
} from "../emulate/periphery.js";
import { runProgram, type SsmOp } from "../emulate/program.js";
import type { DigitalOp } from "../ir/hardware.js";
import type { Model, SsmDiscrete } from "../ir/model.js";
import { f64 } from "../ir/tensor.js";
import type { CalibrationInputs, SsmStats } from "../passes/lib/calibrate.js";
import { buildDigitalProgram } from "../passes/lib/digital-program.js";
import { values } from "../passes/lib/tensors.js";
import { statsOnWorkers } from "./calibrate-workers.js";

export interface FloatSsm {
  readonly H: number;
  readonly M: number;
  readonly lr: Float64Array;
  readonly li: Float64Array;
  readonly br: Float64Array;
  readonly bi: Float64Array;
  readonly cr: Float64Array;
  readonly ci: Float64Array;
  readonly d: Float64Array;
}

function floatSsm(model: Model, layer: number): FloatSsm {
  const ssm = model.layers[layer]!.ssm;
  if (ssm.form.kind !== "discrete") fail("QS4D-E406", { layer, pass: "discretize" });
  const f: SsmDiscrete = ssm.form;
  const p = `layers.${layer}`;
  return {
    H: ssm.channels,
    M: ssm.modes,
    lr: values(f.lambdaRe, `${p}.lambda`),
    li: values(f.lambdaIm, `${p}.lambda`),
    br: values(f.bbarRe, `${p}.bbar`),
    bi: values(f.bbarIm, `${p}.bbar`),
    cr: values(f.cRe, `${p}.C`),
    ci: values(f.cIm, `${p}.C`),
    d: values(ssm.d, `${p}.D`),
  };
}

/** The float SSM's state between two chunks of a sample: Re and Im of x per mode. */
interface FloatState {
  readonly xr: Float64Array;
  readonly xi: Float64Array;
}

const freshState = (s: FloatSsm): FloatState => ({
  xr: new Float64Array(s.H * s.M),
  xi: new Float64Array(s.H * s.M),
});

/**
 * The float recurrence on [L, H] rows of one sample (the whole sequence, or a chunk of it that
 * continues from `state`), updating the statistics. Per channel, mode after mode over the
 * rows, so that a mode's state and maximum stay in registers, two modes side by side (their
 * recurrences are independent, and one alone waits on its own multiply-adds); y(t) still sums
 * the modes in order (acc[t] gets mode 0, then mode 1, ...).
 */
function runFloat(
  s: FloatSsm,
  u: Buffer,
  stats: SsmStats,
  quant: { readonly levels: number; readonly scale: number } | null,
  state: FloatState = freshState(s),
): Buffer {
  const { H, M } = s;
  const L = u.rows;
  const levels = quant?.levels ?? null;
  const scale = quant?.scale ?? 1;
  const y = makeBuffer(L, H);
  const v = new Float64Array(L);
  const acc = new Float64Array(L);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < L; t++) {
      const raw = u.data[t * H + h]!;
      stats.uMax[h] = Math.max(stats.uMax[h]!, Math.abs(raw));
      v[t] = levels === null ? raw : sampleCode(raw, scale, levels);
    }
    acc.fill(0);
    let k = h * M;
    for (; k + 2 <= (h + 1) * M; k += 2) twoModes(s, k, v, acc, stats.xMax, state);
    if (k < (h + 1) * M) oneMode(s, k, v, acc, stats.xMax, state);
    for (let t = 0; t < L; t++) {
      const out = 2 * acc[t]! + s.d[h]! * v[t]!;
      stats.yMax[h] = Math.max(stats.yMax[h]!, Math.abs(out));
      y.data[t * H + h] = levels === null ? out : out / scale;
    }
  }
  return y;
}

/**
 * Mode k over the sequence v from its state: acc[t] += Re(C x_t), xMax[k] the largest |Re x|,
 * |Im x|; the state after the last row goes back into `state`.
 */
function oneMode(
  s: FloatSsm,
  k: number,
  v: Float64Array,
  acc: Float64Array,
  xMax: Float64Array,
  state: FloatState,
) {
  const lr = s.lr[k]!;
  const li = s.li[k]!;
  const br = s.br[k]!;
  const bi = s.bi[k]!;
  const cr = s.cr[k]!;
  const ci = s.ci[k]!;
  let xr = state.xr[k]!;
  let xi = state.xi[k]!;
  let max = xMax[k]!;
  for (let t = 0; t < v.length; t++) {
    const r = lr * xr - li * xi + br * v[t]!;
    const i = lr * xi + li * xr + bi * v[t]!;
    xr = r;
    xi = i;
    max = Math.max(max, Math.abs(r), Math.abs(i));
    acc[t] = acc[t]! + (cr * r - ci * i);
  }
  xMax[k] = max;
  state.xr[k] = xr;
  state.xi[k] = xi;
}

/** Modes k and k + 1 as oneMode, advanced side by side; acc[t] adds k's term first. */
function twoModes(
  s: FloatSsm,
  k: number,
  v: Float64Array,
  acc: Float64Array,
  xMax: Float64Array,
  state: FloatState,
) {
  const [lr0, lr1] = [s.lr[k]!, s.lr[k + 1]!];
  const [li0, li1] = [s.li[k]!, s.li[k + 1]!];
  const [br0, br1] = [s.br[k]!, s.br[k + 1]!];
  const [bi0, bi1] = [s.bi[k]!, s.bi[k + 1]!];
  const [cr0, cr1] = [s.cr[k]!, s.cr[k + 1]!];
  const [ci0, ci1] = [s.ci[k]!, s.ci[k + 1]!];
  let xr0 = state.xr[k]!;
  let xi0 = state.xi[k]!;
  let xr1 = state.xr[k + 1]!;
  let xi1 = state.xi[k + 1]!;
  let max0 = xMax[k]!;
  let max1 = xMax[k + 1]!;
  for (let t = 0; t < v.length; t++) {
    const vt = v[t]!;
    const r0 = lr0 * xr0 - li0 * xi0 + br0 * vt;
    const i0 = lr0 * xi0 + li0 * xr0 + bi0 * vt;
    const r1 = lr1 * xr1 - li1 * xi1 + br1 * vt;
    const i1 = lr1 * xi1 + li1 * xr1 + bi1 * vt;
    xr0 = r0;
    xi0 = i0;
    xr1 = r1;
    xi1 = i1;
    max0 = Math.max(max0, Math.abs(r0), Math.abs(i0));
    max1 = Math.max(max1, Math.abs(r1), Math.abs(i1));
    acc[t] = acc[t]! + (cr0 * r0 - ci0 * i0) + (cr1 * r1 - ci1 * i1);
  }
  xMax[k] = max0;
  xMax[k + 1] = max1;
  state.xr[k] = xr0;
  state.xi[k] = xi0;
  state.xr[k + 1] = xr1;
  state.xi[k + 1] = xi1;
}

function placeholderSsm(model: Model) {
  return (layer: number, input: string, output: string): SsmOp => {
    const u = model.layers[layer]!.ssm.quant.u;
    const H = model.config.channels;
    return {
      op: "ssm",
      layer,
      input,
      output,
      inputQuant:
        u?.kind === "levels" && u.scope === "sample"
          ? { kind: "sample", levels: u.levels }
          : { kind: "static", scale: f64([H]), limit: 0 },
      inputSignal: -1,
      inputDelayedSignal: -1,
      stateSignal: -1,
      outputSignal: -1,
      outputMode: "lagged",
      outputScale: f64([H]),
      digitalD: null,
    };
  };
}

/**
 * What computing the statistics over the samples needs, as plain data (a worker thread gets it
 * structured-cloned): the float SSMs, the digital program, the samples [batch, L, dIn] and the
 * index of the next sample not yet taken, shared by every thread that works on them.
 */
export interface StatsJob {
  readonly ssms: readonly FloatSsm[];
  readonly perSample: readonly boolean[];
  readonly program: readonly DigitalOp[];
  readonly inputs: Float64Array;
  readonly shape: readonly [number, number, number];
  readonly next: Int32Array;
}

export function statsJob(model: Model, data: CalibrationInputs): StatsJob {
  const [batch, length] = data.shape as [number, number];
  return {
    ssms: model.layers.map((_, i) => floatSsm(model, i)),
    perSample: model.layers.map(({ ssm }) => {
      const u = ssm.quant.u;
      return u?.kind === "levels" && u.scope === "sample";
    }),
    program: buildDigitalProgram(model, placeholderSsm(model)),
    inputs: data.inputs,
    shape: [batch, length, model.config.dIn],
    next: new Int32Array(new SharedArrayBuffer(4)),
  };
}

/**
 * The statistics of the samples this thread takes: one sample after another, each the next
 * one no thread has taken yet, until none is left. Threads that start late or run slower
 * simply take fewer samples. A sample runs in chunks of `chunkRows` steps
 * (src/emulate/chunked.ts), each SSM's float state carried from chunk to chunk and the
 * per-sample quantizers holding their input until it ends; on whole [L, H] buffers when
 * `chunkRows` is null; the
 * statistics are the same bit for bit.
 */
export function jobStats(job: StatsJob, chunkRows: number | null = CHUNK_ROWS): SsmStats[] {
  const [batch, length, dIn] = job.shape;
  const { ssms } = job;
  const stats: SsmStats[] = ssms.map((s, i) => ({
    perSample: job.perSample[i]!,
    uMax: new Float64Array(s.H),
    xMax: new Float64Array(s.H * s.M),
    yMax: new Float64Array(s.H),
  }));
  const stage = (op: DigitalOp): Stage => {
    if (op.op === "fake-quant")
      return new HoldingStage({ run: (x, sequenceMax) => fakeQuant(op, x, sequenceMax) });
    if (op.op !== "ssm") throw new Error(`calibration has no stage for op '${op.op}'`);
    const s = ssms[op.layer]!;
    const state = freshState(s);
    const q = op.inputQuant;
    if (q.kind !== "sample")
      return { push: (u) => runFloat(s, u, stats[op.layer]!, null, state), finish: () => [] };
    return new HoldingStage({
      run: (u, sequenceMax) => {
        const quant = { levels: q.levels, scale: sampleScale(sequenceMax, q.levels) };
        return runFloat(s, u, stats[op.layer]!, quant, state);
      },
    });
  };
  const hooks = {
    ssm(op: SsmOp, input: Buffer): Buffer {
      const q = op.inputQuant;
      const quant =
        q.kind === "sample"
          ? { levels: q.levels, scale: sampleScale(maxAbs(input.data), q.levels) }
          : null;
      return runFloat(ssms[op.layer]!, input, stats[op.layer]!, quant);
    },
    crossbarLinear(): Buffer {
      throw new Error("calibration runs the model before dense layers are placed on crossbars");
    },
  };
  for (let b = Atomics.add(job.next, 0, 1); b < batch; b = Atomics.add(job.next, 0, 1)) {
    const input = makeBuffer(length, dIn);
    input.data.set(job.inputs.subarray(b * length * dIn, (b + 1) * length * dIn));
    if (chunkRows !== null && length > 0) runChunked(job.program, input, chunkRows, stage);
    else runProgram(job.program, input, hooks);
  }
  return stats;
}

/** Statistics over two sets of samples: every maximum the larger (order does not matter). */
function mergeStats(a: SsmStats[], b: readonly SsmStats[]): SsmStats[] {
  const max = (x: Float64Array, y: Float64Array) => x.map((v, i) => Math.max(v, y[i]!));
  return a.map((s, i) => ({
    perSample: s.perSample,
    uMax: max(s.uMax, b[i]!.uMax),
    xMax: max(s.xMax, b[i]!.xMax),
    yMax: max(s.yMax, b[i]!.yMax),
  }));
}

/** Mode updates a worker should have to do to be worth starting (about a second of work). */
const MODE_STEPS_PER_WORKER = 1e8;

/** The machine's parallelism, fewer threads when the work would not pay for starting them. */
function defaultThreads(job: StatsJob): number {
  const [batch, length] = job.shape;
  const modes = job.ssms.reduce((n, s) => n + s.H * s.M, 0);
  const worth = Math.floor((batch * length * modes) / MODE_STEPS_PER_WORKER);
  return Math.max(1, Math.min(availableParallelism(), worth));
}

/**
 * Per-layer statistics over all calibration samples (model after discretize), on `threads`
 * threads (default: defaultThreads): this one and worker threads (calibrate-workers.ts), each
 * taking the next sample left until none is. Every statistic is a maximum, so the result is
 * the same whichever thread ran which sample, for any thread count.
 */
export function ssmStats(model: Model, data: CalibrationInputs, threads?: number): SsmStats[] {
  const job = statsJob(model, data);
  const count = Math.min(threads ?? defaultThreads(job), job.shape[0]);
  if (count <= 1) return jobStats(job);
  const results = statsOnWorkers(job, count - 1);
  return results.slice(1).reduce(mergeStats, results[0]!);
}
