// Monte Carlo over programmings: the same seed gives the same numbers whatever the thread
// count and however the work is cut, on worker threads from the TypeScript source (tsx, as
// under vitest) and from built JavaScript (the dist layout: worker.js beside monte-carlo.js).

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { monteCarlo, units } from "../../src/sim/monte-carlo.js";
import { NO_NOISE, parseNoise } from "../../src/sim/noise.js";
import { prepareChip, runSamples } from "../../src/sim/simulate.js";
import { compiled, goldenInputs } from "./helpers.js";

const NAME = "digits-qat8-h32n16-l2";
const c = compiled(NAME, "imssa-64")!;
const chip = prepareChip(c.chip);
const x = goldenInputs(NAME, 0, 6);
const input = { data: x.data, batch: x.batch, length: x.length, dIn: x.dIn };
const noise = parseNoise("prog=0.004,read=0.004,stuck=0.002,adc=0.2,dac=0.2", NO_NOISE);
const options = { noise, seed: 42, runs: 3 };

// Inside the checkout, so that the built files resolve the packages of node_modules.
const cache = new URL("../../node_modules/.cache/", import.meta.url).pathname;
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, "qs4dc-mc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function equal(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  return a.length === b.length && a.every((run, r) => run.every((v, i) => Object.is(v, b[r]![i])));
}

describe("Monte Carlo", () => {
  const oneThread = monteCarlo(chip, input, { ...options, threads: 1 });

  it("runs differ from each other, and each equals a direct run of its programming", async () => {
    const runs = await oneThread;
    expect(equal([runs[0]!], [runs[1]!])).toBe(false);
    const direct = runSamples(chip, x, 0, x.batch, { noise, seed: 42, run: 2 });
    expect(equal([runs[2]!], [direct])).toBe(true);
  });

  it("2 worker threads (TypeScript source through tsx) give the same numbers as 1 thread", async () => {
    const progress: number[] = [];
    const two = await monteCarlo(chip, input, {
      ...options,
      threads: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(equal(two, await oneThread)).toBe(true);
    expect(progress.at(-1)).toBe(options.runs * x.batch);
  });

  it("works from built JavaScript: worker.js is found beside monte-carlo.js", async () => {
    const src = new URL("../../src/sim/", import.meta.url).pathname;
    await build({
      entryPoints: [join(src, "monte-carlo.ts"), join(src, "worker.ts")],
      outdir: dir,
      bundle: true,
      format: "esm",
      platform: "node",
      packages: "external",
      logLevel: "silent",
    });
    const built = (await import(
      pathToFileURL(join(dir, "monte-carlo.js")).href
    )) as typeof import("../../src/sim/monte-carlo.js");
    const two = await built.monteCarlo(chip, input, { ...options, threads: 2 });
    expect(equal(two, await oneThread)).toBe(true);
  });

  it("gives the same bytes for 1, 2 and 3 threads: the ideal chip's batch and seeded runs", async () => {
    const bytes = (runs: readonly Float32Array[]) =>
      Buffer.concat(runs.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength)));
    const cases = [
      { noise: NO_NOISE, seed: 0, runs: 1 },
      { noise, seed: 7, runs: 2 },
    ];
    for (const options of cases) {
      const results = [];
      for (const threads of [1, 2, 3])
        results.push(bytes(await monteCarlo(chip, input, { ...options, threads })));
      expect(results[1]!.equals(results[0]!)).toBe(true);
      expect(results[2]!.equals(results[0]!)).toBe(true);
    }
  });

  it("workers run the chip they are given, prepared: its tables, not chip.bin prepared again", async () => {
    // Halve every ideal gain of the prepared chip: a worker that prepared chip.bin again
    // would compute the unaltered chip's samples.
    const altered = structuredClone(chip);
    for (const group of altered.groups.values()) {
      for (const g of [group.primaries.ideal.gain, group.primaries.ideal.pairGain])
        for (let i = 0; i < g.length; i++) g[i]! *= 0.5;
    }
    const ideal = { noise: NO_NOISE, seed: 0, runs: 1 };
    const unaltered = await monteCarlo(chip, input, { ...ideal, threads: 1 });
    const one = await monteCarlo(altered, input, { ...ideal, threads: 1 });
    expect(equal(one, unaltered)).toBe(false);
    for (const threads of [2, 3]) {
      const spread = await monteCarlo(altered, input, { ...ideal, threads });
      expect(equal(spread, one)).toBe(true);
    }
  });

  it("cuts work into units that cover every (run, sample) once", () => {
    const cut = units(3, 10, 4);
    const seen = new Set<string>();
    for (const u of cut) for (let b = u.from; b < u.to; b++) seen.add(`${u.run}:${b}`);
    expect(seen.size).toBe(30);
    expect(cut.reduce((n, u) => n + u.to - u.from, 0)).toBe(30);
  });
});
