// `qs4dc sim`: outputs from chip.bin alone (logits equal to the emulator's on the ideal chip,
// the report, Monte Carlo runs, the VCD trace), and the contract on bad input: a coded
// diagnostic, exit code 2 and no output file. In-process, plus one spawn of the real CLI.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { emulate } from "../../src/emulate/index.js";
import { readNpy, writeNpy } from "../../src/util/npy.js";
import { compiled, goldenInputs, goldenLabels } from "../sim/helpers.js";

const NAME = "digits-qat8-h32n16-l2";
const dir = mkdtempSync(join(tmpdir(), "qs4dc-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

const c = compiled(NAME, "imssa-64")!;
const chipPath = file("chip.bin", c.bytes);
const x = goldenInputs(NAME, 0, 8);
const inputPath = file("x.npy", writeNpy({ dtype: "float32", shape: [8, 64, 1], data: x.data }));
const labelsPath = file(
  "y.npy",
  writeNpy({ dtype: "int32", shape: [8], data: goldenLabels(NAME).slice(0, 8) }),
);

async function qs4dc(args: string[]): Promise<{ code: string; exit: number } | null> {
  const program = await buildProgram();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    await program.parseAsync(args, { from: "user" });
    return null;
  } catch (error) {
    if (error instanceof Qs4dError) return { code: error.diagnostic.code, exit: error.exitCode };
    throw error;
  }
}

/** `qs4dc sim` on the test chip and inputs, writing logits to `out` and the report to `report`. */
function simArgs(out: string, report: string): string[] {
  return [
    "sim",
    chipPath,
    "--input",
    inputPath,
    "--labels",
    labelsPath,
    "-o",
    out,
    "--report",
    report,
  ];
}

describe("qs4dc sim", () => {
  it("writes the ideal chip's logits (= the emulator's) and a report with sources", async () => {
    const out = join(dir, "logits.npy");
    const report = join(dir, "report.json");
    const args = [...simArgs(out, report), "-q"];
    expect(await qs4dc(args)).toBeNull();
    const logits = readNpy(out);
    expect(logits.shape).toEqual([8, 10]);
    const emulated = emulate(c.lowered, Float64Array.from(x.data), [8, 64, 1]).logits;
    expect(Array.from(logits.data as Float32Array)).toEqual(Array.from(emulated));
    const r = JSON.parse(readFileSync(report, "utf8"));
    expect(r.mode).toBe("ideal");
    expect(r.timing.cyclesPerStep).toBeGreaterThan(0);
    expect(r.timing.latencyCycles).toBeGreaterThan(r.timing.cyclesPerStep);
    for (const part of ["adc", "dac", "array", "digital", "register"]) {
      expect(r.energy.perSample[part].source.length).toBeGreaterThan(10);
    }
    expect(r.energy.topsPerWatt).toBeGreaterThan(0);
    expect(r.energy.jetsonNano.gflops).toBe(472);
    expect(r.accuracy.runs).toHaveLength(1);
  });

  it("runs a Monte Carlo: logits [runs, batch, classes], accuracy mean/std/min, and a VCD", async () => {
    const out = join(dir, "mc.npy");
    const report = join(dir, "mc.json");
    const vcd = join(dir, "trace.vcd");
    const args = [
      ...simArgs(out, report),
      ...["--noise", "prog=0.003,read=0.003", "--seed", "5", "--runs", "2", "--threads", "1"],
      ...["--trace", vcd, "--trace-window", "0:50", "-q"],
    ];
    expect(await qs4dc(args)).toBeNull();
    expect(readNpy(out).shape).toEqual([2, 8, 10]);
    const r = JSON.parse(readFileSync(report, "utf8"));
    expect(r.mode).toBe("device");
    expect(r.noise.programming).toBe(0.003);
    expect(r.accuracy.runs).toHaveLength(2);
    expect(r.accuracy.min).toBeLessThanOrEqual(r.accuracy.mean);
    expect(readFileSync(vcd, "utf8")).toMatch(
      /^\$version qs4dc [^\n]+\n\$comment [^\n]+\n\$timescale 1ns \$end\n/,
    );
  });

  const corrupt = () => {
    const bytes = Uint8Array.from(c.bytes);
    bytes[bytes.length - 100]! ^= 0x10;
    return file("corrupt.bin", bytes);
  };
  const badCases: [string, () => string[], string][] = [
    ["a corrupt chip.bin", () => ["sim", corrupt(), "--input", inputPath], "QS4D-E512"],
    [
      "an input with the wrong d_in",
      () => [
        "sim",
        chipPath,
        "--input",
        file(
          "x2.npy",
          writeNpy({ dtype: "float32", shape: [2, 8, 2], data: new Float32Array(32) }),
        ),
      ],
      "QS4D-E601",
    ],
    [
      "an input of zero time steps",
      () => [
        "sim",
        chipPath,
        "--input",
        file("x0.npy", writeNpy({ dtype: "float32", shape: [2, 0, 1], data: new Float32Array(0) })),
      ],
      "QS4D-E601",
    ],
    [
      "an integer input",
      () => [
        "sim",
        chipPath,
        "--input",
        file("xi.npy", writeNpy({ dtype: "int32", shape: [2, 8], data: new Int32Array(16) })),
      ],
      "QS4D-E602",
    ],
    [
      "bad --noise syntax",
      () => ["sim", chipPath, "--input", inputPath, "--noise", "prog:0.1"],
      "QS4D-E604",
    ],
    [
      "labels of the wrong length",
      () => [
        "sim",
        chipPath,
        "--input",
        inputPath,
        "--labels",
        file("l3.npy", writeNpy({ dtype: "int32", shape: [3], data: new Int32Array(3) })),
      ],
      "QS4D-E605",
    ],
    [
      "--trace-window without --trace",
      () => ["sim", chipPath, "--input", inputPath, "--trace-window", "0:10"],
      "QS4D-E609",
    ],
    ["--runs 0", () => ["sim", chipPath, "--input", inputPath, "--runs", "0"], "QS4D-E609"],
  ];
  it.each(badCases)("refuses %s: coded error, exit 2, no output", async (_, args, code) => {
    const out = join(dir, `bad-${code}.npy`);
    const report = join(dir, `bad-${code}.json`);
    expect(await qs4dc([...args(), "-o", out, "--report", report, "-q"])).toEqual({
      code,
      exit: 2,
    });
    expect(existsSync(out)).toBe(false);
    expect(existsSync(report)).toBe(false);
  });

  it("exits 2 from the real CLI too, with the diagnostic on stderr", () => {
    const out = join(dir, "spawned.npy");
    const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
    const r = spawnSync(
      "npx",
      ["tsx", cli, "sim", chipPath, "--input", inputPath, "-o", out, "--noise", "stuck=7"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("QS4D-E604");
    expect(existsSync(out)).toBe(false);
  });
});
