import { describe, expect, it } from "vitest";
import { readChip } from "../../src/emit/chip-read.js";
import { writeChip } from "../../src/emit/chip-write.js";
import { chipToCsv } from "../../src/emit/csv.js";
import { float32Text } from "../../src/emit/numbers.js";
import { CELLS, INFO, syntheticModel } from "./synthetic.js";

const IMAGE = readChip(writeChip(syntheticModel(), INFO), "s.bin");
const FILES = chipToCsv(IMAGE);

describe("CSV programming lists", () => {
  it("one list per array plus arrays.csv", () => {
    expect([...FILES.keys()]).toEqual(["arrays.csv", "array-0.csv"]);
  });

  it("arrays.csv describes each array with the erased level and write-verify band", () => {
    // imssa-64: 64 levels in [1, 100] µS, tolerance 0.25 of a level spacing of 99/63 µS.
    const tolerance = String((0.25 * 99) / 63);
    expect(FILES.get("arrays.csv")).toBe(
      "array,name,rows,columns,cells_programmed,levels,g_min_uS,g_max_uS,tolerance_uS,file\n" +
        `0,a0,64,64,13,64,1,100,${tolerance},array-0.csv\n`,
    );
  });

  it("lists every programmed cell in row-major order with level and target µS", () => {
    const lines = FILES.get("array-0.csv")!.trimEnd().split("\n");
    expect(lines[0]).toBe("array,row,column,level,target_uS,tolerance_uS");
    expect(lines.length - 1).toBe(CELLS.length);
    // Cell (2, 0) holds the top level 63: gMax exactly; (8, 6) level 2: 1 + 2*99/63 in float32.
    expect(lines[5]).toBe("0,2,0,63,100,0.39285714285714285");
    const [, row, col, level, g] = lines[10]!.split(",");
    expect([row, col, level]).toEqual(["8", "6", "2"]);
    expect(Math.fround(Number(g))).toBe(Math.fround(1 + (2 * 99) / 63));
    expect(g).toBe("4.142857");
  });

  it("float32 text is the shortest decimal that reads back as the same float32", () => {
    for (const x of [0.1, 1 / 3, 100, 1e-7, 3.4e38, 12.571428298950195]) {
      const f = Math.fround(x);
      const text = float32Text(f);
      expect(Math.fround(Number(text))).toBe(f);
      const digits = Number(text).toExponential().split("e")[0]!.replace(/[-.]/g, "").length;
      if (digits > 1) expect(Math.fround(Number(f.toPrecision(digits - 1)))).not.toBe(f);
    }
    expect(float32Text(Math.fround(0.1))).toBe("0.1");
  });

  it("zero-pads list names so that listings sort in array order", () => {
    const many = { ...IMAGE, arrays: Array.from({ length: 11 }, () => IMAGE.arrays[0]!) };
    const names = [...chipToCsv(many).keys()];
    expect(names[1]).toBe("array-00.csv");
    expect(names.at(-1)).toBe("array-10.csv");
  });
});
