// `qs4dc sweep`: every point of a sweep spec (sweep-spec.ts) compiled as `qs4dc compile` would
// (lowerModel, chipBytes) for its variant of the base target and its lowering choices, then
// simulated from its chip.bin on the spec's inputs and labels. One JSON line per point, in
// index order, each depending on nothing but the spec and the point: so the lines of the
// shards, put together, are the lines of the whole run. A point the compiler or the simulator
// refuses is a line with the refusal's code, not the end of the sweep.

import type { Diagnostic } from "../diag/diagnostic.js";
import { Qs4dError } from "../diag/error.js";
import { inspectChip } from "../emit/inspect.js";
import { importModel } from "../import/index.js";
import type { Model } from "../ir/model.js";
import {
  checkLabels,
  checkSimInput,
  loadChip,
  parseNoise,
  type SimChip,
  simulateChip,
  targetNoise,
} from "../sim/index.js";
import { parseTarget, targetDigest } from "../target/load.js";
import type { LoadedTarget, TargetDescription } from "../target/types.js";
import { type NpyArray, readNpy } from "../util/npy.js";
import { readFileBytes } from "../util/read-file.js";
import { chipBytes } from "./artifact.js";
import { readInputs, readLabels } from "./inputs.js";
import { type LowerOptions, lowerModel } from "./lower.js";
import { passOptions } from "./pass-options.js";
import {
  type AxisValue,
  type PointChoices,
  pointAt,
  type SweepSpec,
  TARGET_AXIS_PREFIX,
} from "./sweep-spec.js";

/** What one point measured (`accuracy` the mean over the runs; `energy` in pJ per sample). */
export interface PointResult {
  readonly accuracy: number;
  /** Programmed cells, over all arrays. */
  readonly cells: number;
  readonly arrays: number;
  /** Cycles of one sample's whole sequence (the latency). */
  readonly cycles: number;
  readonly energy: number;
  /** The codes of the compiler's warnings and notes (e.g. a point over budget kept by allowLoss), when any. */
  readonly diagnostics?: readonly string[];
}

export interface SweepRunOptions {
  /** Simulator worker threads per point (results do not depend on it). */
  readonly threads?: number;
}

/** The files a sweep reads once, whatever its points. */
interface SweepData {
  readonly spec: SweepSpec;
  readonly model: Model;
  readonly modelBytes: Uint8Array;
  readonly inputs: NpyArray;
  readonly labels: NpyArray;
  readonly calibration: LowerOptions["calibration"];
  readonly calibrationLabels: Int32Array | null;
}

interface Chip {
  readonly chip: Uint8Array;
  readonly sim: SimChip;
  readonly diagnostics: readonly string[];
}

interface Refusal {
  readonly error: Diagnostic;
}

type Compiled = Chip | Refusal;

/**
 * The result lines of points [start, end), each passed to `emit` as it is done. Inputs the
 * whole sweep needs (model, inputs, labels, calibration) fail the sweep; a point's own
 * refusal is its line. Returns how many points were refused.
 */
export async function runSweep(
  spec: SweepSpec,
  range: { readonly start: number; readonly end: number },
  emit: (line: string) => void,
  options: SweepRunOptions = {},
): Promise<number> {
  const data = readSweepData(spec);
  // Consecutive points often differ only in noise or seed: keep the last chip, not all of them.
  let lastKey = "";
  let compiled: Compiled | null = null;
  let refused = 0;
  for (let index = range.start; index < range.end; index++) {
    const point = pointAt(spec, index);
    const key = JSON.stringify(compileChoices(point));
    if (compiled === null || key !== lastKey) {
      compiled = await refusalOr(() => compilePoint(data, point));
      lastKey = key;
    }
    const chip = compiled;
    const outcome =
      "error" in chip ? chip : await refusalOr(() => measure(data, point, chip, options));
    if ("error" in outcome) refused++;
    emit(resultLine(spec, index, point, outcome));
  }
  return refused;
}

function readSweepData(spec: SweepSpec): SweepData {
  const model = importModel(spec.model);
  // The schema requires calib with calibLabels.
  const calibration = spec.calib === null ? null : readInputs(model, spec.calib);
  return {
    spec,
    model,
    modelBytes: readFileBytes(spec.model),
    inputs: readNpy(spec.inputs),
    labels: readNpy(spec.labels),
    calibration,
    calibrationLabels:
      spec.calibLabels === null || calibration === null
        ? null
        : readLabels(spec.calibLabels, calibration.shape[0]!, model.config.classes),
  };
}

