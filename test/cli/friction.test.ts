// The command line's friction list (issue 13) and its parser errors (issue 11, F12): every
// refusal is one coded line and its hint (never the help), exit 2, no file left; outputs are
// optional where a command's value is its summary; a chip.bin given as a model points to
// `sim`; --help shows an example per command; a closed pipe does not change the exit code.
// In-process through runCli, plus spawns of the real CLI for the pipes.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { report } from "../../src/api.js";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { modelNameFromPath } from "../../src/import/spec.js";
import { writeNpy } from "../../src/util/npy.js";
import { compiled, goldenInputs, goldenLabels } from "../sim/helpers.js";
import { type CliRun, qs4dcInProcess } from "./in-process.js";

const NAME = "digits-qat8-h32n16-l2";
const MODEL = `fixtures/models/${NAME}/model.onnx`;
const ROOT = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "qs4dc-friction-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const put = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const chipPath = put("chip.bin", compiled(NAME, "imssa-64")!.bytes);
const x = goldenInputs(NAME, 0, 8);
const inputPath = put("x.npy", writeNpy({ dtype: "float32", shape: [8, 64, 1], data: x.data }));
const labels = goldenLabels(NAME).slice(0, 8);
const labelsPath = put("y.npy", writeNpy({ dtype: "int32", shape: [8], data: labels }));
const shortLabels = put(
  "y5.npy",
  writeNpy({ dtype: "int32", shape: [5], data: labels.slice(0, 5) }),
);
const INPUTS = readdirSync(dir);

type Run = CliRun;
const qs4dc = (...args: string[]) => qs4dcInProcess(args);

/** A refusal: exit 2, one coded line and its hint on stderr, no help, nothing new in `dir`. */
function expectRefused(run: Run, code: string): void {
  expect(run.exit, run.stderr).toBe(2);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`error ${code}: `));
  expect(lines[1]).toMatch(/^ {2}hint: /);
  expect(run.stderr).not.toContain("Usage:");
  expect(readdirSync(dir).sort()).toEqual([...INPUTS].sort());
}

describe("parser errors are coded diagnostics, exit 2 (F12)", () => {
  it("an unknown command, not 'required option -o'", async () => {
    const run = await qs4dc("bogus");
    expectRefused(run, "QS4D-E800");
    expect(run.stderr).toContain("unknown command 'bogus'");
  });

  it("a misspelt command gets its did-you-mean, not 'too many arguments'", async () => {
    const run = await qs4dc("compil", MODEL, "-o", join(dir, "x.bin"));
    expectRefused(run, "QS4D-E800");
    expect(run.stderr).toContain("did you mean 'compile'?");
  });

  it("a misspelt option gets its did-you-mean", async () => {
    const run = await qs4dc("compile", MODEL, "-o", join(dir, "x.bin"), "--targt", "ideal");
    expectRefused(run, "QS4D-E801");
    expect(run.stderr).toContain(
      "unknown option '--targt' for 'qs4dc compile' (did you mean '--target'?)",
    );
  });

  it("an unknown option of the program itself", async () => {
    expectRefused(await qs4dc("--bogus"), "QS4D-E801");
  });

  it("a missing argument, a missing value, a missing option, too many arguments, a bad choice", async () => {
    expectRefused(await qs4dc("inspect"), "QS4D-E802");
    expectRefused(await qs4dc("sim", chipPath, "--input"), "QS4D-E803");
    expectRefused(await qs4dc("run", MODEL, "-o", join(dir, "y.npy")), "QS4D-E804");
    const extra = await qs4dc("compile", MODEL, "other.onnx", "-o", join(dir, "x.bin"));
    expectRefused(extra, "QS4D-E805");
    expect(extra.stderr).toContain("takes 1 argument(s), got 2");
    const choice = await qs4dc("run", MODEL, "--input", inputPath, "-o", "y.npy", "--form", "x");
    expectRefused(choice, "QS4D-E806");
    expect(choice.stderr).toContain("Allowed choices are recurrent, conv");
  });
});

describe("outputs optional where the summary is the value", () => {
  it("sim without -o prints its summary and writes nothing", async () => {
    const run = await qs4dc("sim", chipPath, "--input", inputPath, "--labels", labelsPath);
    expect(run.exit, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^simulated .* 8 samples x 64 steps/);
    expect(run.stderr).toMatch(/\n {2}accuracy \d\.\d{4}\n/);
    expect(readdirSync(dir).sort()).toEqual([...INPUTS].sort());
  });

  it("emulate without -o prints the accuracy with --labels, the predicted classes without", async () => {
    const withLabels = await qs4dc("emulate", MODEL, "--input", inputPath, "--labels", labelsPath);
    expect(withLabels.exit, withLabels.stderr).toBe(0);
    expect(withLabels.stderr).toMatch(
      /^emulate: 8 samples, 10 classes; accuracy \d\.\d{4} \(\d\/8\)\n$/,
    );
    const without = await qs4dc("emulate", MODEL, "--input", inputPath);
    expect(without.stderr).toMatch(/^emulate: 8 samples, 10 classes; predicted classes( \d){8}\n$/);
    expect(readdirSync(dir).sort()).toEqual([...INPUTS].sort());
  });

  it("-q with nothing to write is refused rather than doing nothing", async () => {
    expectRefused(await qs4dc("sim", chipPath, "--input", inputPath, "-q"), "QS4D-E811");
    expectRefused(await qs4dc("emulate", MODEL, "--input", inputPath, "-q"), "QS4D-E811");
  });
});

