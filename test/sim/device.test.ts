// The device model: without noise it is the ideal chip bit for bit (its effective weights are
// the ideal integers); noise changes the outputs, reproducibly for a seed; stuck-at and
// programming statistics follow the parameters; accuracy degrades with the noise level.

import { describe, expect, it } from "vitest";
import type { Qs4dError } from "../../src/diag/error.js";
import { emulate } from "../../src/emulate/index.js";
import { type ConversionTable, columnCells } from "../../src/sim/conversions.js";
import { arrayShape, DeviceEngine, programArray } from "../../src/sim/device.js";
import { readsTwo } from "../../src/sim/engine.js";
import { isNoiseless, NO_NOISE, type NoiseParams, parseNoise } from "../../src/sim/noise.js";
import { accuracyOf } from "../../src/sim/report.js";
import { engineFor, prepareChip, runSamples, type SimChip } from "../../src/sim/simulate.js";
import { compiled, goldenInputs, goldenLabels } from "./helpers.js";

const QAT8 = "digits-qat8-h32n16-l2";
const chipOf = (name: string): SimChip => prepareChip(compiled(name, "imssa-64")!.chip);
const q8 = chipOf(QAT8);
const x16 = goldenInputs(QAT8, 0, 16);

function run(
  chip: SimChip,
  noise: NoiseParams | undefined,
  seed = 1,
  runIndex = 0,
  device = false,
) {
  return runSamples(chip, x16, 0, x16.batch, {
    ...(noise !== undefined ? { noise } : {}),
    seed,
    run: runIndex,
    device,
  });
}

const same = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]));

