// `qs4dc report MODEL|CHIP.bin`: the cost metrics against values worked out by hand for a
// shared model, the quantization, pruning and array figures against what `compile --report`
// and `inspect --json` say of the same compilation, a chip's report against its model's, and
// the contract on bad input (exit 2, coded message, no output file).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile, emulate, run } from "../../src/api.js";
import { inspectFile } from "../../src/cli/commands/inspect.js";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import { writeNpy } from "../../src/util/npy.js";
import { goldenInputs, modelPath } from "../run/golden-files.js";

const dir = mkdtempSync(join(tmpdir(), "qs4dc-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QS4D = modelPath("qs4d-digits-qat-h32n16-l2", "weights.json");
const FLOAT = modelPath("digits-float-h32n16-l2", "weights.json");

let outputs = 0;
/** Run a command in-process with `-o FILE` and return what it wrote. */
async function qs4dc(args: string[]): Promise<string> {
  const out = join(dir, `out-${outputs++}`);
  const program = await buildProgram();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync([...args, "-o", out], { from: "user" });
  return readFileSync(out, "utf8");
}

// biome-ignore lint/suspicious/noExplicitAny: the report's JSON, as a tool reading it sees it
type Json = any;

async function json(args: string[]): Promise<Json> {
  return JSON.parse(await qs4dc(args));
}

/** Run a command in-process; the coded error's code, or null on success. */
async function codeOf(args: string[]): Promise<string | null> {
  try {
    await qs4dc(args);
    return null;
  } catch (error) {
    if (error instanceof Qs4dError) return error.diagnostic.code;
    throw error;
  }
}

describe("qs4dc report MODEL", () => {
  it("gives QS4D's cost metrics of the model as trained, worked out by hand", async () => {
    const report = await json(["report", QS4D, "--json"]);
    // qs4d-digits-qat-h32n16-l2: L=2, H=32, N=16, d_in=1, d_out=10, GLU mixing 32 -> 64;
    // A_quant 32, C_quant 16, state_quant 64, act_quant 64, linear_quant 16, coder_quant 16
    // levels: r_A=5, r_B=32 (B = 1, float), r_C=4, r_state=6, r_act=6, r_lin=4, r_coder=4.
    // ACE  = 2*(32*16*(5+32+4)*6 + 32*64*6*4) + (32*1*4 + 32*10*4)*6 = 350208 + 8448 = 358656
    // size = 16*32*2*(5+4) + 32*64*2*4 + 32*1*4 + 32*10*4 = 9216 + 16384 + 1408 = 27008
    // ADC  = (16*6 + 6)*32*2 + 64*4*2 + (32+10)*6 = 6528 + 512 + 252 = 7292
    expect(report.cost.trained.metrics).toEqual({
      ace: 358656,
      modelBits: 27008,
      adcComplexity: 7292,
    });
    // The float32 model of the same shape: every r = 32.
    // ACE = 2*(32*16*96*32 + 32*64*1024) + 352*32*32 = 7340032 + 360448 = 7700480
    expect(report.cost.float.ace).toBe(7700480);
    expect(report.cost.trained.vsFloat.ace).toBeCloseTo(7700480 / 358656, 12);
    // The chip's program gives the same shape as the model.
    expect(report.cost.compiled.shape).toEqual(report.cost.trained.shape);
  });

  it("gives the compiled bit widths of imssa-64: 8-bit cells and converters, digital float32 dense layers", async () => {
    // imssa-64 with no room to widen (one cell per weight, an 8-bit state register): the
    // float model over the budget, accepted with --allow-loss, keeps the target's own widths.
    const narrow = join(dir, "narrow.json");
    const t = { ...IMSSA_64, bitSlicing: { allowed: false, maxSlices: 1 } };
    writeFileSync(narrow, JSON.stringify({ ...t, stateRegister: { residual: false, maxBits: 8 } }));
    const report = await json(["report", FLOAT, "--json", "--target", narrow, "--allow-loss"]);
    expect(report.cost.compiled.bits).toEqual({
      a: 8,
      b: 8,
      c: 8,
      state: 8,
      act: 8,
      lin: 32,
      encoder: 32,
      decoder: 32,
    });
  });

  it("reports the quantization, pruning and arrays that compile --report gives", async () => {
    const args = [FLOAT, "--target", "ideal", "--prune", "energy:0.05"];
    const report = await json(["report", ...args, "--json"]);
    const reports = join(dir, "float.json");
    await qs4dc(["compile", ...args, "-q", "--report", reports]);
    const compiled = JSON.parse(readFileSync(reports, "utf8"));
    const { params: _, ...requantize } = compiled.reports.requantize;
    expect(report.quantization).toEqual(requantize);
    const { cellsBefore, ...prune } = report.pruning;
    expect(prune).toEqual(compiled.reports.prune);
    expect(prune.modes.length).toBeGreaterThan(0);
    const cellsAfter = compiled.reports["layout-imssa"].blocks.reduce(
      (sum: number, b: { cells: number }) => sum + b.cells,
      0,
    );
    expect(cellsBefore).toBe(cellsAfter + prune.cellsSaved);
    expect(report.totals.arrays).toBe(compiled.reports.tile.arrays.length);
    expect(report.totals.cellsProgrammed).toBe(compiled.reports.tile.cellsProgrammed);
  });

  it("prints a text report with every section", async () => {
    const text = await qs4dc(["report", QS4D]);
    for (const heading of ["quantization", "layers.1.lambda", "worst modes", "pruning", "arrays"]) {
      expect(text).toContain(heading);
    }
    expect(text).toMatch(/ACE +358 656 /);
    expect(text).toMatch(/model size \[bits\] +27 008 /);
    expect(text).toMatch(/ADC complexity +7 292 /);
  });
});

describe("qs4dc report MODEL --calib", () => {
  it("measures the chip against the reference on the calibration inputs, beside the predictions", async () => {
    const { data, shape } = goldenInputs("digits-float-h32n16-l2", 16);
    const calib = join(dir, "calib.npy");
    writeFileSync(calib, writeNpy({ dtype: "float32", shape, data }));
    const report = await json(["report", FLOAT, "--target", "ideal", "--calib", calib, "--json"]);
    // The same chip through the API, and both executors on the same inputs, by the test.
    const compiled = compile(FLOAT, { target: "ideal", calib });
    const chip = emulate(compiled.model, data, shape).logits;
    const ref = run(compiled.imported, data, shape).logits;
    let scale = 0;
    let error = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]!));
      error = Math.max(error, Math.abs(chip[i]! - ref[i]!));
    }
    const classes = compiled.model.config.classes;
    function maxIndex(v: Float32Array, b: number): number {
      let best = 0;
      for (let c = 1; c < classes; c++) if (v[b * classes + c]! > v[b * classes + best]!) best = c;
      return best;
    }
    let agree = 0;
    for (let b = 0; b < 16; b++) if (maxIndex(chip, b) === maxIndex(ref, b)) agree++;
    expect(report.measured).toEqual({
      samples: 16,
      relativeLogitError: error / scale,
      argmaxAgreement: agree,
    });
    expect(error).toBeGreaterThan(0);
    const text = await qs4dc(["report", FLOAT, "--target", "ideal", "--calib", calib]);
    expect(text).toContain(
      `  measured on 16 calibration samples: chip (emulator) against the reference, max |logit error| ${((100 * error) / scale).toFixed(1)}% of the largest logit, argmax agreement ${agree}/16`,
    );
    expect(await qs4dc(["report", FLOAT, "--target", "ideal"])).not.toContain("measured on");
  });
});

