// `qs4dc verify`: one table (accuracy, argmax agreement, max logit error, first diverging
// layer) and the exit code: 0 when the ideal simulation of chip.bin equals the emulator,
// 1 (QS4D-E620) when it does not, shown with a chip image changed in memory by one cell level.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { runCli } from "../../src/cli/run-cli.js";
import { failIfInexact, formatVerify } from "../../src/cli/verify-output.js";
import type { Qs4dError } from "../../src/diag/error.js";
import { verifyChip } from "../../src/driver/compare-executors.js";
import type { ChipImage } from "../../src/emit/chip-image.js";
import { readChip } from "../../src/emit/chip-read.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import { writeNpy } from "../../src/util/npy.js";
import { compiled, goldenInputs, goldenLabels, weightsPath } from "../sim/helpers.js";

const NAME = "digits-qat8-h32n16-l2";
const dir = mkdtempSync(join(tmpdir(), "qs4dc-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const n = 12;
const x = goldenInputs(NAME, 0, n);
const labels = goldenLabels(NAME).slice(0, n);
const c = compiled(NAME, "imssa-64")!;

function verify(chip: ChipImage, threads = 1) {
  return verifyChip(
    {
      model: c.model,
      lowered: c.lowered,
      chip,
      inputs: Float64Array.from(x.data),
      shape: [n, x.length, x.dIn],
      labels,
    },
    threads,
  );
}

/** A copy of the image whose first programmed cell on a state column is one level higher. */
function withOneCellChanged(image: ChipImage): ChipImage {
  // Its own bytes: the arrays of a chip read are views on the bytes it was read from.
  const copy = readChip(c.bytes.slice(), "copy");
  const a = copy.arrays[0]!;
  const stateColumns = new Set<number>();
  for (let i = 0; i < a.readouts; i++) {
    if (copy.signals[a.readout.signal[i]!]!.kind === "ssm-state" && a.readout.polarity[i] === 1)
      stateColumns.add(a.readout.colPlus[i]!);
  }
  const cell = Array.from({ length: a.cells }, (_, i) => i).find(
    (i) => stateColumns.has(a.cell.col[i]!) && a.cell.level[i]! < image.target.params.levels - 1,
  )!;
  a.cell.level[cell]! += 1;
  return copy;
}

describe("qs4dc verify", () => {
  it("prints one table and exits 0 when simulation and emulator agree", async () => {
    const input = join(dir, "x.npy");
    const labelFile = join(dir, "y.npy");
    writeFileSync(input, writeNpy({ dtype: "float32", shape: [n, 64, 1], data: x.data }));
    writeFileSync(labelFile, writeNpy({ dtype: "int32", shape: [n], data: labels }));
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    const program = await buildProgram();
    try {
      await program.parseAsync(
        ["verify", weightsPath(NAME), "--input", input, "--labels", labelFile],
        { from: "user" },
      );
    } finally {
      spy.mockRestore();
    }
    expect(out).toMatch(/^\s+reference\s+emulator\s+simulator \(ideal\)\n/);
    expect(out).toMatch(/\naccuracy\s+\S+\s+\S+\s+\S+\n/);
    expect(out).toMatch(/\nargmax agreement with emulator\s+\S+\s+-\s+1\.0000\n/);
    expect(out).toMatch(/\nfirst layer diverging from emulator\s+none\s+-\s+none\n/);
    expect(out).toContain(`bit exact on all ${n} samples`);
  });

  it("exits 1 (QS4D-E621) when the chip strays from the reference by more than the budget", async () => {
    // A float model on a chip that cannot hold it (6-bit ADC and state, one cell per weight),
    // accepted with --allow-loss: compile warns (W406), verify measures and refuses.
    const narrow = {
      ...IMSSA_64,
      name: "narrow",
      adc: { bits: 6, perArray: 8 },
      bitSlicing: { allowed: false, maxSlices: 1 },
      stateRegister: { residual: false, maxBits: 6 },
    };
    const targetFile = join(dir, "narrow.json");
    writeFileSync(targetFile, JSON.stringify(narrow));
    const name = "digits-float-h32n16-l2";
    const m = 48;
    const input = join(dir, "f.npy");
    const labelFile = join(dir, "fl.npy");
    const fx = goldenInputs(name, 0, m);
    writeFileSync(input, writeNpy({ dtype: "float32", shape: [m, 64, 1], data: fx.data }));
    const fl = goldenLabels(name).slice(0, m);
    writeFileSync(labelFile, writeNpy({ dtype: "int32", shape: [m], data: fl }));
    const run = async (...extra: string[]) => {
      let stderr = "";
      const spy = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        const args = ["verify", weightsPath(name), "--input", input, ...extra];
        const exit = await runCli([...args, "--target", targetFile, "--allow-loss"], (text) => {
          stderr += text;
        });
        return { exit, stderr };
      } finally {
        spy.mockRestore();
      }
    };
    const labelled = await run("--labels", labelFile);
    expect(labelled.stderr).toMatch(/QS4D-E621: .* loses [\d.]+ points of accuracy on 48 samples/);
    expect(labelled.exit).toBe(1);
    // Without labels, the share of samples whose argmax differs from the reference's.
    const unlabelled = await run();
    expect(unlabelled.stderr).toMatch(
      /QS4D-E621: .*: the chip's argmax differs from the reference's \([\d.]+ %\) on 48 samples, more than/,
    );
    expect(unlabelled.exit).toBe(1);
  });

  /** `qs4dc verify` on the digits batch with extra flags: exit code, stdout, stderr. */
  async function verifyCli(...extra: string[]) {
    const input = join(dir, "x.npy");
    const labelFile = join(dir, "y.npy");
    writeFileSync(input, writeNpy({ dtype: "float32", shape: [n, 64, 1], data: x.data }));
    writeFileSync(labelFile, writeNpy({ dtype: "int32", shape: [n], data: labels }));
    let out = "";
    let err = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      const args = ["verify", weightsPath(NAME), "--input", input, "--labels", labelFile];
      const exit = await runCli([...args, ...extra], (text) => {
        err += text;
      });
      return { exit, out, err };
    } finally {
      spy.mockRestore();
    }
  }

  it("with --noise, prints the noisy runs' accuracy and agreement over --runs programmings", async () => {
    const r = await verifyCli("--noise", "target", "--runs", "3", "--max-accuracy-drop", "100");
    expect(r.err).toBe("");
    expect(r.exit).toBe(0);
    expect(r.out).toMatch(
      /\nunder device noise \(3 runs\): accuracy mean [\d.]+, std [\d.e-]+, min [\d.]+; argmax agreement with reference mean [\d.]+/,
    );
  });

  it("exits 1 (QS4D-E621) when the noisy runs' mean strays outside the budget, though the ideal chip is exact", async () => {
    const r = await verifyCli("--noise", "prog=0.6,read=0.3", "--runs", "2");
    expect(r.out).toContain(`bit exact on all ${n} samples`);
    expect(r.err).toMatch(/QS4D-E621: .*the noisy runs' mean loses [\d.]+ points of accuracy/);
    expect(r.err).not.toMatch(/the emulator loses/);
    expect(r.exit).toBe(1);
  });

  it("refuses --runs without --noise, and a bad --runs, before compiling (QS4D-E609, exit 2)", async () => {
    const alone = await verifyCli("--runs", "4");
    expect(alone.err).toMatch(/QS4D-E609: .*--runs.*needs --noise/);
    expect(alone.exit).toBe(2);
    const bad = await verifyCli("--noise", "target", "--runs", "4x");
    expect(bad.err).toMatch(/QS4D-E609/);
    expect(bad.exit).toBe(2);
  });

  it("exits 1 (QS4D-E620) when one cell level of the chip image differs", async () => {
    const good = await verify(c.chip);
    expect(good.exact).toBe(true);
    expect(() => failIfInexact(good)).not.toThrow();
    const bad = await verify(withOneCellChanged(c.chip));
    expect(bad.exact).toBe(false);
    expect(bad.simulator.divergence).toEqual({ layer: 0, codes: "y", sample: 0 });
    expect(formatVerify(bad)).toContain("layer 0 (y codes, sample 0)");
    try {
      failIfInexact(bad);
      throw new Error("no error");
    } catch (error) {
      expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E620");
      expect((error as Qs4dError).exitCode).toBe(1);
    }
  });

  it("compares the same numbers with the simulation on a worker thread", async () => {
    for (const chip of [c.chip, withOneCellChanged(c.chip)]) {
      const here = await verify(chip, 1);
      const aside = await verify(chip, 2);
      expect(aside).toEqual(here);
    }
  });
});
