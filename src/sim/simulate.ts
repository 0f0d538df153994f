// The simulator's core API: a chip image prepared once (register layout, read groups), then
// samples run through it on the ideal chip or on one programming of the device model.

import type { ChipImage } from "../emit/chip-image.js";
import type { ReadGroup } from "./conversions.js";
import { checkDeviceSize, DeviceEngine } from "./device.js";
import { IdealEngine, type ReadEngine, readsTwo } from "./engine.js";
import { type ChipLayout, chipLayout } from "./layout.js";
import { isNoiseless, NO_NOISE, type NoiseParams } from "./noise.js";
import {
  type LockstepSample,
  readGroups,
  runInLockstep,
  Stream,
  type StreamHooks,
} from "./stream.js";

/** A chip ready to simulate: derived once, shared by every run and worker (shared-chip.ts). */
export interface SimChip {
  readonly image: ChipImage;
  readonly layout: ChipLayout;
  readonly groups: ReadonlyMap<number, ReadGroup>;
}

export function prepareChip(image: ChipImage): SimChip {
  const layout = chipLayout(image);
  return { image, layout, groups: readGroups(image, layout) };
}

export interface RunOptions {
  /** Device non-idealities; none (the default) runs the ideal chip, exactly. */
  readonly noise?: NoiseParams;
  readonly seed?: number;
  /** Monte Carlo run index: which programming of the chip (draws keyed by seed and run). */
  readonly run?: number;
  /** Use the device model even without noise (it then equals the ideal chip bit for bit). */
  readonly device?: boolean;
  /**
   * Ideal chip: convert the mirror columns on every read and check that they convert the
   * negated primaries (QS4D-E611). Off by default (mirrors change nothing on the ideal chip).
   */
  readonly checkMirrors?: boolean;
  /**
   * The device model reads two samples of a batch in lockstep, each weight loaded once for
   * both (the default; not with hooks); false: one sample at a time. The numbers are the same.
   */
  readonly lockstep?: boolean;
  readonly hooks?: StreamHooks;
  /** Called after each sample (progress). */
  readonly onSample?: (sample: number) => void;
  /**
   * Bytes each op with a per-sample quantizer holds in memory before the rest of its sequence
   * goes to a temporary file (default 2 MB, held-rows.ts); the numbers do not depend on it.
   */
  readonly holdBudget?: number;
}

/**
 * The engine of one run: the ideal chip, or the chip as programmed in run `run` (holding two
 * samples' registers, read in lockstep by runSamples, unless hooks watch the reads).
 */
export function engineFor(chip: SimChip, options: RunOptions): ReadEngine {
  const noise = options.noise ?? NO_NOISE;
  if (isNoiseless(noise) && options.device !== true)
    return new IdealEngine(chip, options.checkMirrors === true);
  checkDeviceSize(chip.image);
  return new DeviceEngine(
    chip.image,
    chip.layout,
    chip.groups.values(),
    noise,
    options.seed ?? 0,
    options.run ?? 0,
    lockstepOf(options) ? 2 : 1,
  );
}

export interface Samples {
  readonly data: ArrayLike<number>;
  readonly length: number;
  readonly dIn: number;
}

/**
 * Runs samples [from, to) of `input` ([batch, length, dIn] row-major) on one engine; the
 * logits of sample b go to `logits` at (b - from) * classes.
 */
export function runSamples(
  chip: SimChip,
  input: Samples,
  from: number,
  to: number,
  options: RunOptions = {},
  engine: ReadEngine = engineFor(chip, options),
): Float32Array {
  const classes = chip.layout.classes;
  const streamOn = (e: ReadEngine) =>
    new Stream(chip.image, chip.layout, chip.groups, e, options.hooks ?? {}, options.holdBudget);
  const stream = streamOn(engine);
  const logits = new Float32Array((to - from) * classes);
  const size = input.length * input.dIn;
  const sampleAt = (b: number) =>
    isTyped(input.data)
      ? input.data.subarray(b * size, (b + 1) * size)
      : Array.prototype.slice.call(input.data, b * size, (b + 1) * size);
  const rows = [new Float32Array(classes), new Float32Array(classes)] as const;
  const done = (b: number, row: Float32Array) => {
    logits.set(row, (b - from) * classes);
    options.onSample?.(b);
  };
  let b = from;
  if (readsTwo(engine) && lockstepOf(options) && to - from >= 2) {
    // Two samples at a time in lockstep, each on its own stream and registers.
    const pair = [stream, streamOn(engine.second)] as const;
    for (; b + 1 < to; b += 2) {
      const lane = (i: 0 | 1): LockstepSample => ({
        stream: pair[i],
        sample: sampleAt(b + i),
        index: b + i,
        logits: rows[i],
      });
      runInLockstep([lane(0), lane(1)], input.length, (g) => engine.readTwo(g));
      done(b, rows[0]);
      done(b + 1, rows[1]);
    }
  }
  for (; b < to; b++) {
    stream.run(sampleAt(b), input.length, b, rows[0]);
    done(b, rows[0]);
  }
  return logits;
}

/** Two samples in lockstep on the device model: asked for (the default) and no hooks watching. */
function lockstepOf(options: RunOptions): boolean {
  return options.lockstep !== false && options.hooks === undefined;
}

function isTyped(x: ArrayLike<number>): x is Float32Array | Float64Array {
  return x instanceof Float32Array || x instanceof Float64Array;
}
