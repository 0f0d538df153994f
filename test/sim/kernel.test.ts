// The ideal chip's packed read loop (conversions.ts IdealKernel, engine.ts idealCodes) against a
// plain oracle written here from the arrays themselves: per conversion and term, the sum over
// its columns' programmed cells of factor x level x row polarity x register, times the gain,
// rounded and clamped. Every conversion of every read group, primaries and mirrors (their
// kernels built on demand, as a trace or the mirror check does), with random
// registers; once on a chip whose weights fit int32 (the fixed two-by-two records and the
// blocks) and once on a copy with one cell pushed so high that a weight does not (wide weights).

import { describe, expect, it } from "vitest";
import type { ChipImage } from "../../src/emit/chip-image.js";
import { roundClamp } from "../../src/sim/arith.js";
import { type ConversionTable, columnCells, tableKernel } from "../../src/sim/conversions.js";
import { idealCodes } from "../../src/sim/engine.js";
import { prepareChip, type SimChip } from "../../src/sim/simulate.js";
import { compiled, SLICED } from "./helpers.js";

function oracle(chip: SimChip, table: ConversionTable, registers: Int32Array): Int32Array {
  const out = new Int32Array(table.count);
  for (let c = 0; c < table.count; c++) {
    const a = chip.image.arrays[table.array[c]!]!;
    const cells = columnCells(a);
    let analog = 0;
    for (let q = c * table.terms; q < (c + 1) * table.terms; q++) {
      const signal = table.termSignal[q]!;
      if (signal < 0) continue;
      let s = 0;
      for (let w = table.wirePtr[c]!; w < table.wirePtr[c + 1]!; w++) {
        const col = table.wireCol[w]!;
        for (let j = cells.start[col]!; j < cells.start[col + 1]!; j++) {
          const r = cells.row[j]!;
          if (a.row.signal[r] !== signal) continue;
          const register = registers[chip.layout.offset[signal]! + a.row.element[r]!]!;
          s += table.wireFactor[w]! * cells.level[j]! * a.row.polarity[r]! * register;
        }
      }
      analog += table.gain[q]! * s;
    }
    out[c] = roundClamp(analog, table.limit[c]!);
  }
  return out;
}

/** Registers within each signal's limit (at most +-300), from a fixed LCG. */
function randomRegisters(chip: SimChip, seed: number): Int32Array {
  const registers = new Int32Array(chip.layout.registers);
  let x = seed >>> 0;
  chip.image.signals.forEach((signal, s) => {
    const bound = Math.min(signal.limit, 300);
    for (let i = 0; i < signal.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      registers[chip.layout.offset[s]! + i] = (x % (2 * bound + 1)) - bound;
    }
  });
  return registers;
}

function checkAll(chip: SimChip): number {
  let conversions = 0;
  for (const [seed, group] of [...chip.groups.values()].entries()) {
    const registers = randomRegisters(chip, seed + 1);
    // Mirrors' kernels are built on demand (ConversionTable.ideal null until then).
    expect(group.mirrors.ideal).toBeNull();
    const mirrors = {
      ...group.mirrors,
      ideal: tableKernel(chip.image, chip.layout, group.mirrors),
    };
    for (const table of [group.primaries, mirrors]) {
      const codes = new Int32Array(table.count);
      idealCodes(table, registers, codes);
      expect(codes).toEqual(oracle(chip, table, registers));
      conversions += table.count;
    }
  }
  return conversions;
}

/** A copy of the image whose first slice-1 column's first cell has level 2^28. */
function withWideWeight(image: ChipImage): ChipImage {
  const arrays = image.arrays.map((a) => {
    const slice1 = a.readout.slice.indexOf(1);
    if (slice1 < 0) return a;
    const col = a.readout.colPlus[slice1]!;
    const level = Int32Array.from(a.cell.level);
    const at = a.cell.col.indexOf(col);
    if (at < 0) return a;
    level[at] = 2 ** 28;
    return { ...a, cell: { ...a.cell, level } };
  });
  return { ...image, arrays };
}

describe("the ideal read loop equals the plain sum over programmed cells", () => {
  it("int32 weights: digits on imssa-64 (state records and blocks)", () => {
    const chip = prepareChip(compiled("digits-qat8-h32n16-l2", "imssa-64").chip);
    const pairs = [...chip.groups.values()].reduce((n, g) => n + g.primaries.ideal.pairs.length, 0);
    expect(pairs).toBeGreaterThan(0);
    expect(checkAll(chip)).toBeGreaterThan(0);
  });

  it("weights beyond int32: a sliced chip with one cell at level 2^28", () => {
    const chip = prepareChip(withWideWeight(compiled("digits-qat8-h32n16-l2", SLICED).chip));
    const wide = [...chip.groups.values()].filter((g) => g.primaries.ideal.wideWeight !== null);
    expect(wide.length).toBeGreaterThan(0);
    expect(checkAll(chip)).toBeGreaterThan(0);
  });
});
