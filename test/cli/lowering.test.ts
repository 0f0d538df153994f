// `qs4dc compile`, `qs4dc emulate`, `qs4dc targets`: outputs and the contract on bad input
// (a coded diagnostic and no output file), run in-process through the real command tree.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { parseModel } from "../../src/ir/text/index.js";
import { readNpy, writeNpy } from "../../src/util/npy.js";
import { fixturePath, goldenF32, goldenI32 } from "../passes/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "qs4dc-lowering-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QAT8 = fixturePath("digits-qat8-h32n16-l2", "weights.json");

async function qs4dc(args: string[]): Promise<{ code: string; exit: number } | null> {
  const program = await buildProgram();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: "user" });
    return null;
  } catch (error) {
    if (error instanceof Qs4dError) return { code: error.diagnostic.code, exit: error.exitCode };
    throw error;
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

function npy(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const L = 64;
const x8 = npy(
  "x8.npy",
  writeNpy({
    dtype: "float32",
    shape: [8, L, 1],
    data: goldenF32("digits-qat8-h32n16-l2", "inputs.f32").slice(0, 8 * L),
  }),
);

describe("qs4dc compile / emulate / targets", () => {
  it("compile --emit ir writes the lowered IR and a JSON report", async () => {
    const out = join(dir, "q8.qs4d");
    const report = join(dir, "q8.json");
    expect(
      await qs4dc(["compile", QAT8, "-o", out, "--emit", "ir", "--report", report]),
    ).toBeNull();
    const model = parseModel(readFileSync(out, "utf8"), out);
    expect(model.hardware?.target.name).toBe("imssa-64");
    expect(model.hardware?.crossbars).toHaveLength(64);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.passes).toEqual([
      "apply-qat",
      "realize-kernel",
      "discretize",
      "requantize",
      "prune",
      "layout-imssa",
      "tile",
      "map-conductance",
    ]);
    expect(json.reports.requantize.layers[0].tensors[0].sqnrDb).toBe("Infinity");
  });

  it("compile with --calib, --calib-labels and --prune reports the accuracy change", async () => {
    const labels = npy(
      "y8.npy",
      writeNpy({
        dtype: "int32",
        shape: [8],
        data: goldenI32("digits-qat8-h32n16-l2", "labels.i32").slice(0, 8),
      }),
    );
    const report = join(dir, "pruned.json");
    const args = ["compile", QAT8, "-o", join(dir, "p.qs4d"), "--emit", "ir", "--report", report];
    expect(
      await qs4dc([...args, "--calib", x8, "--calib-labels", labels, "--prune", "ratio:0.2"]),
    ).toBeNull();
    const prune = JSON.parse(readFileSync(report, "utf8")).reports.prune;
    expect(prune.modes.length).toBe(102);
    expect(prune.accuracy.samples).toBe(8);
  });

  it("compile realizes a kernel-only model with --realize-modes and reports each kernel's fit", async () => {
    const kernelOnly = fixturePath("kernelonly-digits-h32n16-l2", "weights.json");
    const out = join(dir, "k.qs4d");
    const report = join(dir, "k.json");
    const args = ["compile", kernelOnly, "-o", out, "--emit", "ir", "--report", report];
    // No calibration data: the realized float model is over the budget on imssa-64.
    expect(await qs4dc([...args, "--realize-modes", "6", "--allow-loss"])).toBeNull();
    const model = parseModel(readFileSync(out, "utf8"), out);
    expect(model.layers.every((l) => l.ssm.form.kind === "discrete" && l.ssm.modes === 6)).toBe(
      true,
    );
    const realized = JSON.parse(readFileSync(report, "utf8")).reports["realize-kernel"];
    expect(realized.layers.map((l: { channels: unknown[] }) => l.channels.length)).toEqual([
      32, 32,
    ]);
    expect(realized.worst.error).toBeLessThan(1e-4);
  });

  it("emulate writes logits equal to the golden quantized logits (float32 tolerance)", async () => {
    const out = join(dir, "logits.npy");
    expect(
      await qs4dc(["emulate", QAT8, "--input", x8, "-o", out, "--target", "ideal"]),
    ).toBeNull();
    const logits = readNpy(out);
    expect(logits.shape).toEqual([8, 10]);
    const golden = goldenF32("digits-qat8-h32n16-l2", "logits_quant_recurrent.f32");
    for (let i = 0; i < 80; i++)
      expect(Math.abs((logits.data[i] as number) - golden[i]!)).toBeLessThan(1e-4);
  });

  it("a lowered model printed in full parses back and emulates to the same logits", async () => {
    const ir = join(dir, "full.qs4d");
    const [a, b] = [join(dir, "a.npy"), join(dir, "b.npy")];
    expect(await qs4dc(["compile", QAT8, "-o", ir, "--emit", "ir", "--print-tensors"])).toBeNull();
    expect(await qs4dc(["emulate", ir, "--input", x8, "-o", a])).toBeNull();
    expect(await qs4dc(["emulate", QAT8, "--input", x8, "-o", b])).toBeNull();
    expect(readNpy(a).data).toEqual(readNpy(b).data);
  });

  it("bad input: coded errors, exit 2, no output", async () => {
    const out = join(dir, "never.qs4d");
    expect(await qs4dc(["compile", QAT8, "-o", out, "--target", "nope"])).toEqual({
      code: "QS4D-E400",
      exit: 2,
    });
    expect(await qs4dc(["compile", QAT8, "-o", out, "--prune", "most"])).toEqual({
      code: "QS4D-E416",
      exit: 2,
    });
    expect(await qs4dc(["compile", QAT8, "-o", out, "--emit", "pdf"])).toEqual({
      code: "QS4D-E003",
      exit: 2,
    });
    expect(await qs4dc(["compile", QAT8, "-o", out, "--threads", "0"])).toEqual({
      code: "QS4D-E609",
      exit: 2,
    });
    const kernelOnly = fixturePath("kernelonly-digits-h32n16-l2", "weights.json");
    expect(await qs4dc(["compile", kernelOnly, "-o", out, "--realize-modes", "0"])).toEqual({
      code: "QS4D-E418",
      exit: 2,
    });
    expect(existsSync(out)).toBe(false);
  });

  it("targets lists the built-ins, --json prints them in full", async () => {
    const writes: string[] = [];
    const program = await buildProgram();
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      writes.push(String(s));
      return true;
    });
    try {
      await program.parseAsync(["targets", "--json"], { from: "user" });
    } finally {
      spy.mockRestore();
    }
    const targets = JSON.parse(writes.join(""));
    expect(targets.map((t: { name: string }) => t.name)).toEqual([
      "imssa-64",
      "imssa-256",
      "ideal",
    ]);
  });
});
