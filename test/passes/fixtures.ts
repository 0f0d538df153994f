// Shared models and their golden files (fixtures/models), and small lowering helpers for the
// pass, emulator and golden tests.

import { readFileSync } from "node:fs";
import { DiagnosticSink } from "../../src/diag/error.js";
import { CHIP_FORWARDS } from "../../src/driver/forwards.js";
import { importModel } from "../../src/import/index.js";
import type { Model } from "../../src/ir/model.js";
import type { CalibrationData, CalibrationInputs } from "../../src/passes/lib/calibrate.js";
import type { PassContext } from "../../src/passes/pass.js";
import { builtinTarget } from "../../src/target/load.js";
import type { TargetDescription } from "../../src/target/types.js";

const MODELS = new URL("../../fixtures/models/", import.meta.url);

export function fixturePath(model: string, file: string): string {
  return new URL(`${model}/${file}`, MODELS).pathname;
}

const cache = new Map<string, Model>();

/** The model imported from its weights.json (cached: the IR is immutable). */
export function fixtureModel(name: string): Model {
  let m = cache.get(name);
  if (m === undefined) {
    m = importModel(fixturePath(name, "weights.json"));
    cache.set(name, m);
  }
  return m;
}

function bytes(model: string, file: string): ArrayBuffer {
  const b = readFileSync(fixturePath(model, `golden/${file}`));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

export const goldenF32 = (model: string, file: string) => new Float32Array(bytes(model, file));
export const goldenI32 = (model: string, file: string) => new Int32Array(bytes(model, file));
export const goldenI8 = (model: string, file: string) => new Int8Array(bytes(model, file));

export function weightsJson(model: string): {
  quantization: Record<string, unknown> | null;
  tensors: Record<string, { shape: number[]; data: (number | string)[] }>;
} {
  return JSON.parse(readFileSync(fixturePath(model, "weights.json"), "utf8"));
}

/** Golden inputs [from, to) as float64 with their shape [n, L, 1]. */
export function inputs(model: string, from: number, to: number) {
  const m = fixtureModel(model);
  const L = m.config.length!;
  const all = goldenF32(model, "inputs.f32");
  return { inputs: Float64Array.from(all.subarray(from * L, to * L)), shape: [to - from, L, 1] };
}

export function target(name: string): TargetDescription {
  const t = builtinTarget(name);
  if (t === undefined) throw new Error(`no built-in target ${name}`);
  return t;
}

/** Calibration inputs as the driver hands them to the passes: with the chip's forward runs. */
export function withForwards(data: CalibrationInputs): CalibrationData {
  return { ...data, forwards: CHIP_FORWARDS };
}

export function context(
  t: TargetDescription | null,
  extra: Partial<PassContext> = {},
): PassContext {
  return {
    target: t,
    options: {},
    calibration: null,
    calibrationLabels: null,
    diagnostics: new DiagnosticSink(),
    reports: new Map(),
    ...extra,
  };
}

export function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[from + i]! > v[from + best]!) best = i;
  return best;
}

/** Accuracy of logits [batch, classes] against labels. */
export function accuracy(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): number {
  let correct = 0;
  for (let b = 0; b < labels.length; b++)
    if (argmax(logits, b * classes, classes) === labels[b]) correct++;
  return correct / labels.length;
}
