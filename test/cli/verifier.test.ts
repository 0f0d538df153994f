// The IR verifier always runs: `qs4dc compile` and the API's compile refuse a hand-broken IR
// (.qs4d text, or a Model) before any pass, with the verifier's own code and exit code 2, and
// write nothing.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile, Qs4dError } from "../../src/api.js";
import { runCli } from "../../src/cli/run-cli.js";
import { MAX_CODE } from "../../src/ir/limits.js";
import type { Model } from "../../src/ir/model.js";
import { f32 } from "../../src/ir/tensor.js";
import { printModel } from "../../src/ir/text/index.js";
import { denseModel } from "../ir/limits-fixture.js";

const work = mkdtempSync(join(tmpdir(), "qs4dc-verifier-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = readFileSync("examples/tiny.qs4d", "utf8");

/** A lowered model's full IR text with one edit. */
function loweredText(model: Model, edit: (text: string) => string = (t) => t): string {
  const text = printModel(model, { tensors: "full" });
  const edited = edit(text);
  expect(edited).not.toBe(text);
  return edited;
}

interface Broken {
  readonly name: string;
  readonly text: string;
  readonly code: string;
  readonly says: RegExp;
}

const BROKEN: Broken[] = [
  {
    name: "a D of the wrong length (tiny.qs4d)",
    text: TINY.replace("d: f32[2] = [1, -0.5]", "d: f32[3] = [1, -0.5, 2]"),
    code: "QS4D-E031",
    says: /layer 0 > ssm: tensor 'd' has shape \[3\], expected \[2\]/,
  },
  {
    name: "a signal limit above int32 (lowered IR)",
    text: loweredText(denseModel(), (t) =>
      t.replace(
        "signal @in (kind = dense-input, length = 2, limit = 127)",
        `signal @in (kind = dense-input, length = 2, limit = ${MAX_CODE + 1})`,
      ),
    ),
    code: "QS4D-E432",
    says: /the limit of signal 'in' is 2147483648/,
  },
  {
    name: "a conversion whose integer sum can reach 2^53 (lowered IR)",
    text: loweredText(
      denseModel({
        inputs: 128,
        outputs: 1,
        levels: 65536,
        cells: Array.from({ length: 128 }, (_, r) => [r, 0, 65535] as const),
      }),
      (t) => t.replace("limit = 127)", `limit = ${MAX_CODE})`),
    ),
    code: "QS4D-E431",
    says: /readout 0 \(out\[0\]\) can reach an integer sum/,
  },
  {
    name: "a cell on a row no readout of its column sums (lowered IR)",
    text: loweredText(denseModel(), (t) =>
      t.replace(/term_signals: i32\[3,1\] = \[\s*\[0\],/, "term_signals: i32[3,1] = [[-1],"),
    ),
    code: "QS4D-E420",
    says: /cell \(0, 0\) is on a row no readout of its column sums/,
  },
];

async function cli(args: string[]): Promise<{ exit: number; stderr: string }> {
  let stderr = "";
  const exit = await runCli(args, (text) => {
    stderr += text;
  });
  return { exit, stderr };
}

describe("qs4dc compile verifies its input", () => {
  it("passes the valid tiny.qs4d on to the passes", async () => {
    const dir = mkdtempSync(join(work, "ok-"));
    const out = join(dir, "discrete.qs4d");
    const args = ["compile", "examples/tiny.qs4d", "--passes", "discretize", "--emit", "ir"];
    const { exit, stderr } = await cli([...args, "-o", out, "-q"]);
    expect(stderr).not.toMatch(/error/);
    expect(exit).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("ssm discrete");
  });

  for (const b of BROKEN) {
    it(`refuses ${b.name}: ${b.code}, exit 2, nothing written`, async () => {
      const dir = mkdtempSync(join(work, "case-"));
      const file = join(dir, "broken.qs4d");
      writeFileSync(file, b.text);
      const { exit, stderr } = await cli(["compile", file, "-o", join(dir, "chip.bin")]);
      expect(stderr).toContain(`error ${b.code}:`);
      expect(stderr).toMatch(b.says);
      expect(exit).toBe(2);
      expect(readdirSync(dir)).toEqual(["broken.qs4d"]);
    });
  }
});

describe("the API's compile verifies its input", () => {
  it("refuses a broken Model with the verifier's code (exit code 2), before lowering", () => {
    const model = denseModel();
    const broken: Model = { ...model, decoder: { ...model.decoder, bias: f32([7]) } };
    try {
      compile(broken);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(Qs4dError);
      const error = e as Qs4dError;
      expect([error.diagnostic.code, error.exitCode]).toEqual(["QS4D-E031", 2]);
    }
  });

  it("refuses hand-broken IR text bytes", () => {
    const bytes = new TextEncoder().encode(BROKEN[1]!.text);
    try {
      compile(bytes, { name: "broken.qs4d" });
      expect.unreachable();
    } catch (e) {
      expect((e as Qs4dError).diagnostic.code).toBe("QS4D-E432");
      expect((e as Qs4dError).exitCode).toBe(2);
    }
  });
});
