// The build plugin (src/plugin): real bundles made by esbuild, rollup and vite from an entry
// that imports a shared model, evaluated as a bundler's user would run them; their bytes must
// be the chip.bin the API compiles for the same options, and a broken model must fail the
// build with the diagnostic's code.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build as esbuildBuild } from "esbuild";
import { rollup as rollupBuild } from "rollup";
import { build as viteBuild } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { type ChipManifest, compile, type Diagnostic, Qs4dError } from "../../src/api.js";
import { esbuild, type Qs4dcPluginOptions, rollup, vite } from "../../src/plugin/index.js";
import { modelPath } from "../run/golden-files.js";

const MODEL = modelPath("digits-qat8-h32n16-l2", "model.onnx");
const WEIGHTS = modelPath("qs4d-digits-qat-h32n16-l2", "weights.json");

const dir = mkdtempSync(join(tmpdir(), "qs4dc-plugin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(name: string, text: string): string {
  const path = join(dir, `${files++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** An entry module that re-exports what importing `specifier` gives. */
function entry(specifier: string): string {
  return file(
    "entry.mjs",
    `import chip, { manifest } from ${JSON.stringify(specifier)};\nexport { chip, manifest };\n`,
  );
}

function diagnosticOf(action: () => unknown): Diagnostic {
  try {
    action();
  } catch (error) {
    if (error instanceof Qs4dError) return error.diagnostic;
    throw error;
  }
  throw new Error("expected a Qs4dError");
}

interface Bundled {
  readonly chip: Uint8Array;
  readonly manifest: ChipManifest;
}

async function evaluate(code: string): Promise<Bundled> {
  return (await import(pathToFileURL(file("bundle.mjs", code)).href)) as Bundled;
}

async function withEsbuild(input: string, options?: Qs4dcPluginOptions): Promise<string> {
  const result = await esbuildBuild({
    entryPoints: [input],
    bundle: true,
    format: "esm",
    write: false,
    logLevel: "silent",
    plugins: [esbuild(options)],
  });
  return result.outputFiles[0]!.text;
}

async function withRollup(input: string, options?: Qs4dcPluginOptions): Promise<string> {
  const bundle = await rollupBuild({ input, plugins: [rollup(options)], logLevel: "silent" });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  return output[0].code;
}

async function withVite(input: string, options?: Qs4dcPluginOptions): Promise<string> {
  const result = await viteBuild({
    configFile: false,
    logLevel: "silent",
    root: dir,
    plugins: [vite(options)],
    build: {
      write: false,
      minify: false,
      lib: { entry: input, formats: ["es"], fileName: "bundle" },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunk = (outputs[0] as { output: { type: string; code?: string }[] }).output.find(
    (o) => o.type === "chunk",
  );
  return chunk!.code!;
}

const BUNDLERS = [
  ["esbuild", withEsbuild],
  ["rollup", withRollup],
  ["vite", withVite],
] as const;

describe.each(BUNDLERS)("%s", (_, bundle) => {
  it("bundles `model.onnx?chip` as the chip.bin bytes and manifest compile() gives", async () => {
    const expected = compile(MODEL, { target: "ideal" });
    const code = await bundle(entry(`${MODEL}?chip`), { target: "ideal" });
    const bundled = await evaluate(code);
    expect(bundled.chip).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bundled.chip).equals(Buffer.from(expected.chip))).toBe(true);
    expect(bundled.manifest).toEqual(JSON.parse(JSON.stringify(expected.manifest)));
  });

  it("compiles a weights.json that `include` names, imported without a query", async () => {
    const expected = compile(WEIGHTS, { prune: "zero" });
    const code = await bundle(entry(WEIGHTS), { include: /weights\.json$/, prune: "zero" });
    const bundled = await evaluate(code);
    expect(Buffer.from(bundled.chip).equals(Buffer.from(expected.chip))).toBe(true);
  });

  it("fails the build with the diagnostic of a broken model", async () => {
    const broken = file("broken.onnx", "this is not an ONNX model");
    const diagnostic = diagnosticOf(() => compile(broken));
    expect(diagnostic.code).toMatch(/^QS4D-E\d{3}$/);
    await expect(bundle(entry(`${broken}?chip`))).rejects.toThrow(
      `${diagnostic.code}: ${diagnostic.message}`,
    );
  });
});

describe("plugin output", () => {
  it("is deterministic, resolves relative imports and honours exclude", async () => {
    const copy = join(dir, "model.onnx");
    writeFileSync(copy, readFileSync(MODEL));
    const relative = file("relative.mjs", `export { default } from "./model.onnx?chip";\n`);
    const [a, b] = [await withEsbuild(relative), await withEsbuild(relative)];
    expect(a).toBe(b);
    const expected = compile(copy);
    const bundled = (await evaluate(a)) as unknown as { default: Uint8Array };
    expect(Buffer.from(bundled.default).equals(Buffer.from(expected.chip))).toBe(true);
    await expect(withEsbuild(relative, { exclude: /model\.onnx/ })).rejects.toThrow();
  });
});