/** The axis values that change the chip (target fields and lowering choices, not noise or seed). */
function compileChoices(point: Record<string, AxisValue>): Record<string, AxisValue> {
  const { noise: _noise, seed: _seed, ...rest } = point;
  return rest;
}

function choicesOf(spec: SweepSpec, point: Record<string, AxisValue>): PointChoices {
  const choices: Record<string, AxisValue> = { ...spec.fixed };
  for (const [axis, value] of Object.entries(point)) {
    if (!axis.startsWith(TARGET_AXIS_PREFIX)) choices[axis] = value;
  }
  return choices as PointChoices;
}

/** The base target with the point's target fields set, validated as a target file is. */
function pointTarget(base: LoadedTarget, point: Record<string, AxisValue>): LoadedTarget {
  const fields = Object.entries(point).filter(([axis]) => axis.startsWith(TARGET_AXIS_PREFIX));
  if (fields.length === 0) return base;
  const description = structuredClone(base.description) as unknown as Record<string, unknown>;
  for (const [axis, value] of fields) {
    const keys = axis.slice(TARGET_AXIS_PREFIX.length).split(".");
    let node = description;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[keys[keys.length - 1]!] = value;
  }
  const name = `target '${base.description.name}' with ${fields.map(([a, v]) => `${a}=${v}`).join(", ")}`;
  const checked: TargetDescription = parseTarget(JSON.stringify(description), name);
  return { description: checked, digest: targetDigest(checked), origin: base.origin };
}

function compilePoint(data: SweepData, point: Record<string, AxisValue>): Chip {
  const lowering: LowerOptions = {
    target: pointTarget(data.spec.target, point),
    calibration: data.calibration ?? null,
    calibrationLabels: data.calibrationLabels,
    options: passOptions(choicesOf(data.spec, point)),
  };
  const lowered = lowerModel(data.model, lowering);
  const source = { modelPath: data.spec.model, modelBytes: data.modelBytes, lowering };
  const chip = chipBytes(lowered, source);
  const diagnostics = [...new Set(lowered.diagnostics.items.map((d) => d.code))].sort();
  return { chip, sim: loadChip(chip, `${data.spec.file}#point`), diagnostics };
}

async function measure(
  data: SweepData,
  point: Record<string, AxisValue>,
  compiled: Chip,
  options: SweepRunOptions,
): Promise<PointResult> {
  const { chip, sim, diagnostics } = compiled;
  const spec = data.spec;
  const input = checkSimInput(data.inputs, sim.layout.dIn, spec.inputs, spec.file);
  const labels = checkLabels(data.labels, input.batch, sim.layout.classes, spec.labels);
  const choices = choicesOf(spec, point);
  const noise = choices.noise ?? (spec.runs > 1 ? "target" : "none");
  const result = await simulateChip(sim, input, {
    noise: parseNoise(noise, targetNoise(sim.image.target.description)),
    seed: choices.seed ?? 0,
    runs: spec.runs,
    labels,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const totals = inspectChip(sim.image, chip.length).totals;
  return {
    accuracy: result.report.accuracy!.mean,
    cells: totals.cellsProgrammed,
    arrays: totals.arrays,
    cycles: result.report.timing.latencyCycles,
    energy: result.report.energy.totalPicojoulesPerSample,
    ...(diagnostics.length > 0 ? { diagnostics } : {}),
  };
}

/** The work's value, or the coded refusal it threw (anything else is a bug: thrown on). */
async function refusalOr<T>(work: () => T | Promise<T>): Promise<T | Refusal> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Qs4dError) return { error: error.diagnostic };
    throw error;
  }
}

/** One line, keys in a fixed order; `points` and `spec` let `sweep merge` check the parts. */
function resultLine(
  spec: SweepSpec,
  index: number,
  point: Record<string, AxisValue>,
  outcome: PointResult | Refusal,
): string {
  const measured =
    "error" in outcome
      ? { error: { code: outcome.error.code, message: outcome.error.message } }
      : outcome;
  return `${JSON.stringify({ index, point, ...measured, points: spec.points, spec: spec.digest })}\n`;
}