describe("qs4dc report CHIP.bin", () => {
  it("reports a chip as the model it was compiled from, less the trained view", async () => {
    const chip = join(dir, "qs4d.bin");
    const program = await buildProgram();
    await program.parseAsync(["compile", QS4D, "-o", chip, "-q"], { from: "user" });
    const fromChip = await json(["report", chip, "--json"]);
    const fromModel = await json(["report", QS4D, "--json"]);
    expect(fromChip.cost.trained).toBeNull();
    expect(fromChip.diagnostics).toEqual([]);
    for (const key of [
      "source",
      "target",
      "params",
      "quantization",
      "pruning",
      "totals",
      "arrays",
    ]) {
      expect(fromChip[key], key).toEqual(fromModel[key]);
    }
    expect(fromChip.cost.compiled).toEqual(fromModel.cost.compiled);
    const inspected = JSON.parse(inspectFile(chip, true));
    expect(fromChip.totals).toEqual(inspected.totals);
    expect(fromChip.arrays).toEqual(inspected.arrays);
    expect(await codeOf(["report", chip, "--target", "ideal"])).toBe("QS4D-E003");
  });
});

describe("qs4dc report: bad input", () => {
  it("exits 2 with a coded message and writes no report", () => {
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, "not a model");
    const out = join(dir, "bad-report.txt");
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "report", bad, "-o", out],
      { cwd: new URL("../..", import.meta.url).pathname, encoding: "utf8" },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/error QS4D-E\d{3}: /);
    expect(existsSync(out)).toBe(false);
  });
});
