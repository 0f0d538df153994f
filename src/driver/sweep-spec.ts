// A sweep specification (docs/sweep.md, schemas/sweep.schema.json): the files, the base target
// and the axes, read and checked before any point runs. The points are the axes' Cartesian
// product in a fixed order (the first axis varies slowest), so a point's index names it on
// any machine; a shard is a contiguous slice of the indices.

import { createHash } from "node:crypto";
import { dirname, isAbsolute, join } from "node:path";
import sweepSchema from "../../schemas/sweep.schema.json" with { type: "json" };
import { fail } from "../diag/error.js";
import { builtinTarget, loadTarget } from "../target/load.js";
import type { LoadedTarget } from "../target/types.js";
import { canonicalJson, type JsonValue } from "../util/canonical-json.js";
import { readJsonFile, schemaCheck } from "./json-file.js";
import type { LoweringChoices } from "./pass-options.js";

export type AxisValue = number | string | boolean;

/** Lowering choices and simulation settings by their API names (the `fixed` object, non-target axes). */
export interface PointChoices extends LoweringChoices {
  readonly noise?: string;
  readonly seed?: number;
}

export interface SweepSpec {
  /** The spec file as given; the other paths are joined to its folder. */
  readonly file: string;
  readonly model: string;
  readonly inputs: string;
  readonly labels: string;
  readonly calib: string | null;
  readonly calibLabels: string | null;
  readonly target: LoadedTarget;
  readonly runs: number;
  readonly fixed: PointChoices;
  readonly axes: readonly (readonly [string, readonly AxisValue[]])[];
  /** How many points the axes make. */
  readonly points: number;
  /** SHA-256 of the spec's canonical JSON, 16 hex digits: marks every result line. */
  readonly digest: string;
}

interface SpecJson {
  readonly model: string;
  readonly inputs: string;
  readonly labels: string;
  readonly target?: string;
  readonly calib?: string;
  readonly calibLabels?: string;
  readonly runs?: number;
  readonly fixed?: PointChoices;
  readonly axes: Readonly<Record<string, AxisValue[]>>;
}

/** More points than a sweep may have: a typo in an axis, not a design space to run. */
export const MAX_POINTS = 1_000_000;

export const TARGET_AXIS_PREFIX = "target.";

const checkSpec = schemaCheck(sweepSchema, "QS4D-E871");

export function readSweepSpec(file: string): SweepSpec {
  const json = readJsonFile(file);
  checkSpec(json, file);
  const spec = json as SpecJson;
  const at = (path: string) => (isAbsolute(path) ? path : join(dirname(file), path));
  // A target name is a built-in first, as --target is; otherwise a file beside the spec.
  const target = loadTarget(spec.target === undefined ? undefined : targetRef(spec.target, at));
  const axes = Object.entries(spec.axes);
  for (const [axis] of axes) checkTargetAxis(axis, target);
  const points = axes.reduce((n, [, values]) => n * values.length, 1);
  if (points > MAX_POINTS) fail("QS4D-E873", { file, points, limit: MAX_POINTS }, { file });
  return {
    file,
    model: at(spec.model),
    inputs: at(spec.inputs),
    labels: at(spec.labels),
    calib: spec.calib === undefined ? null : at(spec.calib),
    calibLabels: spec.calibLabels === undefined ? null : at(spec.calibLabels),
    target,
    runs: spec.runs ?? 1,
    fixed: spec.fixed ?? {},
    axes,
    points,
    digest: createHash("sha256")
      .update(canonicalJson(json as JsonValue))
      .digest("hex")
      .slice(0, 16),
  };
}

function targetRef(name: string, at: (path: string) => string): string {
  return builtinTarget(name) === undefined ? at(name) : name;
}

/** A target axis must name a field the base target has, holding a number or a string. */
function checkTargetAxis(axis: string, target: LoadedTarget): void {
  if (!axis.startsWith(TARGET_AXIS_PREFIX)) return;
  let node: unknown = target.description;
  for (const key of axis.slice(TARGET_AXIS_PREFIX.length).split(".")) {
    if (node === null || typeof node !== "object" || !(key in node)) {
      fail("QS4D-E872", {
        axis,
        reason: `target '${target.description.name}' has no field '${key}' there`,
      });
    }
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node === "object") {
    fail("QS4D-E872", { axis, reason: "the field holds an object, not a value" });
  }
}

/** The axis values of point `index`: mixed radix, the last axis varying fastest. */
export function pointAt(spec: SweepSpec, index: number): Record<string, AxisValue> {
  const values: Record<string, AxisValue> = {};
  let rest = index;
  for (let a = spec.axes.length - 1; a >= 0; a--) {
    const [name, choices] = spec.axes[a]!;
    values[name] = choices[rest % choices.length]!;
    rest = Math.floor(rest / choices.length);
  }
  // Keys in the spec's axis order, whatever order they were computed in.
  return Object.fromEntries(spec.axes.map(([name]) => [name, values[name]!]));
}

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `--shard I/N`, 0 <= I < N. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) fail("QS4D-E874", { value: text, reason: "expected I/N, e.g. 0/3" });
  const index = Number(match![1]);
  const count = Number(match![2]);
  if (count < 1 || index >= count) {
    fail("QS4D-E874", { value: text, reason: `I must be in [0, N) and N >= 1` });
  }
  return { index, count };
}

/** The indices shard `shard` runs: a contiguous slice, the slices of 0..N-1 covering every point once. */
export function shardRange(points: number, shard: Shard): { start: number; end: number } {
  return {
    start: Math.floor((shard.index * points) / shard.count),
    end: Math.floor(((shard.index + 1) * points) / shard.count),
  };
}
