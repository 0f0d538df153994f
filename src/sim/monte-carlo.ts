// Monte Carlo over programmings (docs/simulator.md §4): run r is the chip as programmed with
// draws keyed by (seed, r), and its read noise by (seed, r, sample), so the work can be cut into
// (run, sample range) units and spread over worker threads in any way: the numbers do not depend
// on the thread count. One thread runs in this thread; more run on node:worker_threads, the
// worker script resolved next to this module (worker.js when built; under tsx or vitest the
// TypeScript source, loaded through tsx's ESM API; without tsx, in this thread). Workers get
// the chip prepared, its tables in shared memory (shared-chip.ts).

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ChipImage } from "../emit/chip-image.js";
import {
  type WorkerFault,
  type WorkerScript,
  workerError,
  workerScript,
} from "../util/worker-script.js";
import type { SimInput } from "./input.js";
import { isNoiseless, type NoiseParams } from "./noise.js";
import { sharedChip } from "./shared-chip.js";
import { engineFor, runSamples, type SimChip } from "./simulate.js";

export interface MonteCarloOptions {
  readonly noise: NoiseParams;
  readonly seed: number;
  readonly runs: number;
  /**
   * 1: this thread; more: worker threads. Default: the machine's parallelism, fewer when the
   * work would not pay for starting the workers.
   */
  readonly threads?: number;
  /** Force the device model even without noise. */
  readonly device?: boolean;
  /** After each simulated sample: samples done over runs x batch. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A piece of work: samples [from, to) of run `run`. */
export interface Unit {
  readonly run: number;
  readonly from: number;
  readonly to: number;
}

/** What a worker needs besides the chip, given when it starts. */
export interface WorkerSetup {
  readonly input: SimInput;
  readonly noise: NoiseParams;
  readonly seed: number;
  readonly device: boolean;
}

/**
 * To a worker, posted while it starts up: the chip (prepared, its tables in a SharedArrayBuffer:
 * posting it shares them), every unit, and the shared index of the next unit no thread has
 * taken. The worker takes units until none is left, then posts `done`.
 */
export interface WorkerMessage {
  readonly kind: "units";
  readonly chip: SimChip;
  readonly work: readonly Unit[];
  readonly next: Int32Array;
}

export type WorkerReply =
  | { readonly kind: "progress" }
  | { readonly kind: "result"; readonly unit: Unit; readonly logits: Float32Array }
  | { readonly kind: "done" }
  | WorkerFault;

/** Units of at most `size` samples, run-major. */
export function units(runs: number, batch: number, size: number): Unit[] {
  const out: Unit[] = [];
  for (let run = 0; run < runs; run++)
    for (let from = 0; from < batch; from += size)
      out.push({ run, from, to: Math.min(batch, from + size) });
  return out;
}

/** Runs a unit on a prepared chip; the engine of the last run is reused for its next unit. */
export class UnitRunner {
  private cached: { run: number; engine: ReturnType<typeof engineFor> } | null = null;

  constructor(
    private readonly chip: SimChip,
    private readonly setup: WorkerSetup,
  ) {}

