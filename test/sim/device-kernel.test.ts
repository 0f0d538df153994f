// The device model's WebAssembly kernel computes what the JavaScript loops compute, bit for
// bit: the block functions (2, 4 and 8 lanes, and conversions read alone) against a scalar loop
// in the specified order; the codes function (conversions in runs of the same noise slots, one
// deviation per run) against the simulator's own rounding (arith.ts), per conversion; the sums of squared row voltages and
// the read-noise normals against their JavaScript definitions; and a noisy engine's kernel path
// against its JavaScript path (the one mirror tables take) on a compiled chip.

import { describe, expect, it } from "vitest";
import { roundClamp } from "../../src/sim/arith.js";
import type { ConversionTable } from "../../src/sim/conversions.js";
import { type Block, BlockKernel, type SegmentSource } from "../../src/sim/device-kernel.js";
import { NO_NOISE, parseNoise } from "../../src/sim/noise.js";
import { Purpose, Rng as SimRng } from "../../src/sim/rng.js";
import { engineFor, prepareChip } from "../../src/sim/simulate.js";
import { Rng } from "../fuzz/rng.js";
import { compiled } from "./helpers.js";

/** Uniform draws in [0, 1) of a seeded stream (the fuzzer's). */
function random(seed: number): () => number {
  const rng = new Rng(seed, 0);
  return () => rng.next();
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

interface Case {
  readonly registers: Int32Array;
  readonly index: Int32Array;
  readonly blockWeight: Float64Array;
  readonly blocks: Block[];
  readonly count: number;
}

/** Blocks of every width, slots of 0 to 70 entries, weights of mixed magnitude. */
function randomCase(seed: number): Case {
  const next = random(seed);
  const registers = Int32Array.from({ length: 97 }, () => Math.floor(next() * 511) - 255);
  const index: number[] = [];
  const weights: number[] = [];
  const blocks: Block[] = [];
  let count = 0;
  for (let b = 0; b < 12; b++) {
    // Every width, narrow blocks before wide ones, and blocks with padding lanes (fewer
    // conversions than lanes) right before the next block's conversions, which their padding
    // must leave alone.
    const widths = [4, 8, 8, 2, 1, 4, 2, 8];
    const lanes = widths[b % widths.length]!;
    const width = lanes > 2 && b % 2 === 0 ? lanes - 1 - (b % 4 === 0 ? 1 : 0) : lanes;
    const terms = 1 + Math.floor(next() * 3);
    const slots = [];
    for (let k = 0; k < terms; k++) {
      const entries = Math.floor(next() * 71);
      slots.push({
        indexStart: index.length,
        indexEnd: index.length + entries,
        weightStart: weights.length,
        constants: Array.from({ length: lanes }, () => (next() - 0.5) * 100),
        gains: Array.from({ length: lanes }, () => next() * 3e-3),
      });
      for (let j = 0; j < entries; j++) {
        index.push(Math.floor(next() * registers.length));
        for (let i = 0; i < lanes; i++) weights.push((next() - 0.5) * 10 ** (next() * 4));
      }
    }
    blocks.push({ conversion: count, width, lanes, slots });
    count += width;
  }
  return {
    registers,
    index: Int32Array.from(index),
    blockWeight: Float64Array.from(weights),
    blocks,
    count,
  };
}

/** The analog values as DeviceEngine's scalar loop computes them. */
function scalarAnalog(c: Case): Float64Array {
  const out = new Float64Array(c.count);
  for (const block of c.blocks) {
    for (let i = 0; i < block.width; i++) {
      let analog = 0;
      for (const slot of block.slots) {
        let s = slot.constants[i]!;
        for (let j = slot.indexStart; j < slot.indexEnd; j++) {
          const w = c.blockWeight[slot.weightStart + (j - slot.indexStart) * block.lanes + i]!;
          s += w * c.registers[c.index[j]!]!;
        }
        analog += slot.gains[i]! * s;
      }
      out[block.conversion + i] = analog;
    }
  }
  return out;
}

function noCodes(count: number, terms: number) {
  return {
    terms,
    noiseWeight: new Float64Array(count * terms),
    noiseSegment: new Int32Array(count * terms),
    adcOffset: new Float64Array(count),
    limit: new Int32Array(count).fill(127),
  };
}

/** `count` segments with no register entries (K = 0). */
function noSegments(count: number): SegmentSource {
  return {
    registerStart: new Int32Array(count + 1),
    register: new Int32Array(0),
    rowCount: new Float64Array(0),
    cross: new Float64Array(0),
    constant: new Float64Array(count),
  };
}

/** Random segments over `registers` registers: 0 to 12 entries each, offsets of mixed size. */
function randomSegments(next: () => number, count: number, registers: number): SegmentSource {
  const registerStart = [0];
  const register: number[] = [];
  const rowCount: number[] = [];
  const cross: number[] = [];
  for (let s = 0; s < count; s++) {
    const entries = Math.floor(next() * 13);
    for (let j = 0; j < entries; j++) {
      register.push(Math.floor(next() * registers));
      rowCount.push(1 + Math.floor(next() * 3));
      cross.push((next() - 0.5) * 10 ** (next() * 3 - 2));
    }
    registerStart.push(register.length);
  }
  return {
    registerStart: Int32Array.from(registerStart),
    register: Int32Array.from(register),
    rowCount: Float64Array.from(rowCount),
    cross: Float64Array.from(cross),
    constant: Float64Array.from({ length: count }, () => next() * 1e-2),
  };
}

describe("device kernel", () => {
  it("draws the read-noise normals Rng.gaussians draws, the rejected words included", () => {
    const kernel = new BlockKernel(1, noSegments(0), [
      {
        ...noCodes(20000, 1),
        count: 20000,
        index: new Int32Array(0),
        blockWeight: new Float64Array(0),
        blocks: [],
      },
    ]);
    for (const [key, n] of [
      [1, 20000],
      [2, 1],
      [3, 0],
      [4, 777],
    ] as const) {
      const a = new SimRng(5, Purpose.read, key, 0);
      const b = new SimRng(5, Purpose.read, key, 0);
      const expected = new Float64Array(n);
      a.gaussians(expected, n);
      kernel.gaussians(b, n);
      expect(same(kernel.deviates.subarray(0, n), expected), `stream ${key}`).toBe(true);
      // Both generators are left in the same state.
      expect(b.nextU32()).toBe(a.nextU32());
    }
  });

  it("sums squared row voltages per segment as DeviceEngine specifies, in its order", () => {
    const next = random(11);
    const registers = Int32Array.from({ length: 50 }, () => Math.floor(next() * 511) - 255);
    const segments = randomSegments(next, 40, registers.length);
    const kernel = new BlockKernel(registers.length, segments, []);
    kernel.registers.set(registers);
    kernel.squares.fill(-1);
    kernel.rowSquares(3, 17);
    kernel.rowSquares(17, 40);
    const expected = (codes: Int32Array) =>
      Float64Array.from({ length: 40 }, (_, s) => {
        if (s < 3) return -1; // not asked for: left alone
        let sum = segments.constant[s]!;
        for (let j = segments.registerStart[s]!; j < segments.registerStart[s + 1]!; j++) {
          const code = codes[segments.register[j]!]!;
          sum += code * (segments.rowCount[j]! * code + segments.cross[j]!);
        }
        return sum;
      });
    expect(same(kernel.squares, expected(registers))).toBe(true);
    // Two samples at once, each its own registers and squares.
    const two = new BlockKernel(registers.length, segments, [], 2);
    const other = registers.map((r, i) => (i % 2 === 0 ? r : -r - 3));
    two.samples[0]!.registers.set(registers);
    two.samples[1]!.registers.set(other);
    for (const x of two.samples) x.squares.fill(-1);
    two.rowSquaresTwo(3, 40);
    expect(same(two.samples[0]!.squares, expected(registers))).toBe(true);
    expect(same(two.samples[1]!.squares, expected(other))).toBe(true);
  });

  it("reads blocks of 2, 4 and 8 lanes exactly as the scalar loop", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const c = randomCase(seed);
      const source = { ...c, ...noCodes(c.count, 1) };
      const kernel = new BlockKernel(c.registers.length, noSegments(1), [source]);
      const packed = kernel.pack(source);
      kernel.registers.set(c.registers);
      kernel.run(packed);
      expect(same(packed.analog, scalarAnalog(c)), `seed ${seed}`).toBe(true);
    }
  });

  it("reads two samples in lockstep exactly as each alone (a second register file)", () => {
    for (const seed of [6, 7, 8]) {
      const c = randomCase(seed);
      const second = { ...c, registers: c.registers.map((r, i) => (i % 3 === 0 ? -r : r + 7)) };
      const source = { ...c, ...noCodes(c.count, 1) };
      const kernel = new BlockKernel(c.registers.length, noSegments(1), [source], 2);
      const packed = kernel.pack(source);
      kernel.samples[0]!.registers.set(c.registers);
      kernel.samples[1]!.registers.set(second.registers);
      kernel.runTwo(packed);
      expect(same(packed.samples[0]!.analog, scalarAnalog(c)), `seed ${seed}, first`).toBe(true);
      expect(same(packed.samples[1]!.analog, scalarAnalog(second)), `seed ${seed}, second`).toBe(
        true,
      );
    }
  });

  it("turns analog values into codes as roundClamp does, with and without read noise", () => {
    const next = random(9);
    const count = 400;
    for (const terms of [1, 2, 3, 4, 5]) {
      // Noise slots in runs of 1 to 6 conversions with the same ones, as an array's columns of
      // one gain have, and a run that differs from the one before it in one slot only.
      const noiseWeight = new Float64Array(count * terms);
      const noiseSegment = new Int32Array(count * terms);
      for (let c = 0; c < count; ) {
        const length = 1 + Math.floor(next() * 6);
        const weights = Array.from({ length: terms }, () => next() * 0.2);
        const segments = Array.from({ length: terms }, () => Math.floor(next() * 5));
        if (c > 0 && c % 5 === 0) {
          weights.splice(0, terms, ...Array.from(noiseWeight.subarray((c - 1) * terms, c * terms)));
          segments.splice(
            0,
            terms,
            ...Array.from(noiseSegment.subarray((c - 1) * terms, c * terms)),
          );
          weights[terms - 1] = next() * 0.2;
        }
        for (let i = c; i < Math.min(count, c + length); i++) {
          noiseWeight.set(weights, i * terms);
          noiseSegment.set(segments, i * terms);
        }
        c += length;
      }
      const source = {
        count,
        index: new Int32Array(0),
        blockWeight: new Float64Array(0),
        blocks: [],
        terms,
        noiseWeight,
        noiseSegment,
        adcOffset: Float64Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 0 : next() - 0.5)),
        limit: Int32Array.from({ length: count }, () => 1 + Math.floor(next() * 300)),
      };
      const kernel = new BlockKernel(1, noSegments(5), [source]);
      const packed = kernel.pack(source);
      // Exact halves (ties to even), values beyond the limits, zeros of both signs.
      const analog = Float64Array.from({ length: count }, (_, i) =>
        i % 4 === 0 ? Math.floor((next() - 0.5) * 40) + 0.5 : (next() - 0.5) * 700,
      );
      analog[1] = -0;
      packed.analog.set(analog);
      kernel.squares.set(Array.from({ length: 5 }, () => next() * 1e4));
      kernel.deviates.set(Float64Array.from({ length: count }, () => next() * 4 - 2));
      for (const noisy of [false, true]) {
        const expected = Int32Array.from({ length: count }, (_, c) => {
          let a = analog[c]!;
          if (noisy) {
            let variance = 0;
            for (let q = c * terms; q < (c + 1) * terms; q++)
              variance += source.noiseWeight[q]! * kernel.squares[source.noiseSegment[q]!]!;
            a += Math.sqrt(variance) * kernel.deviates[c]!;
          }
          return roundClamp(a + source.adcOffset[c]!, source.limit[c]!);
        });
        expect(same(kernel.codes(packed, noisy), expected), `terms ${terms} noisy ${noisy}`).toBe(
          true,
        );
      }
    }
  });

  // spoken-qat6: an array's output column joins its state columns' blocks (the same state rows,
  // no input row: read with weight 0) and runs of 6 or 7 fill 8 lanes. The blocks must give
  // every conversion the sum over its own registers, as alone (=== : a zero's sign may differ).
  it("gives every conversion of joined and padded blocks its own sums (spoken-qat6)", () => {
    const chip = prepareChip(compiled("spoken-qat6-h32n32-l4", "imssa-64")!.chip);
    const noise = parseNoise("prog=0.01,read=0,stuck=0.002,adc=0.3,dac=0.3", NO_NOISE);
    const engine = engineFor(chip, { noise, seed: 3, lockstep: false }) as unknown as {
      registers: Int32Array;
      packed: Map<ConversionTable, { analog: Float64Array }>;
      tables: Map<ConversionTable, { blockWidth: Uint8Array; blockLanes: Uint8Array }>;
      kernel: { run(p: unknown): void };
      analog(t: ConversionTable, dt: unknown, c: number): number;
    };
    const next = random(5);
    for (let i = 0; i < engine.registers.length; i++)
      engine.registers[i] = Math.floor(next() * 255) - 127;
    let joined = 0;
    for (const [table, packed] of engine.packed) {
      const dt = engine.tables.get(table)!;
      for (let c = 0; c < table.count; c += dt.blockWidth[c]!)
        if (dt.blockLanes[c]! > dt.blockWidth[c]! && dt.blockWidth[c]! === 7) joined++;
      engine.kernel.run(packed);
      const alone = Float64Array.from({ length: table.count }, (_, c) =>
        engine.analog(table, dt, c),
      );
      expect(packed.analog.every((a, c) => a === alone[c])).toBe(true);
    }
    expect(joined).toBeGreaterThan(0);
  });

  // spoken-qat6's state columns come in runs of 6 with the same rows: 8-lane blocks with two
  // padding lanes, whose stores land on the next conversions' values before those are read.
  it.each([
    ["digits-qat8-h32n16-l2", 0],
    ["spoken-qat6-h32n32-l4", 1],
  ])(
    "a noisy engine's kernel path equals its JavaScript path on %s (padded blocks: %i+)",
    (name, padded) => {
      const chip = prepareChip(compiled(name, "imssa-64")!.chip);
      const noise = parseNoise("prog=0.01,read=0.01,stuck=0.002,adc=0.3,dac=0.3", NO_NOISE);
      const engine = engineFor(chip, { noise, seed: 3 }) as unknown as {
        registers: Int32Array;
        packed: Map<ConversionTable, unknown>;
        tables: Map<ConversionTable, { blockWidth: Uint8Array; blockLanes: Uint8Array }>;
        readNoise: { gaussians(out: Float64Array, n: number): void };
        convert(t: ConversionTable): Int32Array;
        convertInScript(t: ConversionTable, dt: unknown): Int32Array;
        kernel: { rowSquares(from: number, to: number): void; squares: Float64Array };
        beginSample(sample: number): void;
      };
      const next = random(4);
      for (let i = 0; i < engine.registers.length; i++)
        engine.registers[i] = Math.floor(next() * 255) - 127;
      engine.kernel.rowSquares(0, engine.kernel.squares.length);
      expect(engine.packed.size).toBeGreaterThan(0);
      let paddedBlocks = 0;
      for (const { blockWidth, blockLanes } of engine.tables.values())
        for (let c = 0; c < blockWidth.length; c += blockWidth[c]!)
          if (blockLanes[c]! > blockWidth[c]!) paddedBlocks++;
      expect(paddedBlocks).toBeGreaterThanOrEqual(padded);
      for (const table of engine.packed.keys()) {
        engine.beginSample(7);
        const fromKernel = Int32Array.from(engine.convert(table));
        engine.beginSample(7);
        const fromScript = engine.convertInScript(table, engine.tables.get(table));
        expect(same(fromKernel, fromScript)).toBe(true);
        expect(new Set(fromKernel).size).toBeGreaterThan(10);
      }
    },
  );
});
