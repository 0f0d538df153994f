// `qs4dc compile` (chip.bin is the default artifact, --emit csv a folder) and `qs4dc inspect`,
// run in-process, checked against the golden file and against figures taken from the IR.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { readChip } from "../../src/emit/chip-read.js";
import { CELL_FIELDS } from "../../src/ir/hardware.js";
import { lowerFixture, weightsPath } from "./fixtures.js";

const MODEL = "digits-qat8-h32n16-l2";
const GOLDEN = new URL(`../golden/chip/${MODEL}.imssa-64.chip.bin`, import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), "qs4dc-emit-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The IR the CLI lowers, for figures computed independently of src/emit. */
const HW = lowerFixture(MODEL, "imssa-64")!.lowered.model.hardware!;
const PROGRAMMED = HW.crossbars.reduce((sum, x) => sum + x.cells.shape[0]!, 0);

async function cli(...args: string[]): Promise<string> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const quiet = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await (await buildProgram()).parseAsync(args, { from: "user" });
  } finally {
    spy.mockRestore();
    quiet.mockRestore();
  }
  return out;
}

async function cliError(...args: string[]): Promise<Qs4dError> {
  try {
    await cli(...args);
  } catch (error) {
    if (error instanceof Qs4dError) return error;
    throw error;
  }
  throw new Error("expected a Qs4dError");
}

describe("qs4dc compile -o chip.bin", () => {
  const chip = join(scratch, "chip.bin");

  it("writes chip.bin by default, the golden file's bytes, and no temporary file", async () => {
    await cli("compile", weightsPath(MODEL), "-o", chip, "-q");
    expect(Buffer.compare(readFileSync(chip), readFileSync(GOLDEN))).toBe(0);
    expect(readdirSync(scratch).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("inspect prints the summary, with the IR's figures", async () => {
    const text = await cli("inspect", chip);
    const cells = HW.crossbars.length * HW.params.rows * HW.params.cols;
    expect(text).toContain(`chip.bin 1.0, ${readFileSync(chip).length} bytes, written by qs4dc`);
    expect(text).toContain(`target    imssa-64 (sha256 ${HW.target.digest})`);
    expect(text).toContain(
      `arrays    ${HW.crossbars.length} (placed), ${PROGRAMMED} of ${cells} cells programmed`,
    );
    const line = text.split("\n").find((l) => l.startsWith("0      "))!;
    expect(line.split(/\s+/).slice(0, 3)).toEqual(["0", HW.crossbars[0]!.name, "64x64"]);
    expect(line.split(/\s+/)[5]).toBe(String(HW.crossbars[0]!.cells.shape[0]));
  });

  it("inspect --json carries the same figures and the full reports", async () => {
    const summary = JSON.parse(await cli("inspect", chip, "--json"));
    expect(summary.totals.cellsProgrammed).toBe(PROGRAMMED);
    expect(summary.arrays).toHaveLength(HW.crossbars.length);
    const levels = new Set<number>();
    const data = HW.crossbars[3]!.cells.data!;
    for (let i = 2; i < data.length; i += CELL_FIELDS) levels.add(data[i]!);
    expect(summary.arrays[3].levelsUsed).toEqual([...levels].sort((a, b) => a - b));
    expect(summary.manifest.passes).toContain("map-conductance");
    expect(Object.keys(summary.manifest.reports)).toContain("tile");
    const sectionBytes = summary.sections.reduce(
      (sum: number, g: { bytes: number }) => sum + g.bytes,
      0,
    );
    const directory = readChip(readFileSync(chip), chip).sections[0]!.offset;
    expect(directory + sectionBytes).toBe(summary.bytes);
  });

  it("inspect rejects a damaged file with a coded diagnostic, exit code 2", async () => {
    const damaged = join(scratch, "damaged.bin");
    const bytes = readFileSync(chip);
    bytes[bytes.length - 3]! ^= 0x20;
    writeFileSync(damaged, bytes);
    const e = await cliError("inspect", damaged);
    expect([e.diagnostic.code, e.exitCode]).toEqual(["QS4D-E512", 2]);
    expect(e.message).toContain(damaged);
    expect((await cliError("inspect", join(scratch, "none.bin"))).diagnostic.code).toBe(
      "QS4D-E001",
    );
  });

  it("rejects an unknown --emit and names the kinds", async () => {
    const e = await cliError("compile", weightsPath(MODEL), "-o", chip, "--emit", "hex");
    expect(e.message).toMatch(/chip, csv, ir/);
  });
});

describe("qs4dc compile --emit csv -o DIR", () => {
  const dir = join(scratch, "lists");

  it("writes arrays.csv and one list per array", async () => {
    await cli("compile", weightsPath(MODEL), "--emit", "csv", "-o", dir, "-q");
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(HW.crossbars.length + 1);
    expect(files[0]).toBe("array-00.csv");
    expect(files).toContain("arrays.csv");
  });

  it("lists exactly the IR's programmed cells, with their levels and conductances", () => {
    const { gMinUs, gMaxUs, levels, writeVerifyTolerance } = HW.params;
    const step = (gMaxUs - gMinUs) / (levels - 1);
    let lines = 0;
    HW.crossbars.forEach((xbar, k) => {
      const rows = readFileSync(join(dir, `array-${String(k).padStart(2, "0")}.csv`), "utf8")
        .trimEnd()
        .split("\n")
        .slice(1);
      const cells = xbar.cells.data!;
      expect(rows).toHaveLength(cells.length / CELL_FIELDS);
      rows.forEach((line, i) => {
        const [array, row, col, level, g, tolerance] = line.split(",").map(Number);
        const at = i * CELL_FIELDS;
        expect([array, row, col, level]).toEqual([k, cells[at], cells[at + 1], cells[at + 2]]);
        expect(Math.abs(g! - (gMinUs + level! * step))).toBeLessThan(1e-5 * gMaxUs);
        expect(tolerance).toBe(writeVerifyTolerance * step);
      });
      lines += rows.length;
    });
    expect(lines).toBe(PROGRAMMED);
    const index = readFileSync(join(dir, "arrays.csv"), "utf8").split("\n");
    expect(index[1]).toBe(
      `0,${HW.crossbars[0]!.name},64,64,${HW.crossbars[0]!.cells.shape[0]},${levels},${gMinUs},${gMaxUs},${writeVerifyTolerance * step},array-00.csv`,
    );
    expect(existsSync(`${dir}.tmp`)).toBe(false);
  });
});