  run(unit: Unit, onSample: () => void): Float32Array {
    const options = {
      noise: this.setup.noise,
      seed: this.setup.seed,
      run: unit.run,
      device: this.setup.device,
      onSample,
    };
    if (this.cached?.run !== unit.run)
      this.cached = { run: unit.run, engine: engineFor(this.chip, options) };
    const { data, length, dIn } = this.setup.input;
    return runSamples(
      this.chip,
      { data, length, dIn },
      unit.from,
      unit.to,
      options,
      this.cached.engine,
    );
  }
}

/** The next unit of `work` no thread has taken (shared index `next`), or undefined. */
export function takeUnit(work: readonly Unit[], next: Int32Array): Unit | undefined {
  return work[Atomics.add(next, 0, 1)];
}

/** Logits of every run, [runs][batch * classes]. */
export async function monteCarlo(
  chip: SimChip,
  input: SimInput,
  options: MonteCarloOptions,
): Promise<Float32Array[]> {
  const classes = chip.layout.classes;
  const total = options.runs * input.batch;
  const threads = Math.max(1, options.threads ?? defaultThreads(chip.image, total * input.length));
  // Enough units to keep every thread busy; a unit's size does not change any number. The
  // device model reads two samples in lockstep: its units hold an even number where they can.
  const fair = Math.max(1, Math.ceil((options.runs * input.batch) / (threads * 4)));
  const ideal = isNoiseless(options.noise) && options.device !== true;
  const size = ideal ? fair : fair + (fair % 2);
  const work = units(options.runs, input.batch, Math.min(size, input.batch));
  const results = Array.from(
    { length: options.runs },
    () => new Float32Array(input.batch * classes),
  );
  let done = 0;
  const progress = () => options.onProgress?.(++done, total);
  const store = (unit: Unit, logits: Float32Array) =>
    results[unit.run]!.set(logits, unit.from * classes);
  const setup = {
    input,
    noise: options.noise,
    seed: options.seed,
    device: options.device === true,
  };
  const script = threads > 1 ? workerScript(import.meta.url, "worker") : null;
  // Every thread, this one included, takes the next unit left (a shared counter): a thread that
  // starts late or runs slower takes fewer, and none waits for another to hand it work. This
  // one yields between units so that the workers' results get in.
  const next = new Int32Array(new SharedArrayBuffer(4));
  const runner = new UnitRunner(chip, setup);
  const here = async () => {
    for (let unit = takeUnit(work, next); unit !== undefined; unit = takeUnit(work, next)) {
      store(unit, runner.run(unit, progress));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  if (script === null) {
    await here();
    return results;
  }
  const helpers = Math.min(threads - 1, work.length - 1);
  const message = (): WorkerMessage => ({ kind: "units", chip: sharedChip(chip), work, next });
  const pool = startWorkers(script, setup, message, helpers, store, progress);
  try {
    await Promise.all([here(), pool.done]);
  } finally {
    pool.stop();
  }
  return results;
}

/** Conversions a worker should have to do to be worth starting (about a second of work). */
const CONVERSIONS_PER_WORKER = 2e7;

/**
 * Threads for `steps` steps (runs x samples x length) of `image`: the machine's parallelism,
 * fewer when the work would not pay for starting the workers.
 */
export function defaultThreads(image: ChipImage, steps: number): number {
  const worth = Math.floor((steps * conversionsPerStep(image)) / CONVERSIONS_PER_WORKER);
  return Math.max(1, Math.min(availableParallelism(), worth));
}

/** ADC conversions a step stores: the readouts that write a register (slice 0 of each). */
export function conversionsPerStep(image: ChipImage): number {
  let n = 0;
  for (const a of image.arrays)
    for (let i = 0; i < a.readouts; i++)
      if (a.readout.polarity[i]! > 0 && a.readout.slice[i] === 0) n++;
  return n;
}

/**
 * `count` workers run units (see WorkerMessage) until none is left; `done` resolves once each
 * has posted `done` and exited by itself (a worker ended by `terminate` while V8 still compiles
 * for it can abort the process: a race in Node's teardown), so `stop`, which ends them whatever
 * they are doing, is for errors. The workers start first, then `message` makes what they are
 * sent (the shared chip): it is made while they start up.
 */
function startWorkers(
  script: WorkerScript,
  setup: WorkerSetup,
  message: () => WorkerMessage,
  count: number,
  store: (unit: Unit, logits: Float32Array) => void,
  progress: () => void,
): { readonly done: Promise<void>; stop(): void } {
  const workers: Worker[] = [];
  const stop = () => {
    for (const w of workers) void w.terminate();
  };
  const done = new Promise<void>((resolve, reject) => {
    let running = count;
    const fail = (error: unknown) => {
      stop();
      reject(error);
    };
    if (count <= 0) return resolve();
    for (let i = 0; i < count; i++) {
      const w = new Worker(script.source, { eval: script.eval, workerData: setup });
      workers.push(w);
      let finished = false;
      w.on("message", (reply: WorkerReply) => {
        if (reply.kind === "progress") return progress();
        if (reply.kind === "error") return fail(workerError(reply));
        if (reply.kind === "result") return store(reply.unit, reply.logits);
        finished = true;
      });
      w.on("error", fail);
      w.on("exit", () => {
        if (!finished)
          return fail(new Error("simulation worker exited before its units were done"));
        if (--running === 0) resolve();
      });
    }
    const sent = message();
    for (const w of workers) w.postMessage(sent);
  });
  return { done, stop };
}
