// The ideal chip's pair records in WebAssembly (pair-kernel.ts) against the JavaScript loop they
// replace (engine.ts idealCodes), bit for bit: every pair conversion of compiled chips'
// read groups (primaries and mirrors) on random registers, and random records built to reach
// the edges: ties of the rounding, the clamp at +-limit and at limit 0, products beyond 2^53
// (rounded in binary64 on both sides), negative zero, empty terms.

import { describe, expect, it } from "vitest";
import {
  type IdealKernel,
  type KernelTable,
  PAIR_RECORD,
  tableKernel,
} from "../../src/sim/conversions.js";
import { idealCodes } from "../../src/sim/engine.js";
import { PairKernel } from "../../src/sim/pair-kernel.js";
import { prepareChip } from "../../src/sim/simulate.js";
import { Rng } from "../fuzz/rng.js";
import { compiled, SLICED } from "./helpers.js";

/** The pair conversions' codes from the kernel and from idealCodes, on the same registers. */
function bothCodes(tables: readonly KernelTable[], registers: Int32Array) {
  const kernel = new PairKernel(registers.length, tables);
  kernel.registers.set(registers);
  return tables.map((table) => {
    const fromKernel = kernel.run(kernel.pack(table));
    const fromScript = new Int32Array(table.count);
    idealCodes(table, registers, fromScript);
    const pairs = table.ideal.pairs;
    const converted: number[] = [];
    for (let p = 0; p < pairs.length; p += PAIR_RECORD) converted.push(pairs[p]!);
    return {
      kernel: converted.map((c) => fromKernel[c]!),
      script: converted.map((c) => fromScript[c]!),
    };
  });
}

function randomRegisters(count: number, rng: Rng, bound: number): Int32Array {
  return Int32Array.from({ length: count }, () => rng.int(-bound, bound));
}

/** A table of `count` random pair records over `registers` registers. */
function randomTable(rng: Rng, count: number, registers: number): KernelTable {
  const pairs = new Int32Array(count * PAIR_RECORD);
  const pairGain = new Float64Array(count * 2);
  const limit = new Int32Array(count);
  const order = Array.from({ length: count }, (_, c) => c).sort(() => rng.next() - 0.5);
  for (let k = 0; k < count; k++) {
    pairs[k * PAIR_RECORD] = order[k]!;
    for (let e = 0; e < 4; e++) {
      const empty = rng.next() < 0.2;
      pairs[k * PAIR_RECORD + 1 + 2 * e] = empty ? 0 : rng.int(0, registers - 1);
      // Weights up to 2^31 - 1: with registers up to 2^31 the products pass 2^53.
      const big = rng.next() < 0.1;
      pairs[k * PAIR_RECORD + 2 + 2 * e] = empty
        ? 0
        : rng.int(big ? -(2 ** 31 - 1) : -127, big ? 2 ** 31 - 1 : 127);
    }
    for (let g = 0; g < 2; g++) {
      const kind = rng.int(0, 3);
      // Halves make ties; 0 an empty term; small fractions and negatives the rest.
      pairGain[k * 2 + g] =
        kind === 0
          ? 0
          : kind === 1
            ? rng.int(-8, 8) / 2
            : rng.uniform(-3, 3) * 2 ** rng.int(-20, 4);
    }
    limit[order[k]!] = rng.next() < 0.1 ? 0 : rng.int(1, 2 ** rng.int(1, 31) - 1);
  }
  const ideal: IdealKernel = {
    pairs,
    pairGain,
    program: new Int32Array(0),
    gain: new Float64Array(0),
    wideWeight: null,
    entries: 0,
  };
  return { count, limit, ideal } as unknown as KernelTable;
}

describe("the pair kernel computes idealCodes' codes, bit for bit", () => {
  it.each([
    ["digits-qat8-h32n16-l2", "imssa-64", "imssa-64"],
    ["spoken-qat6-h32n32-l4", "imssa-64", "imssa-64"],
    ["digits-qat8-h32n16-l2", "sliced-16", SLICED],
  ] as const)(
    "every pair conversion of %s on %s, primaries and mirrors",
    (name, _label, target) => {
      const chip = prepareChip(compiled(name, target)!.chip);
      const tables = [...chip.groups.values()].flatMap((g) => [
        g.primaries,
        { ...g.mirrors, ideal: tableKernel(chip.image, chip.layout, g.mirrors) },
      ]);
      const rng = new Rng(12, 0);
      let checked = 0;
      for (const bound of [3, 300, 2 ** 20]) {
        for (const { kernel, script } of bothCodes(
          tables,
          randomRegisters(chip.layout.registers, rng, bound),
        )) {
          expect(kernel).toEqual(script);
          checked += kernel.length;
        }
      }
      expect(checked).toBeGreaterThan(1000);
    },
  );

  it("random records: ties, clamps, limit 0, products beyond 2^53, -0", () => {
    for (let index = 0; index < 40; index++) {
      const rng = new Rng(7, index);
      const registers = 64;
      const tables = [randomTable(rng, 200, registers), randomTable(rng, 1, registers)];
      const bound = index % 2 === 0 ? 2 ** 31 - 1 : 5;
      for (const { kernel, script } of bothCodes(tables, randomRegisters(registers, rng, bound)))
        expect(kernel).toEqual(script);
    }
  });

  it("a table without pair records leaves its codes alone", () => {
    const table = randomTable(new Rng(1, 1), 0, 4);
    const kernel = new PairKernel(4, [table]);
    expect(Array.from(kernel.run(kernel.pack(table)))).toEqual([]);
  });
});
