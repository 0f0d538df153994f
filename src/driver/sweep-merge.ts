// `qs4dc sweep merge PART...`: the result lines of a sweep's shards put back in index order.
// Lines are kept byte for byte (not parsed and printed again), so the merge of the shards is
// the unsharded run's output exactly; the parts must be of one spec and cover every point once.

import { fail } from "../diag/error.js";

export interface SweepPart {
  readonly file: string;
  readonly text: string;
}

interface ResultLine {
  readonly index: number;
  readonly points: number;
  readonly spec: string;
  readonly text: string;
}

export function mergeSweepParts(parts: readonly SweepPart[]): string {
  const lines = parts.flatMap(resultLines);
  const first = lines[0];
  if (first === undefined) fail("QS4D-E876", { reason: "the parts hold no result line" });
  const other = lines.find((l) => l.spec !== first!.spec || l.points !== first!.points);
  if (other !== undefined) {
    fail("QS4D-E876", {
      reason: `lines of two sweeps (spec ${first!.spec}, ${first!.points} points, and spec ${other.spec}, ${other.points} points)`,
    });
  }
  const byIndex: (ResultLine | undefined)[] = new Array(first!.points);
  for (const line of lines) {
    if (byIndex[line.index] !== undefined)
      fail("QS4D-E876", { reason: `point ${line.index} is in the parts twice` });
    byIndex[line.index] = line;
  }
  const missing = [...byIndex.keys()].filter((i) => byIndex[i] === undefined);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(", ") + (missing.length > 10 ? ", ..." : "");
    fail("QS4D-E876", {
      reason: `${missing.length} of ${first!.points} points are missing (${shown})`,
    });
  }
  return byIndex.map((line) => `${line!.text}\n`).join("");
}

function resultLines(part: SweepPart): ResultLine[] {
  const texts = part.text.split("\n");
  if (texts.at(-1) === "") texts.pop();
  else if (texts.length > 0)
    bad(part.file, texts.length, "the file does not end with a newline (cut short?)");
  return texts.map((text, i) => resultLine(part.file, i + 1, text));
}

function resultLine(file: string, line: number, text: string): ResultLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    bad(file, line, (error as Error).message);
  }
  const { index, points, spec, point } = (json ?? {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(points) || (points as number) < 1) bad(file, line, "no 'points' count");
  if (
    !Number.isSafeInteger(index) ||
    (index as number) < 0 ||
    (index as number) >= (points as number)
  )
    bad(file, line, `no 'index' in [0, ${String(points)})`);
  if (typeof spec !== "string") bad(file, line, "no 'spec' digest");
  if (point === null || typeof point !== "object") bad(file, line, "no 'point' object");
  return { index: index as number, points: points as number, spec: spec as string, text };
}

function bad(file: string, line: number, reason: string): never {
  return fail("QS4D-E875", { file, line, reason }, { file });
}
