// `qs4dc diff A.bin B.bin` (exit 0 identical, 1 different, 2 bad input; --json) and the
// golden matcher of qs4dc/testing that reports through it: what changed is named section by
// section (target, cells per array with their level transitions, program constants, manifest).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { ChipImage } from "../../src/emit/chip-image.js";
import { readChip } from "../../src/emit/chip-read.js";
import { diffChips, formatDiff } from "../../src/emit/diff.js";
import { chipMatchers, UPDATE_GOLDEN_ENV } from "../../src/testing.js";
import { compiled } from "../sim/helpers.js";
import { qs4dcInProcess } from "./in-process.js";

const NAME = "digits-qat8-h32n16-l2";
const dir = mkdtempSync(join(tmpdir(), "qs4dc-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imssa = compiled(NAME, "imssa-64")!.bytes;
const ideal = compiled(NAME, "ideal")!.bytes;
const put = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const imssaPath = put("imssa.bin", imssa);
const idealPath = put("ideal.bin", ideal);

const qs4dc = (...args: string[]) => qs4dcInProcess(args);

/** The image with one programmed cell of array 0 one level up, and one program constant changed. */
function edited(image: ChipImage): ChipImage {
  const [first, ...rest] = image.arrays;
  const level = Int32Array.from(first!.cell.level);
  level[0]! += 1;
  const arrays = [{ ...first!, cell: { ...first!.cell, level } }, ...rest];
  const index = image.program.findIndex((op) => op.op === "linear");
  const op = image.program[index] as Extract<ChipImage["program"][number], { op: "linear" }>;
  const data = Float32Array.from(op.weight.data as Float32Array);
  data[3] = data[3]! + 0.5;
  const program = image.program.map((o, i) =>
    i === index ? { ...op, weight: { ...op.weight, data } } : o,
  );
  return { ...image, arrays, program };
}

describe("diffChips", () => {
  it("names one cell's level change and one program constant, nothing else", () => {
    const image = readChip(imssa, "imssa.bin");
    const d = diffChips(image, edited(image), false);
    const from = image.arrays[0]!.cell.level[0]!;
    expect(d.arrays.changed).toEqual([
      {
        array: image.arrays[0]!.name,
        cellsChanged: 1,
        cells: image.arrays[0]!.cells,
        levels: { [`${from}->${from + 1}`]: 1 },
        wiring: [],
      },
    ]);
    expect(d.program).toHaveLength(1);
    expect(d.program[0]!.field).toBe("weight");
    expect(d.program[0]!.what).toMatch(/^1 of \d+ values, max \|change\| 0\.500$/);
    expect(d.target).toEqual([]);
    expect(d.manifest).toEqual([]);
    const text = formatDiff(d, "a", "b");
    expect(text).toContain(`cells changed (level ${from}->${from + 1}: 1)`);
  });
});

describe("qs4dc diff", () => {
  it("exit 0 and 'identical' for the same chip", async () => {
    const run = await qs4dc("diff", imssaPath, put("copy.bin", imssa));
    expect(run.exit, run.stderr).toBe(0);
    expect(run.stdout).toContain("are identical");
  });

  it("exit 1 with the target, the arrays and the manifest for two targets", async () => {
    const run = await qs4dc("diff", imssaPath, idealPath);
    expect(run.exit, run.stderr).toBe(1);
    expect(run.stdout).toContain("target:\n  target: imssa-64 -> ideal\n");
    expect(run.stdout).toContain("  params.rows: 64 -> 1024\n");
    expect(run.stdout).toMatch(/\narrays: 64 -> \d+\n {2}removed: /);
    expect(run.stdout).toMatch(
      /\n {2}a0: \d+ cells changed \(level .*; wiring changed: size 64x64 -> 1024x1024/,
    );
    expect(run.stdout).toContain("manifest:\n");
  });

  it("--json for tools", async () => {
    const run = await qs4dc("diff", imssaPath, idealPath, "--json");
    expect(run.exit).toBe(1);
    const d = JSON.parse(run.stdout);
    expect(d.equal).toBe(false);
    expect(d.arrays.before).toBe(64);
    expect(d.target[0]).toEqual({ path: "target", before: "imssa-64", after: "ideal" });
  });

  it("exit 2 with a coded error on a file that is not a chip.bin", async () => {
    const run = await qs4dc(
      "diff",
      imssaPath,
      put("bad.bin", new TextEncoder().encode("not a chip")),
    );
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(/error QS4D-E50\d: /);
  });
});

describe("toMatchChipGolden", () => {
  const match = (bytes: Uint8Array, golden: string) =>
    chipMatchers.toMatchChipGolden.call({ testPath: join(dir, "some.test.ts") }, bytes, golden);
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("fails on a missing golden, telling how to write it", () => {
    const result = match(imssa, "missing.chip.bin");
    expect(result.pass).toBe(false);
    expect(result.message()).toContain(`${UPDATE_GOLDEN_ENV}=1`);
  });

  it(`writes the golden with ${UPDATE_GOLDEN_ENV}=1, then passes on the same bytes`, () => {
    vi.stubEnv(UPDATE_GOLDEN_ENV, "1");
    expect(match(imssa, "goldens/m.chip.bin").pass).toBe(true);
    vi.unstubAllEnvs();
    expect(match(imssa, "goldens/m.chip.bin").pass).toBe(true);
  });

  it("fails on other bytes with the section-by-section diff, not a byte offset", () => {
    const result = match(ideal, "goldens/m.chip.bin");
    expect(result.pass).toBe(false);
    const message = result.message();
    expect(message).toContain("target: imssa-64 -> ideal");
    expect(message).toMatch(/\narrays: 64 -> \d+\n/);
    expect(message).not.toMatch(/offset|byte \d/);
  });
});
