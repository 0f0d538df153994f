// The residual state update on the simulator (docs/chip-arithmetic.md §2, "Shifted codes and
// accumulating signals" and "Signals wider than the DAC"): a hand-built chip (residual-chip.ts)
// whose state register accumulates shifted codes and is wider than the DAC, written to chip.bin,
// simulated, and compared with the spec's formulas computed here (no simulator code): the state
// and output codes of every read and the logits. Also both engines, the mirror check, the
// commit of elements no readout writes, the DAC passes in the timing and energy model, and the
// DAC offset of a multi-pass row.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { readChip } from "../../src/emit/chip-read.js";
import { writeChip } from "../../src/emit/chip-write.js";
import { encodeContainer } from "../../src/emit/container.js";
import { decodeContainer } from "../../src/emit/container-read.js";
import type { ReadGroup } from "../../src/sim/conversions.js";
import { programArray } from "../../src/sim/device.js";
import { countEvents } from "../../src/sim/energy.js";
import { commit, type ReadProbe } from "../../src/sim/engine.js";
import { NO_NOISE } from "../../src/sim/noise.js";
import { prepareChip, runSamples, type SimChip } from "../../src/sim/simulate.js";
import { chipTiming, OPS_PER_ELEMENT } from "../../src/sim/timing.js";
import {
  GAIN,
  INPUT_SCALE,
  OUTPUT_SCALE,
  RESIDUAL_INFO,
  type ResidualOptions,
  residualModel,
  SHIFT,
  W,
} from "./residual-chip.js";

const chipOf = (o: ResidualOptions = {}) =>
  prepareChip(readChip(writeChip(residualModel(o), RESIDUAL_INFO), "residual.bin"));

/** Round half to even, written here from its definition. */
function rhe(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const clamp = (v: number, q: number) => Math.min(Math.max(v, -q), q);

/** One conversion of two terms: a = (0 + g_x S_x) + g_u S_u in binary64, rhe, the ADC's clamp. */
const conv = (gains: readonly number[], sx: number, su: number) =>
  clamp(rhe(0 + gains[0]! * sx + gains[1]! * su), 127);

/** Inputs that drive the state past the DAC's range, into its own clamp, and back. */
const L = 40;
const INPUT = Float32Array.from({ length: L }, (_, t) =>
  t < 12 ? 6 + 0.37 * t : t < 26 ? -9 + 0.11 * t : 0.3 * Math.sin(t),
);

interface Reference {
  /** Per read (L + 1): the state register after the commit, [xr, xi]. */
  readonly x: number[][];
  /** y codes of steps 0..L-1. */
  readonly y: number[];
  readonly logits: Float32Array;
}

/** docs/chip-arithmetic.md §2-§3 for this chip, from the weights and gains alone. */
function reference(input: Float32Array, stateLimit = 2047): Reference {
  const uq = Array.from(input, (u) => clamp(rhe(Math.fround(u / INPUT_SCALE)), 127));
  let [xr, xi] = [0, 0];
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let t = 0; t <= input.length; t++) {
    const u = t < input.length ? uq[t]! : 0;
    const u1 = t > 0 ? uq[t - 1]! : 0;
    // Every column sees the registers before the read.
    const codeR = conv(GAIN.xr, W.dr * xr - W.di * xi, W.br * u);
    const codeI = conv(GAIN.xi, W.di * xr + W.dr * xi, W.bi * u);
    const codeY = conv(GAIN.y, W.cr * xr - W.ci * xi, W.d * u1);
    // The accumulate commit: register_before + code * 2^shift, clamped to the state's limit.
    xr = clamp(xr + codeR * 2 ** SHIFT.xr, stateLimit);
    xi = clamp(xi + codeI * 2 ** SHIFT.xi, stateLimit);
    xs.push([xr, xi]);
    if (t > 0) ys.push(codeY);
  }
  // mean-pool in binary64 over the f32 outputs, then the decoder [1, -0.5] without bias.
  let sum = 0;
  for (const y of ys) sum += Math.fround(y * OUTPUT_SCALE);
  const pooled = Math.fround(sum / ys.length);
  const logits = Float32Array.from([1, -0.5], (w) => Math.fround(0 + w * pooled));
  return { x: xs, y: ys, logits };
}

