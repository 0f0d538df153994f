// The calibration forwards (src/driver/calibrate.ts) on worker threads: the statistics, and so
// the lowered chip, are the same for any thread count, with static input quantizers (a float
// model, spoken-qat6 at L = 4000) and a per-sample one (qs4d-max). Streamed in chunks of steps
// (per-sample quantizers holding their input), they are the whole-sequence forward's bit for bit.

import { describe, expect, it } from "vitest";
import { chipBytes } from "../../src/driver/artifact.js";
import { jobStats, ssmStats, statsJob } from "../../src/driver/calibrate.js";
import { lowerModel } from "../../src/driver/lower.js";
import type { SsmStats } from "../../src/passes/lib/calibrate.js";
import { loadTarget } from "../../src/target/load.js";
import { fixtureModel, fixturePath, inputs } from "../passes/fixtures.js";

const plain = (stats: readonly SsmStats[]) =>
  stats.map((s) => ({ ...s, uMax: [...s.uMax], xMax: [...s.xMax], yMax: [...s.yMax] }));

function discretized(name: string) {
  return lowerModel(fixtureModel(name), {
    target: loadTarget("ideal"),
    passes: ["apply-qat", "realize-kernel", "discretize"],
  }).model;
}

describe("calibration statistics on worker threads", () => {
  for (const [name, samples, perSample] of [
    ["digits-float-h32n16-l2", 5, false],
    ["spoken-qat6-h32n32-l4", 3, false],
    ["qs4d-digits-qat-h32n16-l2", 5, true],
  ] as const) {
    it(`${name}: the same for 1, 2 and 3 threads`, () => {
      const model = discretized(name);
      const data = inputs(name, 0, samples);
      const one = plain(ssmStats(model, data, 1));
      expect(one.every((s) => s.perSample === perSample)).toBe(true);
      expect(one.some((s) => s.xMax.some((v) => v > 0))).toBe(true);
      expect(plain(ssmStats(model, data, 2))).toEqual(one);
      expect(plain(ssmStats(model, data, 3))).toEqual(one);
    });
  }

  it("compile --calib: the same chip.bin for 1 and 2 threads", () => {
    const name = "digits-float-h32n16-l2";
    const modelPath = fixturePath(name, "weights.json");
    const calibration = inputs(name, 0, 4);
    const bytes = (threads: number) => {
      const lowering = { target: loadTarget("imssa-64"), calibration, threads };
      return chipBytes(lowerModel(fixtureModel(name), lowering), { modelPath, lowering });
    };
    expect(Buffer.from(bytes(2)).equals(Buffer.from(bytes(1)))).toBe(true);
  });
});

describe("calibration forwards in chunks of steps", () => {
  for (const [name, samples] of [
    ["digits-float-h32n16-l2", 3],
    ["spoken-qat6-h32n32-l4", 2],
    ["imssa-demo-float-h3n28-l1", 2],
  ] as const) {
    it(`${name}: the whole-sequence statistics for chunks of 1, 7, 64 and 512 steps`, () => {
      const model = discretized(name);
      const data = inputs(name, 0, samples);
      const stats = (chunkRows: number | null) => plain(jobStats(statsJob(model, data), chunkRows));
      const whole = stats(null);
      expect(whole.some((s) => s.xMax.some((v) => v > 0))).toBe(true);
      for (const chunkRows of [1, 7, 64, 512])
        expect(stats(chunkRows), `${chunkRows}`).toEqual(whole);
    });
  }

  it("a per-sample quantizer (qs4d-max) holds its input: the whole-sequence statistics", () => {
    const name = "qs4d-digits-qat-h32n16-l2";
    const model = discretized(name);
    const data = inputs(name, 0, 2);
    const job = statsJob(model, data);
    expect(job.perSample.some((p) => p)).toBe(true);
    const whole = plain(jobStats(job, null));
    for (const chunkRows of [1, 7, 512])
      expect(plain(jobStats(statsJob(model, data), chunkRows)), `${chunkRows}`).toEqual(whole);
  });
});
