import { describe, expect, it } from "vitest";
import { readChip } from "../../src/emit/chip-read.js";
import { writeChip } from "../../src/emit/chip-write.js";
import { formatInspect, inspectChip } from "../../src/emit/inspect.js";
import { CELLS, INFO, syntheticModel } from "./synthetic.js";

const BYTES = writeChip(syntheticModel(), INFO);
const SUMMARY = inspectChip(readChip(BYTES, "s.bin"), BYTES.length);

describe("inspect summary of the hand-built chip", () => {
  it("per array: blocks, utilization, cells, levels, readouts, ADCs", () => {
    const levels = [...new Set(CELLS.map((c) => c[2]))].sort((a, b) => a - b);
    expect(SUMMARY.arrays).toEqual([
      {
        index: 0,
        name: "a0",
        rows: 64,
        cols: 64,
        blocks: 2,
        utilization: 72 / 4096,
        cellsProgrammed: CELLS.length,
        levelsUsed: levels,
        readouts: 7,
        adcsUsed: 7,
        bytes: SUMMARY.sections.find((g) => g.group === "array.0")!.bytes,
      },
    ]);
  });

  it("totals, level histogram, ops and section groups that add up to the file", () => {
    expect(SUMMARY.totals).toEqual({
      arrays: 1,
      cells: 4096,
      cellsProgrammed: 13,
      utilization: 72 / 4096,
      levelHistogram: { 1: 1, 2: 1, 5: 2, 7: 2, 9: 1, 12: 1, 30: 1, 44: 2, 63: 2 },
    });
    expect(SUMMARY.ops).toEqual({ linear: 2, ssm: 1, gelu: 1, add: 1, "mean-pool": 1 });
    expect(SUMMARY.sections.map((g) => [g.group, g.sections])).toEqual([
      ["manifest", 1],
      ["target", 1],
      ["program", 1],
      ["op.*", 5],
      ["array.0", 18],
    ]);
    const first = readChip(BYTES, "s.bin").sections[0]!.offset;
    expect(first + SUMMARY.sections.reduce((sum, g) => sum + g.bytes, 0)).toBe(BYTES.length);
  });

  it("prints a readable text form", () => {
    const text = formatInspect(SUMMARY);
    expect(text).toContain("arrays    1 (placed), 13 of 4096 cells programmed, utilization 1.8%");
    expect(text).toContain("levels    used: 9 distinct (1-2, 5, 7, 9, 12, 30, 44, 63)");
    expect(text).toContain("program   2 linear, 1 ssm, 1 gelu, 1 add, 1 mean-pool; 4 signals");
    const row = text.split("\n").find((l) => l.startsWith("0 "))!;
    expect(row.trim().split(/\s+/)).toEqual([
      "0",
      "a0",
      "64x64",
      "2",
      "1.8%",
      "13",
      "9",
      "7",
      "7",
      String(SUMMARY.arrays[0]!.bytes),
    ]);
    expect(text).toContain("passes    layout-imssa, tile, map-conductance");
    expect(text).toContain('options   {"prune":0,"target":"imssa-64"}');
  });
});