/** The simulator's state after every commit, its y codes and logits, on one engine. */
function simulate(
  chip: SimChip,
  options: { device?: boolean; checkMirrors?: boolean; probe?: boolean } = {},
): Reference {
  const xs: number[][] = [];
  const ys: number[] = [];
  const x = chip.layout.offset[2]!;
  const probe: ReadProbe = {
    conversions: () => {},
    committed: (_, registers) => xs.push([registers[x]!, registers[x + 1]!]),
  };
  const logits = runSamples(chip, { data: INPUT, length: L, dIn: 1 }, 0, 1, {
    ...(options.device === true ? { device: true, noise: NO_NOISE } : {}),
    ...(options.checkMirrors === true ? { checkMirrors: true } : {}),
    hooks: {
      ssmOutput: (_, __, yq) => ys.push(yq[0]!),
      ...(options.probe === false ? {} : { probe }),
    },
  });
  return { x: xs, y: ys, logits };
}

describe("residual state update: simulation == the spec's formulas", () => {
  const chip = chipOf();
  const expected = reference(INPUT);

  it("the test exercises a state wider than the DAC, its clamp and the ADC's", () => {
    const magnitudes = expected.x.flat().map(Math.abs);
    expect(Math.max(...magnitudes)).toBe(2047);
    expect(magnitudes.filter((m) => m > 127 && m < 2047).length).toBeGreaterThan(10);
    expect(new Set(expected.y).size).toBeGreaterThan(5);
    expect(expected.y.some((y) => Math.abs(y) === 127)).toBe(true);
  });

  it("ideal engine: every state commit, every y code and the logits (mirrors checked)", () => {
    const got = simulate(chip);
    expect(got.x).toEqual(expected.x);
    expect(got.y).toEqual(expected.y);
    expect(Array.from(got.logits)).toEqual(Array.from(expected.logits));
  });

  it("ideal engine without a probe, with and without the mirror check: the same logits", () => {
    for (const checkMirrors of [false, true]) {
      const got = simulate(chip, { checkMirrors, probe: false });
      expect(got.y).toEqual(expected.y);
      expect(Array.from(got.logits)).toEqual(Array.from(expected.logits));
    }
  });

  it("device engine without noise: the same, bit for bit", () => {
    const got = simulate(chip, { device: true });
    expect(got.x).toEqual(expected.x);
    expect(got.y).toEqual(expected.y);
    expect(Array.from(got.logits)).toEqual(Array.from(expected.logits));
  });

  it("a replacing state (no accumulate, no shifts) is the plain update", () => {
    const plain = chipOf({ accumulate: false, shifts: { xr: 0, xi: 0 }, stateLimit: 127 });
    const got = simulate(plain);
    let [xr, xi] = [0, 0];
    const uq = Array.from(INPUT, (u) => clamp(rhe(Math.fround(u / INPUT_SCALE)), 127));
    for (let t = 0; t <= L; t++) {
      const u = t < L ? uq[t]! : 0;
      [xr, xi] = [
        conv(GAIN.xr, W.dr * xr - W.di * xi, W.br * u),
        conv(GAIN.xi, W.di * xr + W.dr * xi, W.bi * u),
      ];
      expect(got.x[t]).toEqual([xr, xi]);
    }
  });

  it("a mirror whose shift differs from its primary's fails the mirror check (QS4D-E611)", () => {
    const bytes = writeChip(residualModel(), RESIDUAL_INFO);
    const sections = [...decodeContainer(bytes, "r.bin").sections.values()].map((s) =>
      s.name === "array.0.readout.shift" && s.kind === "array"
        ? { ...s, data: Int32Array.from([3, 2, 2, 2, 0, 0]) }
        : s,
    );
    const broken = prepareChip(readChip(encodeContainer(sections), "broken.bin"));
    // Mirrors change nothing: without the check the primaries' result stands.
    expect(simulate(broken, { probe: false }).y).toEqual(expected.y);
    let error: unknown = null;
    try {
      simulate(broken, { checkMirrors: true, probe: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Qs4dError);
    expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E611");
    expect((error as Qs4dError).message).toContain("l0.x[0]");
  });
});

describe("the commit: accumulate, shifts, elements no readout writes", () => {
  // Two signals at registers [0, 3) (replacing, limit 100) and [3, 6) (accumulating, limit 50);
  // primaries write registers 0, 3, 4 and 4 again (two codes summed); 1, 2 and 5 are unwritten.
  const table = { dest: Int32Array.from([0, 3, 4, 4]), step: Float64Array.from([2, 4, 1, 8]) };
  const group = {
    primaries: table,
    shifted: true,
    accumulated: 2,
    commitSingle: Int32Array.from([0, 1]),
    singlesPlain: false,
    commitShared: Int32Array.from([2, 3]),
    commitLimit: Int32Array.from([100, 50, 50, 50]),
    commitAccumulate: Uint8Array.from([0, 1, 1, 1]),
    commitFirst: Int32Array.from([2]),
    unwritten: Int32Array.from([1, 2]),
  } as unknown as ReadGroup;

  it("replacing: sum of shifted codes, unwritten -> 0; accumulating: before + sum, unwritten kept", () => {
    const registers = Int32Array.from([9, 9, 9, 10, -20, 7]);
    const sums = new Float64Array(6);
    commit(group, Int32Array.from([-3, 5, 2, -1]), registers, sums);
    // 0: -3 * 2; 3: 10 + 5 * 4 = 30; 4: -20 + (2 * 1 + -1 * 8) = -26; 5 keeps 7.
    expect(Array.from(registers)).toEqual([-6, 0, 0, 30, -26, 7]);
    expect(Array.from(sums)).toEqual([0, 0, 0, 0, 0, 0]);
    commit(group, Int32Array.from([80, 9, -4, -3]), registers, sums);
    // 0: clamp(160, 100); 3: clamp(30 + 36, 50); 4: clamp(-26 - 4 - 24, 50) = -50.
    expect(Array.from(registers)).toEqual([100, 0, 0, 50, -50, 7]);
  });

  it("plain singles (unshifted, replacing): each code clamped to its signal's limit", () => {
    const plain = {
      ...group,
      primaries: { dest: Int32Array.from([2, 0, 1]), step: Float64Array.from([1, 1, 1]) },
      shifted: false,
      accumulated: 0,
      commitSingle: Int32Array.from([0, 1, 2]),
      singlesPlain: true,
      commitShared: new Int32Array(0),
      commitLimit: Int32Array.from([100, 100, 5]),
      commitAccumulate: new Uint8Array(3),
      commitFirst: new Int32Array(0),
      unwritten: new Int32Array(0),
    } as unknown as ReadGroup;
    const registers = Int32Array.from([9, 9, 9]);
    commit(plain, Int32Array.from([-300, 7, -6]), registers, new Float64Array(3));
    expect(Array.from(registers)).toEqual([7, -5, -100]);
  });
});

describe("timing and energy: DAC passes, conversion steps, the accumulate commit", () => {
  const timingOf = (chip: SimChip) =>
    chipTiming(chip.image, chip.layout, chip.groups, { length: L });
  const t = chipOf().image.target.description.timing;
  const cycles = (ns: number) => Math.ceil(ns / 10 - 1e-9); // imssa-64: 100 MHz
  // One lane (H = 1): quantize 2 ops, dequantize 1 op, 6 conversions on 6 of the 8 ADCs.
  const base = 2 * cycles(t.digitalOpNs) + cycles(t.digitalOpNs);
  const analog = cycles(t.dacSettleNs) + cycles(t.readNs);
  const access = cycles(t.registerAccessNs);
  const rmw = 2 * access + cycles(t.digitalOpNs);
  const perRead = (chip: SimChip) => timingOf(chip).stages.find((s) => s.kind === "arrays")!;

  it.each([
    // [state limit, bits m, passes P = ceil(m / 7)]
    [127, 7, 1],
    [128, 8, 2],
    [2047, 11, 2],
    [16383, 14, 2],
    [16384, 15, 3],
    [2 ** 21 - 1, 21, 3],
    [2 ** 21, 22, 4],
  ])("state limit %i (%i bits): %i passes of DAC settle + read", (limit, _bits, passes) => {
    const chip = chipOf({ stateLimit: limit });
    expect(chip.groups.get(0)!.passes).toBe(passes);
    expect(timingOf(chip).readPhases.get(0)!.passes).toBe(passes);
    expect(perRead(chip).cyclesPerItem).toBe(
      base + passes * analog + cycles(t.adcConversionNs) + rmw,
    );
  });

  it("without accumulate the commit is one register access; P = 1 is today's read", () => {
    const plain = chipOf({ accumulate: false, shifts: { xr: 0, xi: 0 }, stateLimit: 127 });
    expect(perRead(plain).cyclesPerItem).toBe(base + analog + cycles(t.adcConversionNs) + access);
  });

  it("a readout wider than the ADC takes ceil(m / 7) conversion steps on its ADC", () => {
    // Limit 1023 (10 bits): 2 steps; the 2^shift x limit bound stays within int32.
    const chip = chipOf({ readoutLimit: 1023 });
    expect(chip.groups.get(0)!.primaries.adcSteps).toEqual(Int32Array.from([2, 2, 2]));
    expect(perRead(chip).cyclesPerItem).toBe(
      base + 2 * analog + 2 * cycles(t.adcConversionNs) + rmw,
    );
    expect(countEvents(chip.image, chip.groups, timingOf(chip)).adcConversions).toBe((L + 1) * 12);
  });

  it("events: DAC conversions, array reads and cells per pass; ADC once; the adds and reads", () => {
    const reads = L + 1;
    const events = (chip: SimChip) => countEvents(chip.image, chip.groups, timingOf(chip));
    const plain = chipOf({ accumulate: false, shifts: { xr: 0, xi: 0 }, stateLimit: 127 });
    const one = events(plain);
    // 8 driven rows (u, u1, xr, xi, each a +/- pair), 3 distinct registers... 4: u, u1, xr, xi.
    expect(one.dacConversions).toBe(reads * 8);
    expect(one.arrayReads).toBe(reads);
    expect(one.adcConversions).toBe(reads * 6);
    expect(one.registerAccesses).toBe(reads * (4 + 3));
    expect(one.cellOps).toBe(reads * 64 * 64);
    const ops = reads * (OPS_PER_ELEMENT.quantize + OPS_PER_ELEMENT.dequantize);
    const periphery = one.digitalOps - ops;
    for (const [limit, passes] of [
      [2047, 2],
      [16384, 3],
    ] as const) {
      const e = events(chipOf({ stateLimit: limit }));
      expect(e.dacConversions).toBe(passes * one.dacConversions);
      expect(e.arrayReads).toBe(passes * one.arrayReads);
      expect(e.cellOps).toBe(passes * one.cellOps);
      expect(e.adcConversions).toBe(one.adcConversions);
      expect(e.analogMacs).toBe(one.analogMacs);
      // The accumulate commit: one register read and one add per state element per read.
      expect(e.registerAccesses).toBe(one.registerAccesses + reads * 2);
      expect(e.digitalOps).toBe(ops + periphery + reads * 2);
    }
  });
});

describe("device model: a DAC offset over several passes", () => {
  it("a row driven in P passes carries o x sum_j 2^(7 j): 129 o for two passes", () => {
    const noise = { ...NO_NOISE, dacOffsetLsb: 0.5 };
    const one = programArray(chipOf({ stateLimit: 127 }).image, 0, noise, 7, 0).dacOffset;
    const two = programArray(chipOf({ stateLimit: 2047 }).image, 0, noise, 7, 0).dacOffset;
    const three = programArray(chipOf({ stateLimit: 16384 }).image, 0, noise, 7, 0).dacOffset;
    expect(one.length).toBe(8);
    expect(one.some((o) => o !== 0)).toBe(true);
    // Every row of the read (narrow u rows too) is driven in each of the read's passes.
    expect(Array.from(two)).toEqual(Array.from(one, (o) => o * 129));
    expect(Array.from(three)).toEqual(Array.from(one, (o) => o * (1 + 128 + 128 * 128)));
  });
});
