// `qs4dc MODEL -o chip.bin` is `qs4dc compile MODEL -o chip.bin` (src/cli/program.ts,
// expandShortForm): the real CLI in a child process against the compile command in-process,
// byte for byte; and the short form keeps the contract on a bad model: exit 2, a coded
// message, no file.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { modelPath } from "../run/golden-files.js";

const dir = mkdtempSync(join(tmpdir(), "qs4dc-short-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: new URL("../..", import.meta.url).pathname,
    encoding: "utf8",
  });

describe("qs4dc MODEL -o chip.bin", () => {
  it("writes the bytes `qs4dc compile MODEL -o chip.bin` writes", async () => {
    const model = modelPath("digits-qat8-h32n16-l2", "model.onnx");
    const short = join(dir, "short.bin");
    const result = cli([model, "-o", short]);
    expect(result.status, result.stderr).toBe(0);
    const long = join(dir, "long.bin");
    const program = await buildProgram();
    await program.parseAsync(["compile", model, "-o", long, "-q"], { from: "user" });
    expect(readFileSync(short).equals(readFileSync(long))).toBe(true);
  });

  it("exits 2 with a coded message on a bad model and leaves no file", () => {
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, "this is not an ONNX model");
    const before = readdirSync(dir).sort();
    const result = cli([bad, "-o", join(dir, "bad.bin")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/error QS4D-E\d{3}: .*\n {2}hint: /);
    expect(existsSync(join(dir, "bad.bin"))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
