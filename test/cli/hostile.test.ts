// Issue 11, "hostile input": one regression case per finding F1-F11 of the outside fuzz
// campaign, through the real command line in-process. Each asserts the exit code, the
// diagnostic's code, no stack trace, and (for the output findings) which files exist after.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { writeNpy } from "../../src/util/npy.js";
import { entry, findEntry, resealSection, rewriteJson, view } from "../emit/corrupt.js";

const FLOAT = "fixtures/models/digits-float-h32n16-l2";
const work = mkdtempSync(join(tmpdir(), "qs4dc-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Outcome {
  readonly code: number;
  readonly stderr: string;
}

/** Runs qs4dc in-process; stderr holds the diagnostics and what commands print there. */
async function cli(...argv: string[]): Promise<Outcome> {
  let stderr = "";
  const capture = vi.spyOn(process.stderr, "write").mockImplementation((text) => {
    stderr += String(text);
    return true;
  });
  try {
    const code = await runCli(argv, (text) => {
      stderr += text;
    });
    return { code, stderr };
  } finally {
    capture.mockRestore();
  }
}

/** `qs4dc sim` of the fixture's chip on the fixture's input, with `args`. */
function simFloat(...args: string[]): Promise<Outcome> {
  return cli("sim", CHIP, "--input", INPUT, ...args);
}

/** `qs4dc compile` of the float fixture for the ideal target, with `args`. */
function compileFloat(...args: string[]): Promise<Outcome> {
  return cli("compile", ...IDEAL, `${FLOAT}/weights.json`, ...args);
}

/** Exit 2 with `code` on stderr, and no stack trace. */
function expectRefused(outcome: Outcome, code: string): void {
  expect(outcome.stderr).toContain(code);
  expect(outcome.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  expect(outcome.code).toBe(2);
}

function at(name: string): string {
  return join(work, name);
}

function write(name: string, data: string | Uint8Array): string {
  writeFileSync(at(name), data);
  return at(name);
}

/** A float64 .npy input batch [batch, length, 1]. */
function input(values: readonly number[], length = 64): Uint8Array {
  const data = Float64Array.from(values);
  return writeNpy({ dtype: "float64", shape: [values.length / length, length, 1], data });
}

/** The ideal target: digits-float does not fit imssa-64 within the default budget. */
const IDEAL = ["--target", "ideal"];
const INPUT = at("x.npy");
const CHIP = at("chip.bin");
let irText = "";

beforeAll(async () => {
  writeFileSync(INPUT, input(Array.from({ length: 128 }, (_, i) => Math.sin(i / 5))));
  expect((await compileFloat("-o", CHIP, "-q")).code).toBe(0);
  const printed = await cli("ir", `${FLOAT}/weights.json`, "--print-tensors", "-o", at("m.qs4d"));
  expect(printed.code).toBe(0);
  irText = readFileSync(at("m.qs4d"), "utf8");
}, 120_000);

describe("F1-F4: reader limits instead of deep recursion and unbounded sizes", () => {
  it("F1: a weights.json nested thousands of levels deep is refused with a code", async () => {
    const deep = `{"format": ${"[".repeat(5000)}1${"]".repeat(5000)}}`;
    expectRefused(await cli("ir", write("deep.json", deep)), "QS4D-E240");
  });

  it("F1: a value nested up to the limit under a schema error is shown with its code", async () => {
    const w = JSON.parse(readFileSync(`${FLOAT}/weights.json`, "utf8"));
    let nested: unknown = 1;
    for (let i = 0; i < 55; i++) nested = [nested];
    w.tensors["layers.0.D"].shape = nested;
    const outcome = await cli("ir", write("deep-schema.json", JSON.stringify(w)));
    expectRefused(outcome, "QS4D-E202");
  });

  it("F2: IR text with a list nested 3,000 deep is refused with a code", async () => {
    const text = irText.replace(
      /d: f32\[32\] = \[[^\]]*\]/,
      `d: f32[32] = ${"[".repeat(3000)}1${"]".repeat(3000)}`,
    );
    expectRefused(await cli("ir", write("deep-list.qs4d", text)), "QS4D-E060");
  });

  it("F2: IR text with 100k nested blocks is refused with a code", async () => {
    const text = `${"model @m { ".repeat(100_000)}${"}".repeat(100_000)}`;
    expectRefused(await cli("ir", write("deep-blocks.qs4d", text)), "QS4D-E060");
  });

  it("F3: IR text with a 16 MB line is refused with a code", async () => {
    const values = Array.from({ length: 3_000_000 }, () => "0.5").join(",");
    const text = irText.replace(/d: f32\[32\] = \[[^\]]*\]/, `d: f32[32] = [${values}]`);
    expectRefused(await cli("ir", write("long-line.qs4d", text)), "QS4D-E061");
  });

  it("F3: IR text with one huge string is refused with a code", async () => {
    const text = irText.replace("model @", `model "${"x".repeat(16_000_000)}" @`);
    expectRefused(await cli("ir", write("long-string.qs4d", text)), "QS4D-E061");
  });

  it("F4: an IR tensor of more than 2^32 elements is refused with a code", async () => {
    for (const shape of ["4294967297", "1099511627776,2"]) {
      const text = irText.replace(/d: f32\[32\] = \[[^\]]*\]/, `d: f32[${shape}] = [1]`);
      expectRefused(await cli("ir", write("huge.qs4d", text)), "QS4D-E062");
    }
  });
});