describe("device model", () => {
  it("without noise equals the ideal chip bit for bit (static and per-sample input scales)", () => {
    for (const chip of [q8, chipOf("qs4d-digits-qat-h32n16-l2")]) {
      expect(same(run(chip, NO_NOISE, 1, 0, true), run(chip, undefined))).toBe(true);
    }
  });

  it("zero noise parameters run the ideal chip; any noise changes the logits", () => {
    const zero = parseNoise("prog=0,read=0,stuck=0,adc=0,dac=0", parseNoise("target", NO_NOISE));
    expect(isNoiseless(zero)).toBe(true);
    const ideal = run(q8, undefined);
    expect(same(run(q8, zero), ideal)).toBe(true);
    for (const spec of ["prog=0.005", "read=0.005", "stuck=0.01", "adc=0.5", "dac=0.5"]) {
      expect(same(run(q8, parseNoise(spec, NO_NOISE)), ideal), spec).toBe(false);
    }
  });

  it("is reproducible for a seed and run, and differs between seeds and between runs", () => {
    const noise = parseNoise("prog=0.005,read=0.002,stuck=0.001,adc=0.1,dac=0.1", NO_NOISE);
    const a = run(q8, noise, 5, 0);
    expect(same(run(q8, noise, 5, 0), a)).toBe(true);
    expect(same(run(q8, noise, 6, 0), a)).toBe(false);
    expect(same(run(q8, noise, 5, 1), a)).toBe(false);
  });

  // The batch's samples go two at a time through one engine (each weight loaded once for both);
  // the numbers are those of one sample at a time: static scales, per-sample scales (the reads
  // in the held rows' replay), padded blocks (spoken-qat6), an odd batch (the last alone).
  it.each([
    [QAT8, 5],
    ["qs4d-digits-qat-h32n16-l2", 4],
    ["spoken-qat6-h32n32-l4", 3],
  ])("reads two samples of %s in lockstep as one at a time (batch %i)", (name, batch) => {
    const chip = name === QAT8 ? q8 : chipOf(name);
    const x = goldenInputs(name, 0, batch, 48);
    const options = {
      noise: parseNoise("prog=0.004,read=0.003,stuck=0.001,adc=0.1,dac=0.1", NO_NOISE),
      seed: 2,
      run: 1,
    };
    const engine = engineFor(chip, options);
    expect(readsTwo(engine)).toBe(true);
    const lockstep = runSamples(chip, x, 0, batch, options, engine);
    const { image, layout, groups } = chip;
    const alone = new DeviceEngine(image, layout, groups.values(), options.noise, 2, 1, 1);
    expect(readsTwo(alone)).toBe(false);
    expect(same(lockstep, runSamples(chip, x, 0, batch, options, alone))).toBe(true);
    expect(readsTwo(engineFor(chip, { ...options, lockstep: false }))).toBe(false);
    expect(readsTwo(engineFor(chip, { ...options, hooks: {} }))).toBe(false);
  });

  it("sticks cells at the requested rates (binomial, 5 sigma) and at gMax / gMin", () => {
    const noise = { ...NO_NOISE, stuckOn: 0.03, stuckOff: 0.05 };
    const { image } = q8;
    const levels = image.target.params.levels;
    let cells = 0;
    let on = 0;
    let off = 0;
    let onSeen = 0;
    let offSeen = 0;
    let notMax = 0;
    let notZero = 0;
    image.arrays.forEach((a, k) => {
      const d = programArray(image, k, noise, 3, 0);
      const ideal = programArray(image, k, NO_NOISE, 3, 0);
      cells += d.cells.length;
      on += d.stuckOn;
      off += d.stuckOff;
      // Independent of the counters: cells moved to the top level or to gMin.
      for (let i = 0; i < d.cells.length; i++) {
        if (ideal.cells[i] !== levels - 1) notMax++;
        if (ideal.cells[i] !== 0) notZero++;
        if (d.cells[i] === levels - 1 && ideal.cells[i] !== levels - 1) onSeen++;
        if (d.cells[i] === 0 && ideal.cells[i] !== 0) offSeen++;
      }
      expect(d.cells.length).toBe(
        arrayShape(image, k).rows.length * arrayShape(image, k).columns.length,
      );
      expect(columnCells(a).start.length).toBe(a.cols + 1);
    });
    const within = (count: number, n: number, p: number) =>
      Math.abs(count - n * p) <= 5 * Math.sqrt(n * p * (1 - p));
    expect(within(on, cells, 0.03)).toBe(true);
    expect(within(off, cells, 0.05)).toBe(true);
    expect(within(onSeen, notMax, 0.03)).toBe(true);
    // A cell stuck off is unchanged if it was at gMin already.
    expect(within(offSeen, notZero, 0.05)).toBe(true);
  });

  it("draws programming errors with sigma prog x gMax (in level spacings)", () => {
    const { image } = q8;
    const { levels, gMinUs, gMaxUs } = image.target.params;
    const sigma = (0.01 * gMaxUs) / ((gMaxUs - gMinUs) / (levels - 1));
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < 8; k++) {
      const noisy = programArray(image, k, { ...NO_NOISE, programming: 0.01 }, 9, 2).cells;
      const ideal = programArray(image, k, NO_NOISE, 9, 2).cells;
      for (let i = 0; i < noisy.length; i++) {
        if (ideal[i] === 0) continue; // erased cells are clipped at G = 0
        const e = noisy[i]! - ideal[i]!;
        n++;
        sum += e;
        squares += e * e;
      }
    }
    const std = Math.sqrt(squares / n - (sum / n) ** 2);
    expect(Math.abs(sum / n)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    expect(std / sigma).toBeGreaterThan(0.9);
    expect(std / sigma).toBeLessThan(1.1);
  });

  it("counts its multiply-adds: every driven register of each term with programming error, the nonzero weights without", () => {
    const { image, layout, groups } = q8;
    // Per primary conversion and term: the distinct registers of its array's rows carrying the term's signal.
    const drivenRegisters = (table: ConversionTable) => {
      let n = 0;
      for (let q = 0; q < table.count * table.terms; q++) {
        const s = table.termSignal[q]!;
        const a = image.arrays[table.array[Math.floor(q / table.terms)]!]!;
        const registers = new Set<number>();
        for (let r = 0; r < a.rows; r++)
          if (s >= 0 && a.row.signal[r] === s) registers.add(layout.offset[s]! + a.row.element[r]!);
        n += registers.size;
      }
      return n;
    };
    const engine = (noise: NoiseParams) =>
      engineFor(q8, { noise, seed: 3, device: true }) as DeviceEngine;
    // An error small enough that no cell is clipped at G = 0 (a +v/-v pair of clipped cells weighs 0).
    const noisy = engine(parseNoise("prog=0.0001", NO_NOISE));
    const ideal = engine(NO_NOISE);
    for (const g of groups.values()) {
      const dense = noisy.multiplyAdds(g.primaries);
      expect(dense).toBe(drivenRegisters(g.primaries));
      expect(ideal.multiplyAdds(g.primaries)).toBeGreaterThan(0);
      expect(ideal.multiplyAdds(g.primaries)).toBeLessThan(dense);
    }
  });

  it("accuracy of the QAT model under three noise levels: zero noise = the emulator's", () => {
    const n = 64;
    const x = goldenInputs(QAT8, 0, n);
    const labels = goldenLabels(QAT8).subarray(0, n);
    const emulated = emulate(compiled(QAT8, "imssa-64")!.lowered, Float64Array.from(x.data), [
      n,
      64,
      1,
    ]).logits;
    const levels = [
      "prog=0,read=0",
      "prog=0.001,read=0.001",
      "prog=0.003,read=0.003",
      "prog=0.01,read=0.01",
    ];
    const accuracy = levels.map((spec) => {
      const runs = [0, 1].map((r) =>
        accuracyOf(
          runSamples(q8, x, 0, n, { noise: parseNoise(spec, NO_NOISE), seed: 11, run: r }),
          labels,
          10,
        ),
      );
      return runs.reduce((a, b) => a + b, 0) / runs.length;
    });
    console.log(`${QAT8} on imssa-64, ${n} samples, mean of 2 runs:`);
    for (const [i, spec] of levels.entries()) {
      console.log(`  ${spec.padEnd(24)} accuracy ${accuracy[i]!.toFixed(3)}`);
    }
    expect(accuracy[0]).toBe(accuracyOf(emulated, labels, 10));
    expect(accuracy[3]!).toBeLessThan(accuracy[0]!);
    for (let i = 1; i < levels.length; i++)
      expect(accuracy[i]!).toBeLessThanOrEqual(accuracy[0]! + 0.02);
  });
});

describe("--noise syntax", () => {
  const code = (spec: string) => {
    try {
      parseNoise(spec, NO_NOISE);
      return null;
    } catch (e) {
      return (e as Qs4dError).diagnostic.code;
    }
  };

  it("reads key=value overrides on top of the target's parameters", () => {
    const base = { ...NO_NOISE, read: 0.5 };
    expect(parseNoise("prog=0.02, stuck=0.001", base)).toEqual({
      ...base,
      programming: 0.02,
      stuckOn: 0.0005,
      stuckOff: 0.0005,
    });
    expect(parseNoise("target", base)).toBe(base);
    expect(parseNoise("none", base)).toEqual(NO_NOISE);
  });

  it.each([
    "prog",
    "prog=",
    "prog=-1",
    "prog=abc",
    "noise=1",
    "stuck=2",
    "stuck-on=0.6,stuck-off=0.6",
    "prog=1e400",
  ])("refuses '%s' with QS4D-E604", (spec) => {
    expect(code(spec)).toBe("QS4D-E604");
  });
});
