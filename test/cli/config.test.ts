// The project config (qs4dc.config.json): found by walking up from the current folder, checked
// against its schema (coded errors), paths relative to the file, used as defaults by the CLI,
// the API (on request) and the plugin, with flags and explicit options winning; `qs4dc init`;
// the example target file; `targets NAME --json`.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build as esbuildBuild } from "esbuild";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { compile, readChip } from "../../src/api.js";
import { runCli } from "../../src/cli/run-cli.js";
import { findConfig, readConfig } from "../../src/driver/config.js";
import { esbuild } from "../../src/plugin/index.js";
import { weightsPath } from "../sim/helpers.js";

const MODEL = weightsPath("digits-qat8-h32n16-l2");
const MY_CHIP = new URL("../../examples/targets/my-chip.json", import.meta.url).pathname;

const root = mkdtempSync(join(tmpdir(), "qs4dc-config-"));
const start = process.cwd();
afterEach(() => process.chdir(start));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project folder with a config (`json`), the example target in targets/, and a sub/dir. */
function project(name: string, json: unknown): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "targets"), { recursive: true });
  mkdirSync(join(dir, "sub", "dir"), { recursive: true });
  copyFileSync(MY_CHIP, join(dir, "targets", "my-chip.json"));
  const text = typeof json === "string" ? json : JSON.stringify(json);
  writeFileSync(join(dir, "qs4dc.config.json"), text);
  return dir;
}

async function qs4dc(args: string[]): Promise<{ exit: number; stderr: string; stdout: string }> {
  let stderr = "";
  let stdout = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  try {
    const exit = await runCli(args, (text) => {
      stderr += text;
    });
    return { exit, stderr, stdout };
  } finally {
    spy.mockRestore();
  }
}

function chipTarget(file: string): string {
  return readChip(readFileSync(file)).target.name;
}

describe("finding and reading qs4dc.config.json", () => {
  const dir = project("found", { target: "targets/my-chip.json", calib: "data/x.npy" });

  it("is found from a folder below it, and not from a folder beside it", () => {
    expect(findConfig(join(dir, "sub", "dir"))).toBe(join(dir, "qs4dc.config.json"));
    mkdirSync(join(root, "elsewhere"), { recursive: true });
    expect(findConfig(join(root, "elsewhere"))).toBe(null);
  });

  it("resolves its paths against its own folder; a built-in target name stays a name", () => {
    const config = readConfig(join(dir, "qs4dc.config.json"));
    expect(config.target).toBe(join(dir, "targets", "my-chip.json"));
    expect(config.calib).toBe(join(dir, "data", "x.npy"));
    const builtin = project("builtin", { target: "imssa-256", prune: "zero" });
    expect(readConfig(join(builtin, "qs4dc.config.json"))).toEqual({
      target: "imssa-256",
      prune: "zero",
    });
  });

  it("refuses a config that is not JSON or does not match the schema, with coded errors", () => {
    const cases: [unknown, string][] = [
      ["{ target: ", "QS4D-E870"],
      [{ targte: "imssa-64" }, "QS4D-E877"],
      [{ maxError: "1%" }, "QS4D-E877"],
      [{ prune: "energy:" }, "QS4D-E877"],
      [{ stateUpdate: "fast" }, "QS4D-E877"],
      [{ calibLabels: "y.npy" }, "QS4D-E877"],
    ];
    for (const [json, code] of cases) {
      const bad = project(`bad-${code}-${JSON.stringify(json).length}`, json);
      // A Qs4dError's message is its formatted diagnostic, code first.
      expect(() => readConfig(join(bad, "qs4dc.config.json"))).toThrow(code);
    }
  });
});