describe("F5-F7: outputs as one transaction", () => {
  it("F5: -o under a regular file is a coded error and leaves nothing", async () => {
    const file = write("plain-file", "user data");
    expectRefused(await compileFloat("-o", join(file, "c.bin")), "QS4D-E002");
    const y = at("f5-y.npy");
    const outcome = await simFloat("-o", y, "--trace", join(file, "t.vcd"));
    expectRefused(outcome, "QS4D-E002");
    expect(existsSync(y)).toBe(false);
    expect(readFileSync(file, "utf8")).toBe("user data");
  });

  it("F6: sim writes all its outputs or none", async () => {
    const y = at("f6-y.npy");
    const outcome = await simFloat("-o", y, "--report", at("missing-dir/r.json"));
    expectRefused(outcome, "QS4D-E002");
    expect(existsSync(y)).toBe(false);
  });

  it("F6: compile with a report it cannot write leaves no chip.bin", async () => {
    const out = at("f6-chip.bin");
    const outcome = await compileFloat("-o", out, "--report", at("missing-dir/r.json"));
    expectRefused(outcome, "QS4D-E002");
    expect(existsSync(out)).toBe(false);
  });

  it("F7: --emit csv refuses an existing non-empty folder and keeps the user's files", async () => {
    const dir = at("user-folder");
    mkdirSync(dir);
    writeFileSync(join(dir, "thesis.tex"), "precious");
    const outcome = await compileFloat("--emit", "csv", "-o", dir);
    expectRefused(outcome, "QS4D-E063");
    expect(readFileSync(join(dir, "thesis.tex"), "utf8")).toBe("precious");
  });

  it("F7: --emit csv --force replaces a folder it is told to", async () => {
    const dir = at("forced-folder");
    mkdirSync(dir);
    writeFileSync(join(dir, "old.csv"), "old");
    const outcome = await compileFloat("--emit", "csv", "-o", dir, "--force", "-q");
    expect(outcome.code).toBe(0);
    expect(readdirSync(dir)).not.toContain("old.csv");
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });

  it("F7: an existing file given as a folder output is refused, not replaced", async () => {
    const file = write("not-a-folder", "user data");
    const outcome = await compileFloat("--emit", "csv", "-o", file);
    expectRefused(outcome, "QS4D-E064");
    expect(statSync(file).isFile()).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("user data");
  });

  it("outputs are checked before the work: a mistyped folder ends the command first", async () => {
    const missing = at("no-such-folder/y.npy");
    // The input would fail the run (E300, wrong rank) if the run started.
    const bad = write(
      "rank.npy",
      writeNpy({ dtype: "float64", shape: [64], data: new Float64Array(64) }),
    );
    for (const command of ["run", "emulate"]) {
      const outcome = await cli(
        command,
        `${FLOAT}/weights.json`,
        ...IDEAL.slice(command === "run" ? 2 : 0),
        "--input",
        bad,
        "-o",
        missing,
      );
      expectRefused(outcome, "QS4D-E002");
    }
    expectRefused(await simFloat("-o", at("y.npy"), "--report", missing), "QS4D-E002");
    expectRefused(await compileFloat("-o", missing), "QS4D-E002");
  });

  it("a folder given as a file output is refused, not replaced", async () => {
    const dir = at("a-folder");
    mkdirSync(dir);
    writeFileSync(join(dir, "keep"), "x");
    const outcome = await compileFloat("-o", dir);
    expectRefused(outcome, "QS4D-E064");
    expect(readFileSync(join(dir, "keep"), "utf8")).toBe("x");
  });
});

