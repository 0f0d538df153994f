// The CLI as installed: package.json's bin, the esbuild bundle in dist/cli/ that `npm ci` builds
// through `prepare` (scripts/bundle-cli.mjs). The other CLI tests run the TypeScript source;
// these check what only the bundle can get wrong: a command's chunk that does not load, a
// worker entry point not where the code that starts it looks, a license header dropped.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { writeNpy } from "../../src/util/npy.js";
import { goldenInputs } from "../sim/helpers.js";
import { qs4dcInProcess } from "./in-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const BIN = join(ROOT, pkg.bin.qs4dc);
const EXAMPLE = join(ROOT, "examples/digits-qat8.onnx");
const FLOAT_MODEL = join(ROOT, "fixtures/models/digits-float-h32n16-l2/model.onnx");

const dir = mkdtempSync(join(tmpdir(), "qs4dc-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const x = goldenInputs("digits-qat8-h32n16-l2", 0, 8);
writeFileSync(at("x.npy"), writeNpy({ dtype: "float32", shape: [8, 64, 1], data: x.data }));

/** The built bin, run by node from a folder outside the checkout, as a user would. */
function bin(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8" });
  return { exit: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the built bin (dist/cli/)", () => {
  it("is the bundle, executable", () => {
    expect(pkg.bin.qs4dc).toBe("dist/cli/qs4dc.js");
    expect(readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
  });

  it("the bin before the bundle (tsc's dist/src/cli/main.js) stays an executable CLI", () => {
    // npx caches a project's bin path per folder: a checkout that ran `npx qs4dc` before the
    // bundle still calls this one.
    const old = join(ROOT, "dist/src/cli/main.js");
    expect(statSync(old).mode & 0o111).toBe(0o111);
    const r = spawnSync(old, ["--version"], { cwd: dir, encoding: "utf8" });
    expect([r.status, r.stdout.trim()]).toEqual([0, pkg.version]);
  });

  it("--help loads every command's chunk and lists them", () => {
    const r = bin("--help");
    expect(r.stderr).toBe("");
    expect(r.exit).toBe(0);
    for (const command of COMMANDS) expect(r.stdout).toContain(`  ${command.name} `);
  });

  it("compiles the example to the same chip.bin as the source does", async () => {
    const r = bin(EXAMPLE, "-o", at("bundle.bin"), "-q");
    expect(r.stderr).toBe("");
    expect(r.exit).toBe(0);
    const source = await qs4dcInProcess([EXAMPLE, "-o", at("source.bin"), "-q"]);
    expect(source.exit).toBe(0);
    const same = readFileSync(at("bundle.bin")).equals(readFileSync(at("source.bin")));
    expect(same, "a bundle older than the sources? npm run build").toBe(true);
  });

  it("reports a missing model as a coded diagnostic, exit 2", () => {
    const r = bin("compile", at("missing.onnx"), "-o", at("never.bin"));
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain("QS4D-E001");
  });

  // A worker that does not load fails the command (exit 3): monte-carlo.ts posts it units at
  // once and waits for them, calibrate-workers.ts waits for every worker's reply.
  it("sim --threads 2 starts the bundled worker.js: the same logits as --threads 1", () => {
    const chip = at("sim.bin");
    expect(bin(EXAMPLE, "-o", chip, "-q").exit).toBe(0);
    const sim = (threads: string) => {
      const out = at(`logits-${threads}.npy`);
      const args = ["--input", at("x.npy"), "--noise", "target", "--runs", "2"];
      const r = bin("sim", chip, ...args, "--threads", threads, "-o", out, "-q");
      expect(r.stderr).toBe("");
      expect(r.exit).toBe(0);
      return readFileSync(out);
    };
    expect(sim("2").equals(sim("1"))).toBe(true);
  });

  it("verify --threads 2 simulates on the bundled worker.js: the same table as --threads 1", () => {
    const verify = (threads: string) => {
      const r = bin("verify", EXAMPLE, "--input", at("x.npy"), "--threads", threads);
      expect(r.exit).toBe(0);
      expect(r.stdout).toContain("bit exact on all 8 samples");
      return r.stdout;
    };
    expect(verify("2")).toBe(verify("1"));
  });

  it("emulate --threads 2 starts the bundled emulate-worker.js: the same logits as --threads 1", () => {
    const emulate = (threads: string) => {
      const out = at(`emulated-${threads}.npy`);
      const r = bin("emulate", EXAMPLE, "--input", at("x.npy"), "--threads", threads, "-o", out);
      expect(r.exit).toBe(0);
      return readFileSync(out);
    };
    expect(emulate("2").equals(emulate("1"))).toBe(true);
  });

  it("run --threads 2 starts the bundled run-worker.js: the same logits as --threads 1", () => {
    const reference = (threads: string) => {
      const out = at(`reference-${threads}.npy`);
      const r = bin("run", EXAMPLE, "--input", at("x.npy"), "--threads", threads, "-o", out);
      expect(r.exit).toBe(0);
      return readFileSync(out);
    };
    expect(reference("2").equals(reference("1"))).toBe(true);
  });

  it("compile --calib --threads 2 starts the bundled calibrate-worker.js: the same chip.bin", () => {
    const compile = (threads: string) => {
      const out = at(`calib-${threads}.bin`);
      const args = ["--calib", at("x.npy"), "--threads", threads, "-o", out, "-q"];
      const r = bin("compile", FLOAT_MODEL, ...args);
      expect(r.exit).toBe(0);
      return readFileSync(out);
    };
    expect(compile("2").equals(compile("1"))).toBe(true);
  });

  it("keeps chevrotain's license header and lists the bundled packages' licenses", () => {
    const cli = join(ROOT, "dist/cli");
    const js = readdirSync(cli).filter((file) => file.endsWith(".js"));
    const texts = js.map((file) => readFileSync(join(cli, file), "utf8"));
    expect(texts.some((text) => text.includes("Lodash (Custom Build)"))).toBe(true);
    const notices = readFileSync(join(cli, "THIRD-PARTY-LICENSES.txt"), "utf8");
    for (const name of ["chevrotain", "commander", "ajv", "protobufjs", "onnx-proto"])
      expect(notices).toContain(`== ${name}\n`);
  });
});