describe("the config's defaults, under flags and options", () => {
  const dir = project("used", { $schema: "x", target: "targets/my-chip.json", prune: "zero" });

  it("the CLI compiles with the config found from a subfolder; a flag overrides it", async () => {
    process.chdir(join(dir, "sub", "dir"));
    const out = join(dir, "a.bin");
    expect((await qs4dc(["compile", MODEL, "-q", "-o", out])).exit).toBe(0);
    expect(chipTarget(out)).toBe("my-chip");
    expect(readChip(readFileSync(out)).manifest.options.prune).toBe("zero");
    const flagged = join(dir, "b.bin");
    expect(
      (await qs4dc(["compile", MODEL, "-q", "--target", "imssa-64", "-o", flagged])).exit,
    ).toBe(0);
    expect(chipTarget(flagged)).toBe("imssa-64");
  });

  it("a bad config fails the command with its code, exit 2, and no output", async () => {
    const bad = project("bad-cli", { prune: 3 });
    process.chdir(bad);
    const out = join(bad, "c.bin");
    const run = await qs4dc(["compile", MODEL, "-q", "-o", out]);
    expect(run.exit).toBe(2);
    expect(run.stderr).toContain("QS4D-E877");
    expect(existsSync(out)).toBe(false);
  });

  it("report of a chip.bin ignores the config (it applies to models only)", async () => {
    process.chdir(dir);
    const run = await qs4dc(["report", join(dir, "a.bin"), "--json"]);
    expect(run.exit).toBe(0);
    expect(JSON.parse(run.stdout).target.name).toBe("my-chip");
  });

  it("the API uses a config only when asked; its own options override it", () => {
    process.chdir(dir);
    expect(compile(MODEL).manifest.options.target).toBe("imssa-64");
    expect(compile(MODEL, { config: true }).manifest.options.target).toBe("my-chip");
    const file = join(dir, "qs4dc.config.json");
    process.chdir(root);
    expect(compile(MODEL, { config: file }).manifest.options.target).toBe("my-chip");
    expect(compile(MODEL, { config: file, target: "ideal" }).manifest.options.target).toBe("ideal");
  });

  it("the plugin compiles with the config found from the current folder by default", async () => {
    process.chdir(dir);
    const entry = join(dir, "entry.mjs");
    writeFileSync(entry, `export { default, manifest } from ${JSON.stringify(`${MODEL}?chip`)};\n`);
    const build = (config?: boolean) =>
      esbuildBuild({
        entryPoints: [entry],
        bundle: true,
        format: "esm",
        write: false,
        logLevel: "silent",
        plugins: [esbuild(config === undefined ? {} : { config })],
      }).then((r) => r.outputFiles[0]!.text);
    const base64 = (chip: Uint8Array) => Buffer.from(chip).toString("base64");
    const configured = compile(MODEL, { config: join(dir, "qs4dc.config.json") });
    expect(configured.manifest.options.target).toBe("my-chip");
    expect(await build()).toContain(base64(configured.chip));
    expect(await build(false)).toContain(base64(compile(MODEL).chip));
  });
});

describe("qs4dc init", () => {
  it("writes a config that matches the schema, and refuses to overwrite it without --force", async () => {
    const dir = join(root, "init");
    mkdirSync(dir);
    process.chdir(dir);
    expect((await qs4dc(["init"])).exit).toBe(0);
    const file = join(dir, "qs4dc.config.json");
    expect(readConfig(file).target).toBe("imssa-64");
    const again = await qs4dc(["init", "--target", "ideal"]);
    expect(again.exit).toBe(2);
    expect(again.stderr).toContain("QS4D-E878");
    expect(readConfig(file).target).toBe("imssa-64");
    expect((await qs4dc(["init", "--force", "--target", "ideal"])).exit).toBe(0);
    expect(readConfig(file).target).toBe("ideal");
  });
});

describe("targets and the example target file", () => {
  it("targets NAME --json prints one object; a target file too; an unknown name is E400", async () => {
    const one = await qs4dc(["targets", "imssa-256", "--json"]);
    expect(one.exit).toBe(0);
    expect(JSON.parse(one.stdout).name).toBe("imssa-256");
    const file = await qs4dc(["targets", MY_CHIP, "--json"]);
    expect(JSON.parse(file.stdout)).toEqual(JSON.parse(readFileSync(MY_CHIP, "utf8")));
    const unknown = await qs4dc(["targets", "imssa-65"]);
    expect(unknown.exit).toBe(2);
    expect(unknown.stderr).toContain("QS4D-E400");
  });

  it("compile --target examples/targets/my-chip.json compiles for it", async () => {
    process.chdir(new URL("../..", import.meta.url).pathname);
    const out = join(root, "my-chip.bin");
    const args = ["compile", MODEL, "-q", "--target", "examples/targets/my-chip.json", "-o", out];
    expect((await qs4dc(args)).exit).toBe(0);
    const chip = readChip(readFileSync(out));
    expect(chip.target.name).toBe("my-chip");
    expect(chip.target.description.adc.bits).toBe(10);
  });
});
