// Every imported shape is an array of small integers (V8's Smi elements), whatever the format:
// ONNX int64 fields decode as Long, whose arithmetic yields doubles, and a shape built from
// them was an array of doubles; every loop bounded by one of its dimensions then ran on double
// arithmetic (the calibration's dense layers measured 2x slower for a model read from
// model.onnx than for the same model read from weights.json). V8 shows an array's element
// kind only to natives syntax, so a child process with --allow-natives-syntax reports it.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The element kind of every tensor shape of the model at `path`, counted. */
function shapeKinds(path: string): { smi: number; other: number } {
  const script = `
    const { importModel } = await import(${JSON.stringify(`${ROOT}src/import/index.ts`)});
    const smi = new Function("a", "return %HasSmiElements(a)");
    const counts = { smi: 0, other: 0 };
    const visit = (x, seen) => {
      if (x === null || typeof x !== "object" || seen.has(x) || ArrayBuffer.isView(x)) return;
      seen.add(x);
      if (Array.isArray(x.shape) && x.shape.length > 0 && "dtype" in x) {
        if (smi(x.shape)) counts.smi++; else counts.other++;
      }
      for (const v of Array.isArray(x) ? x : Object.values(x)) visit(v, seen);
    };
    visit(importModel(${JSON.stringify(path)}), new Set());
    console.log(JSON.stringify(counts));
  `;
  const r = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", script],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { smi: number; other: number };
}

describe("imported shapes are arrays of small integers", () => {
  it.each([
    ["fixtures/models/digits-qat8-h32n16-l2/model.onnx"],
    ["fixtures/models/digits-qat8-h32n16-l2/weights.json"],
    ["examples/tiny.qs4d"],
  ])("%s", (file) => {
    const kinds = shapeKinds(`${ROOT}${file}`);
    expect(kinds.smi).toBeGreaterThan(0);
    expect(kinds.other).toBe(0);
  });
});