describe("F8-F11: semantic checks at every entry point", () => {
  function labels(values: number[], dtype: "int32" | "int64" = "int32"): string {
    const data =
      dtype === "int32" ? Int32Array.from(values) : BigInt64Array.from(values.map(BigInt));
    return write(
      `labels-${dtype}-${values.join("_")}.npy`,
      writeNpy({ dtype, shape: [values.length], data }),
    );
  }

  it("F8: verify --labels refuses labels outside the classes", async () => {
    for (const bad of [
      [99, 0],
      [-1, 0],
    ]) {
      const outcome = await cli(
        "verify",
        ...IDEAL,
        `${FLOAT}/weights.json`,
        "--input",
        INPUT,
        "--labels",
        labels(bad),
      );
      expectRefused(outcome, "QS4D-E309");
    }
  });

  it("F8: sim refuses an int64 label of 2^40", async () => {
    const outcome = await simFloat("-o", at("f8-y.npy"), "--labels", labels([2 ** 40, 0], "int64"));
    expectRefused(outcome, "QS4D-E606");
    expect(existsSync(at("f8-y.npy"))).toBe(false);
  });

  it("F9: config length = 0 is refused by ir, compile, run and emulate alike", async () => {
    const file = write("len0.qs4d", irText.replace("length = 64", "length = 0"));
    expectRefused(await cli("ir", file), "QS4D-E030");
    expectRefused(await cli("compile", ...IDEAL, file, "-o", at("len0.bin")), "QS4D-E030");
    expectRefused(await cli("run", file, "--input", INPUT, "-o", at("len0-r.npy")), "QS4D-E030");
    expectRefused(
      await cli("emulate", ...IDEAL, file, "--input", INPUT, "-o", at("len0-e.npy")),
      "QS4D-E030",
    );
  });

  it("F11: a finite input of 1e300 is a coded error in run, emulate and sim, never NaN in a file", async () => {
    const huge = write("huge-x.npy", input(new Array(64).fill(1e300)));
    for (const [command, ...args] of [
      // The float model's reference stays finite; the QAT model's quantizers overflow.
      ["run", "fixtures/models/digits-qat8-h32n16-l2/weights.json"],
      ["emulate", `${FLOAT}/weights.json`, ...IDEAL],
      ["sim", CHIP],
    ]) {
      const out = at(`f11-${command}.npy`);
      const outcome = await cli(command!, ...args, "--input", huge, "-o", out);
      expectRefused(outcome, "QS4D-E308");
      expect(outcome.stderr).toContain(`${command}: a non-finite value`);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe("F10 and the chip.bin value ranges: the reader checks every value the executors use", () => {
  const decoder = new TextDecoder();

  function section(bytes: Uint8Array, name: string): string {
    const e = entry(bytes, findEntry(bytes, name));
    return decoder.decode(bytes.subarray(e.offset, e.offset + e.length));
  }

  async function simOf(bytes: Uint8Array, name: string): Promise<Outcome> {
    const out = at(`${name}-y.npy`);
    const outcome = await cli("sim", write(`${name}.bin`, bytes), "--input", INPUT, "-o", out);
    expect(existsSync(out)).toBe(false);
    return outcome;
  }

  it("F10: a UTF-8 byte-order mark in a JSON section (CRCs valid) is refused", async () => {
    const chip = new Uint8Array(readFileSync(CHIP));
    const text = section(chip, "manifest").replace("digits-float-h32n16-l2", "digits-float-h32n16");
    const outcome = await simOf(rewriteJson(chip, "manifest", `\uFEFF${text}`), "bom");
    expectRefused(outcome, "QS4D-E513");
    expect(outcome.stderr).toContain("byte-order mark");
  });

  it("a layer-norm eps <= 0 is refused", async () => {
    const chip = new Uint8Array(readFileSync(CHIP));
    const program = section(chip, "program");
    expect(program).toMatch(/"eps":[0-9.e-]+/);
    const edited = rewriteJson(chip, "program", program.replace(/"eps":[0-9.e-]+/, '"eps":0'));
    const outcome = await simOf(edited, "eps");
    expectRefused(outcome, "QS4D-E515");
    expect(outcome.stderr).toContain("expected a number > 0");
  });

  it("an Inf bias is refused", async () => {
    const chip = new Uint8Array(readFileSync(CHIP));
    const ops = JSON.parse(section(chip, "program")).ops as { bias?: { section: string } }[];
    const name = ops.find((op) => op.bias != null)!.bias!.section;
    const i = findEntry(chip, name);
    view(chip).setFloat32(entry(chip, i).offset, Number.POSITIVE_INFINITY, true);
    resealSection(chip, i);
    const outcome = await simOf(chip, "inf-bias");
    expectRefused(outcome, "QS4D-E515");
    expect(outcome.stderr).toContain("Infinity");
  });
});

describe("the doubtful list of issue 11", () => {
  it("a weights.json missing one layer's mixing bias (the others have one) is refused", async () => {
    const w = JSON.parse(readFileSync(`${FLOAT}/weights.json`, "utf8"));
    delete w.tensors["layers.0.output_linear.bias"];
    const outcome = await cli("ir", write("no-bias.json", JSON.stringify(w)));
    expectRefused(outcome, "QS4D-E234");
    expect(outcome.stderr).toContain("layers.0.output_linear.bias");
  });

  it("an .npy header with a list shape is refused", async () => {
    const good = writeNpy({ dtype: "float64", shape: [1, 64, 1], data: new Float64Array(64) });
    const shapeAt = decoderText(good).indexOf("(1, 64, 1)");
    const bytes = good.slice();
    bytes.set(new TextEncoder().encode("[1, 64, 1]"), shapeAt);
    const outcome = await cli(
      "run",
      `${FLOAT}/weights.json`,
      "--input",
      write("list.npy", bytes),
      "-o",
      at("list-y.npy"),
    );
    expectRefused(outcome, "QS4D-E262");
    expect(outcome.stderr).toContain("found a list");
  });

  it("an input length the model was not trained at runs with a note (N060)", async () => {
    for (const length of [1, 63, 65]) {
      const x = write(`len-${length}.npy`, input(new Array(length).fill(0.5), length));
      const outcome = await cli(
        "run",
        `${FLOAT}/weights.json`,
        "--input",
        x,
        "-o",
        at(`len-${length}-y.npy`),
      );
      expect(outcome.code).toBe(0);
      expect(outcome.stderr).toContain("QS4D-N060");
      expect(outcome.stderr).toContain(`length ${length}`);
    }
    const trained = await cli(
      "run",
      `${FLOAT}/weights.json`,
      "--input",
      INPUT,
      "-o",
      at("len-64-y.npy"),
    );
    expect(trained.code).toBe(0);
    expect(trained.stderr).not.toContain("QS4D-N060");
  });

  it("sim notes it too, from the length the chip's precision analysis took from the model", async () => {
    const chip = at("len-chip.bin");
    const compiled = await cli("compile", `${FLOAT}/weights.json`, "-o", chip, "--target", "ideal");
    expect(compiled.code).toBe(0);
    const x = write("sim-len-65.npy", input(new Array(65).fill(0.5), 65));
    const other = await cli("sim", chip, "--input", x);
    expect(other.code).toBe(0);
    expect(other.stderr).toMatch(/QS4D-N060: .*length 65; model .* was trained at length 64/);
    const trained = await cli("sim", chip, "--input", INPUT);
    expect(trained.code).toBe(0);
    expect(trained.stderr).not.toContain("QS4D-N060");
  });
});

/** The bytes as latin-1 text (a .npy header is latin-1; the data here is all zeros). */
function decoderText(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}
