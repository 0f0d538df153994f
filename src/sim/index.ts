// The simulator of chip.bin (docs/simulator.md), as `qs4dc sim` runs it: the chip read and
// prepared once; the logits of every Monte Carlo run (or of the ideal chip); the cycle, energy
// and accuracy report; optionally a VCD trace of the first sample.

import { readChip } from "../emit/chip-read.js";
import { checkFiniteLogits } from "../util/finite.js";
import type { SimInput } from "./input.js";
import { monteCarlo } from "./monte-carlo.js";
import { isNoiseless, NO_NOISE, type NoiseParams } from "./noise.js";
import { accuracyOf, accuracyStats, buildReport, type SimReport } from "./report.js";
import { engineFor, prepareChip, runSamples, type SimChip } from "./simulate.js";
import { chipTiming } from "./timing.js";
import { type TraceWindow, VcdTracer } from "./vcd.js";

export { checkLabels, checkSimInput, type SimInput } from "./input.js";
export { conversionsPerStep, defaultThreads } from "./monte-carlo.js";
export { NO_NOISE, type NoiseParams, parseNoise, targetNoise } from "./noise.js";
export { prepareChip, runSamples, type SimChip } from "./simulate.js";

export interface SimulateOptions {
  /** null: the ideal chip. */
  readonly noise: NoiseParams | null;
  readonly seed: number;
  readonly runs: number;
  readonly threads?: number;
  readonly lanes?: number;
  readonly labels?: Int32Array | null;
  readonly trace?: TraceWindow | null;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Simulation {
  readonly chip: SimChip;
  /** [runs][batch * classes]. */
  readonly logits: readonly Float32Array[];
  readonly report: SimReport;
  readonly vcd: string | null;
}

/** The chip file's bytes, read and prepared. */
export function loadChip(bytes: Uint8Array, file: string): SimChip {
  return prepareChip(readChip(bytes, file));
}

/**
 * Simulates a prepared chip on checked inputs; labels, when given, must be checked against the
 * batch and classes (checkLabels).
 */
export async function simulateChip(
  chip: SimChip,
  input: SimInput,
  options: SimulateOptions,
): Promise<Simulation> {
  const labels = options.labels ?? null;
  const noise = options.noise === null || isNoiseless(options.noise) ? null : options.noise;
  const timing = chipTiming(chip.image, chip.layout, chip.groups, {
    length: input.length,
    ...(options.lanes !== undefined ? { lanes: options.lanes } : {}),
  });
  const vcd =
    options.trace == null
      ? null
      : traceFirstSample(chip, input, timing, options.trace, noise, options.seed);
  const logits = await monteCarlo(chip, input, {
    noise: noise ?? NO_NOISE,
    seed: options.seed,
    runs: options.runs,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  const accuracy =
    labels === null
      ? null
      : accuracyStats(logits.map((l) => accuracyOf(l, labels, chip.layout.classes)));
  const report = buildReport({
    chip,
    timing,
    batch: input.batch,
    noise,
    seed: noise === null ? null : options.seed,
    runs: options.runs,
    accuracy,
  });
  for (const run of logits) checkFiniteLogits("sim", run, chip.layout.classes);
  return { chip, logits, report, vcd };
}

function traceFirstSample(
  chip: SimChip,
  input: SimInput,
  timing: ReturnType<typeof chipTiming>,
  window: TraceWindow,
  noise: NoiseParams | null,
  seed: number,
): string {
  const tracer = new VcdTracer(chip.image, chip.layout, chip.groups, timing, window);
  const options = { ...(noise !== null ? { noise } : {}), seed, run: 0, hooks: tracer.hooks() };
  runSamples(chip, input, 0, 1, options, engineFor(chip, options));
  return tracer.text(chip.image.file);
}
