// One differential-fuzzing case, rebuilt from (seed, index) alone: a random model, a random
// target, random lowering options (prune, state update, fidelity budget, loss allowed,
// sequence length, calibration data and labels) and a random batch of inputs.

import type { Model } from "../../src/ir/model.js";
import type { TargetDescription } from "../../src/target/types.js";
import { describeModel, type ModelSpec, randomModel, randomModelSpec } from "./models.js";
import { Rng } from "./rng.js";
import { describeTarget, randomTarget } from "./targets.js";

export interface Batch {
  /** float32 values (held in float64: both executors read the same numbers). */
  readonly data: Float64Array;
  /** [batch, length, dIn] */
  readonly shape: readonly [number, number, number];
}

/** What the harness runs: a model, a target, the options and data of one compile and run. */
export interface CaseInput {
  readonly model: Model;
  readonly target: TargetDescription;
  /** Pass options by the names `qs4dc compile` gives them (strings, as the CLI passes them). */
  readonly options: Readonly<Record<string, string>>;
  readonly calibration: Batch | null;
  readonly calibrationLabels: Int32Array | null;
  readonly inputs: Batch;
}

export interface FuzzCase extends CaseInput {
  readonly seed: number;
  readonly index: number;
  readonly spec: ModelSpec;
}

function prune(r: Rng): string | undefined {
  return r.weighted<() => string | undefined>([
    [() => undefined, 4],
    [() => "zero", 2],
    [() => `energy:${r.pick([0.001, 0.01, 0.05, 0.2, 0.5])}`, 2],
    [() => `ratio:${r.pick([0, 0.1, 0.25, 0.5, 0.9])}`, 2],
    [() => r.pick(["energy:x", "ratio:2", "half", "energy:-1"]), 0.1],
  ])();
}

function options(r: Rng, spec: ModelSpec, withLabels: boolean): Record<string, string> {
  const o: Record<string, string> = {};
  const p = prune(r);
  if (p !== undefined) o.prune = p;
  if (r.chance(0.6)) {
    o["state-update"] = r.weighted([
      ["auto", 3],
      ["plain", 3],
      ["residual", 3],
      ["sideways", 0.05],
    ] as const);
  }
  if (r.chance(0.6)) {
    o["max-error"] = r.weighted([
      [String(r.pick([0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3, 0.9])), 50],
      [r.pick(["0", "1", "abc", "-0.1"]), 1],
    ]);
  }
  if (r.chance(0.7)) o["allow-loss"] = "true";
  if (r.chance(0.2)) o["seq-len"] = String(r.pick([1, 8, 64, 1000, 4096, r.int(1, 512)]));
  if (withLabels && r.chance(0.5)) o["max-accuracy-drop"] = String(r.pick([0, 1, 5, 50]));
  if (spec.ssm === "kernel" && r.chance(0.4)) o["realize-modes"] = String(r.int(1, spec.modes));
  return o;
}

/** float32 inputs of one of a few shapes: noise at some amplitude, zeros, a constant, a step. */
function batch(r: Rng, batchSize: number, length: number, dIn: number): Batch {
  const n = batchSize * length * dIn;
  const kind = r.weighted([
    ["noise", 8],
    ["zeros", 0.5],
    ["constant", 0.7],
    ["step", 0.7],
  ] as const);
  const amp = r.weighted([
    [1e-3, 1],
    [0.1, 1],
    [1, 3],
    [3, 1],
    [30, 1],
    [1e4, 0.2],
  ] as const);
  const c = r.normal() * amp;
  const data = Float64Array.from({ length: n }, (_, i) => {
    const t = Math.floor(i / dIn) % length;
    switch (kind) {
      case "zeros":
        return 0;
      case "constant":
        return Math.fround(c);
      case "step":
        return t < length / 2 ? 0 : Math.fround(c);
      default:
        return Math.fround(r.normal() * amp);
    }
  });
  return { data, shape: [batchSize, length, dIn] };
}

export function caseAt(seed: number, index: number): FuzzCase {
  const r = new Rng(seed, index);
  const spec = randomModelSpec(r);
  const model = randomModel(r, spec);
  const target = randomTarget(r, `fuzz-${index}`);
  const length = spec.length ?? (r.chance(0.05) ? r.int(1, 3) : r.int(4, 24));
  const calibrate = r.chance(0.25);
  const withLabels = calibrate && r.chance(0.3);
  const calibration = calibrate ? batch(r, r.int(2, 4), length, spec.dIn) : null;
  const calibrationLabels =
    calibration !== null && withLabels
      ? Int32Array.from({ length: calibration.shape[0] }, () => r.int(0, spec.classes - 1))
      : null;
  return {
    seed,
    index,
    spec,
    model,
    target,
    options: options(r, spec, withLabels),
    calibration,
    calibrationLabels,
    inputs: batch(r, r.int(1, 2), length, spec.dIn),
  };
}

/** Any case input in a few lines: its model's shape, the target, options, data. */
export function describeInput(c: CaseInput): string {
  const m = c.model;
  const layers = m.layers
    .map((l, i) => {
      const quant = Object.entries(l.ssm.quant)
        .map(([role, q]) => (q.kind === "levels" ? `${role}:Q${q.levels}` : `${role}:${q.bits}b`))
        .join(",");
      const parts = [
        l.ssm.form.kind,
        l.norm?.kind ?? "no-norm",
        l.activation,
        l.mixing?.kind ?? "no-mixing",
        l.residual ? "residual" : "",
        l.outputQuant === null ? "" : "out-quant",
        quant === "" ? "" : `quant{${quant}}`,
      ];
      return `[${i}: ${parts.filter((p) => p !== "").join(" ")}]`;
    })
    .join(" ");
  const model = `H=${m.config.channels} N=${m.config.state} dIn=${m.config.dIn} classes=${m.config.classes} L=${m.config.length ?? "any"} scheme=${m.quantScheme} ${layers}`;
  return describeParts(model, c);
}

function describeParts(model: string, c: CaseInput): string {
  const opts = Object.entries(c.options)
    .map(([k, v]) => `--${k} ${v}`)
    .join(" ");
  const calib =
    c.calibration === null
      ? "no calib"
      : `calib [${c.calibration.shape.join(", ")}]${c.calibrationLabels === null ? "" : " + labels"}`;
  return [
    `model:   ${model}`,
    `target:  ${describeTarget(c.target)}`,
    `options: ${opts === "" ? "(none)" : opts}; ${calib}; inputs [${c.inputs.shape.join(", ")}]`,
  ].join("\n");
}

/** The case in a few lines: model, target, options, data. */
export function describeCase(c: FuzzCase): string {
  return describeParts(describeModel(c.spec), c);
}
