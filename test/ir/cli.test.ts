import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  addPipelineOptions,
  type PipelineFlags,
  pipelineFromFlags,
} from "../../src/cli/pipeline-options.js";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { parseModel, printModel } from "../../src/ir/text/index.js";
import type { PassOptionSpec } from "../../src/passes/pass.js";
import { PASSES } from "../../src/passes/registry.js";

const ROOT = join(import.meta.dirname, "../..");
const TINY = join(ROOT, "examples/tiny.qs4d");
const scratch = mkdtempSync(join(tmpdir(), "qs4dc-ir-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI in-process and returns what it wrote to stdout. */
async function cli(...args: string[]): Promise<string> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await (await buildProgram()).parseAsync(args, { from: "user" });
  } finally {
    spy.mockRestore();
  }
  return out;
}

async function cliError(...args: string[]): Promise<Qs4dError> {
  try {
    await cli(...args);
  } catch (e) {
    if (e instanceof Qs4dError) return e;
    throw e;
  }
  throw new Error("expected a Qs4dError");
}

describe("qs4dc ir", () => {
  it("prints examples/tiny.qs4d back in canonical form", async () => {
    const source = readFileSync(TINY, "utf8");
    const withoutComments = source
      .split("\n")
      .filter((l) => !l.startsWith("//"))
      .join("\n");
    expect(await cli("ir", TINY, "--print-tensors")).toBe(withoutComments);
    expect(await cli("ir", TINY)).toBe(printModel(parseModel(source)));
  });

  it("writes -o atomically, leaving no temporary file", async () => {
    const out = join(scratch, "tiny.out.qs4d");
    expect(await cli("ir", TINY, "-o", out)).toBe("");
    expect(readFileSync(out, "utf8")).toBe(printModel(parseModel(readFileSync(TINY, "utf8"))));
    expect(readdirSync(scratch)).toEqual(["tiny.out.qs4d"]);
  });

  it("rejects an invalid model with the verifier's code", async () => {
    const file = join(scratch, "unstable.qs4d");
    writeFileSync(
      file,
      readFileSync(TINY, "utf8").replace(
        "[-0.5, -0.5],\n        [-0.5, -0.5]",
        "[-0.5, 0.5],\n        [-0.5, -0.5]",
      ),
    );
    const e = await cliError("ir", file);
    expect(e.diagnostic.code).toBe("QS4D-E035");
    expect(e.exitCode).toBe(2);
  });

  it("rejects an unknown pass and a missing file", async () => {
    expect((await cliError("ir", TINY, "--passes", "no-such-pass")).diagnostic.code).toBe(
      "QS4D-E050",
    );
    expect((await cliError("ir", join(scratch, "missing.qs4d"))).diagnostic.code).toBe("QS4D-E001");
  });

  it("exits 2 with a located diagnostic on stderr for malformed text", () => {
    const file = join(scratch, "bad.qs4d");
    writeFileSync(file, "model @bad (quant_scheme = none pooling = mean) {}\n");
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "ir", file],
      {
        encoding: "utf8",
      },
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      `${file}:1:33: error QS4D-E007: IR syntax error: expected ')' but found 'pooling'`,
    );
    expect(run.stderr).toContain("hint:");
  });
});

describe("qs4dc passes", () => {
  it("lists the registry as JSON", async () => {
    const listed = JSON.parse(await cli("passes", "--json")) as {
      name: string;
      description: string;
      options: PassOptionSpec[];
    }[];
    expect(listed).toEqual(
      PASSES.map((p) => ({ name: p.name, description: p.description, options: p.options })),
    );
    const prune = listed.find((p) => p.name === "prune")!.options[0]!;
    expect(prune).toMatchObject({ name: "prune", type: "string", default: "none" });
  });

  it("lists one line per pass and one per option it reads, with its default", async () => {
    const text = await cli("passes");
    const lines = text.split("\n").filter((l) => l !== "");
    const options = PASSES.reduce((n, p) => n + p.options.length, 0);
    expect(lines).toHaveLength(PASSES.length + options);
    expect(text).toMatch(
      /\n {4}--state-update <auto\|plain\|residual> +SSM state update.*\(default auto\)\n/,
    );
    expect(text).toMatch(/\n {4}--allow-loss +keep the best/);
  });
});

describe("pipeline options", () => {
  function parse(args: string[]): PipelineFlags {
    const command = addPipelineOptions(new Command("x").exitOverride());
    command.parse(args, { from: "user" });
    return command.opts<PipelineFlags>();
  }

  it("turns flags into the manager's options", () => {
    const flags = parse([
      "--passes",
      "a,b",
      "--passes",
      "c",
      "--print-after",
      "a",
      "--print-after",
      "c",
      "--stop-after",
      "c",
      "--verify-each",
      "--print-tensors",
    ]);
    const onPrint = () => {};
    expect(pipelineFromFlags(flags, onPrint)).toEqual({
      passes: ["a", "b", "c"],
      options: {
        printAfterAll: false,
        printAfter: ["a", "c"],
        stopAfter: "c",
        verifyEach: true,
        printTensors: true,
        onPrint,
      },
    });
    expect(pipelineFromFlags(parse(["--print-after-all"]))).toEqual({
      passes: [],
      options: { printAfterAll: true, printAfter: [], verifyEach: false, printTensors: false },
    });
  });

  it("rejects an empty pass name", () => {
    expect(() => parse(["--passes", "a,,b"])).toThrow(/QS4D-E003/);
  });
});
