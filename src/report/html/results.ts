// The result files the HTML report plots: Monte Carlo reports (`qs4dc sim --noise ...
// --report R.json`, one noise setting each) and sweep results (JSON Lines, one point per line:
// a `point` object of axis values and numeric results such as accuracy, cells, arrays, cycles,
// energy). Read generically: only the fields the plots use are required.

import { fail } from "../../diag/error.js";
import { readFileBytes } from "../../util/read-file.js";

export interface MonteCarloResult {
  readonly file: string;
  /** The noise parameters of the runs; all 0 for the ideal chip. */
  readonly noise: Readonly<Record<string, number>>;
  readonly runs: number;
  readonly accuracy: {
    readonly mean: number;
    readonly std: number;
    readonly min: number;
    readonly max: number;
  };
}

export interface SweepPoint {
  readonly point: Readonly<Record<string, string | number | boolean | null>>;
  /** Every numeric field of the line outside `point`. */
  readonly values: Readonly<Record<string, number>>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function numericFields(value: unknown): Record<string, number> | null {
  if (!isObject(value)) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "number") out[k] = v;
  return out;
}

/** Axis values as they print: a structured value (a target override) as its JSON. */
function axisValues(point: Record<string, unknown>): SweepPoint["point"] {
  return Object.fromEntries(
    Object.entries(point).map(([k, v]) => [
      k,
      isObject(v) || Array.isArray(v) ? JSON.stringify(v) : (v as SweepPoint["point"][string]),
    ]),
  );
}

const text = (path: string) => new TextDecoder().decode(readFileBytes(path));

export function readMonteCarlo(path: string): MonteCarloResult {
  const content = text(path);
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    return fail("QS4D-E850", { file: path, reason: (error as Error).message }, { file: path });
  }
  const bad = (reason: string) => fail("QS4D-E851", { file: path, reason }, { file: path });
  if (!isObject(json)) return bad("it is not a JSON object");
  const accuracy = numericFields(json.accuracy);
  if (accuracy === null || ["mean", "std", "min", "max"].some((k) => accuracy[k] === undefined))
    return bad(
      "it has no 'accuracy' with mean, std, min and max (was the simulation given --labels?)",
    );
  if (typeof json.runs !== "number") return bad("it has no numeric 'runs'");
  const noise = json.noise === null ? {} : numericFields(json.noise);
  if (noise === null) return bad("its 'noise' is neither null nor an object of numbers");
  const { mean, std, min, max } = accuracy as Record<"mean" | "std" | "min" | "max", number>;
  return { file: path, noise, runs: json.runs, accuracy: { mean, std, min, max } };
}

export function readSweep(path: string): SweepPoint[] {
  const lines = text(path).split("\n");
  const points: SweepPoint[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const bad = (reason: string) =>
      fail("QS4D-E852", { file: path, line: i + 1, reason }, { file: path });
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      bad(`not JSON: ${(error as Error).message}`);
    }
    if (!isObject(json)) bad("not a JSON object");
    const { point, ...rest } = json as Record<string, unknown>;
    if (!isObject(point)) bad("no 'point' object of axis values");
    points.push({
      point: axisValues(point as Record<string, unknown>),
      values: numericFields(rest) ?? {},
    });
  });
  if (points.length === 0)
    fail("QS4D-E852", { file: path, line: lines.length, reason: "no points" }, { file: path });
  return points;
}

/**
 * The points no other point beats: at least as accurate and at most as costly, and better in
 * one of the two. Sorted by cost, so that the front reads as a staircase.
 */
export function paretoFront<T>(
  items: readonly T[],
  cost: (t: T) => number,
  accuracy: (t: T) => number,
): T[] {
  const usable = items.filter((t) => Number.isFinite(cost(t)) && Number.isFinite(accuracy(t)));
  const front = usable.filter(
    (t) =>
      !usable.some(
        (o) =>
          cost(o) <= cost(t) &&
          accuracy(o) >= accuracy(t) &&
          (cost(o) < cost(t) || accuracy(o) > accuracy(t)),
      ),
  );
  return front.sort((a, b) => cost(a) - cost(b) || accuracy(a) - accuracy(b));
}