describe("the friction list", () => {
  it("a chip.bin given to a model command points to sim", async () => {
    const out = ["-o", join(dir, "y.npy")];
    for (const args of [["emulate", ...out], ["run", ...out], ["verify"]]) {
      const run = await qs4dc(args[0]!, chipPath, "--input", inputPath, ...args.slice(1));
      expectRefused(run, "QS4D-E807");
      expect(run.stderr).toContain(`'qs4dc sim ${chipPath} --input X.npy'`);
    }
  });

  it("ir: pipeline flags without --passes or --target are refused, --target lowers", async () => {
    for (const flag of [["--print-after-all"], ["--stop-after", "tile"], ["--verify-each"]]) {
      const run = await qs4dc("ir", MODEL, ...flag);
      expectRefused(run, "QS4D-E808");
      expect(run.stderr).toContain(`${flag[0]} without --passes or --target`);
    }
    const plain = await qs4dc("ir", MODEL);
    const lowered = await qs4dc("ir", MODEL, "--target", "imssa-64");
    expect(lowered.exit, lowered.stderr).toBe(0);
    expect(plain.stdout).not.toContain("hardware");
    expect(lowered.stdout).toMatch(/\n {2}hardware .*\n {4}target @imssa-64 /);
    const tiled = await qs4dc("ir", MODEL, "--target", "imssa-64", "--stop-after", "tile");
    expect(tiled.exit, tiled.stderr).toBe(0);
    expect(tiled.stdout).not.toEqual(lowered.stdout);
  });

  it("verify --labels of the wrong length names --input, not --calib", async () => {
    const run = await qs4dc("verify", MODEL, "--input", inputPath, "--labels", shortLabels);
    expectRefused(run, "QS4D-E810");
    expect(run.stderr).toContain("expected [8] integers, one per input of --input");
    expect(run.stderr).not.toContain("QS4D-E417");
  });

  it("--emit csv -o x.csv is refused: csv writes a folder", async () => {
    const run = await qs4dc("compile", MODEL, "--emit", "csv", "-o", join(dir, "x.csv"));
    expectRefused(run, "QS4D-E809");
    expect(existsSync(join(dir, "x.csv"))).toBe(false);
  });

  it("--prune energy: (empty) is refused, not taken as 0", async () => {
    for (const prune of ["energy:", "ratio: ", "energy:0.1:2"]) {
      const run = await qs4dc("compile", MODEL, "--prune", prune, "-o", join(dir, "p.bin"));
      expectRefused(run, "QS4D-E416");
    }
  });

  it("the model name is the file's stem, the folder's only for a generic stem in a named folder", () => {
    expect(modelNameFromPath("src/model.onnx")).toBe("model");
    expect(modelNameFromPath("models/weights.json")).toBe("weights");
    expect(modelNameFromPath("fixtures/models/digits-qat8/model.onnx")).toBe("digits-qat8");
    expect(modelNameFromPath("src/net.onnx")).toBe("net");
    expect(modelNameFromPath("model.onnx")).toBe("model");
  });

  it("--help shows an example for every command, and the program's lists them all", async () => {
    const top = await qs4dc("--help");
    expect(top.exit).toBe(0);
    for (const { name, example } of COMMANDS) {
      expect(example.startsWith(`qs4dc ${name} `), example).toBe(true);
      expect(top.stdout).toContain(`$ ${example}\n`);
      const help = await qs4dc(name, "--help");
      expect(help.exit).toBe(0);
      expect(help.stdout).toContain(`Example:\n  $ ${example}\n`);
    }
  });
});

/** The real CLI in a child process whose stdout and stderr readers close at once. */
function exitWithClosedPipes(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.destroy();
  child.stderr.destroy();
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

describe("a closed pipe (`2>&1 | head -1`) keeps the exit code", () => {
  it("a bad input stays exit 2", async () => {
    const code = await exitWithClosedPipes(["verify", MODEL, "--input", join(dir, "missing.npy")]);
    expect(code).toBe(2);
  });

  it("a good run stays exit 0", async () => {
    expect(await exitWithClosedPipes(["inspect", chipPath])).toBe(0);
  });
});

describe("wrong facts in the report", () => {
  it("pruning changes the compiled cost column, not the float reference; layers are named", async () => {
    const full = report(MODEL);
    const pruned = report(MODEL, { prune: "energy:0.05", allowLoss: true });
    expect(pruned.cost.float).toEqual(full.cost.float);
    expect(full.cost.compiled.shape.state).toBe(16);
    expect(pruned.cost.compiled.shape.state).toBeLessThan(16);
    for (const metric of ["ace", "modelBits", "adcComplexity"] as const)
      expect(pruned.cost.compiled.metrics[metric]).toBeLessThan(full.cost.compiled.metrics[metric]);
    const text = (await qs4dc("report", MODEL)).stdout;
    expect(text).toContain("QS4D cost per time step (2 layers, H=32, N=16,");
    expect(text).not.toContain("L=2");
  });
});
