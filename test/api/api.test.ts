// The public JS API (src/api.ts): that it gives what the CLI gives for the same file and
// options (chip bytes, IR text), that every way of handing it a model or calibration data
// agrees, that its executors agree with the shared models' golden logits, and that failures
// are thrown as coded Qs4dErrors.

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  compile,
  DEFAULT_PIPELINE,
  DEFAULT_TARGET,
  emulate,
  emulateBatch,
  importModel,
  inspectChip,
  listPasses,
  listTargets,
  loadTarget,
  printModel,
  type Qs4dError,
  readChip,
  run,
  runBatch,
  simulate,
  verifyModel,
} from "../../src/api.js";
import { buildProgram } from "../../src/cli/program.js";
import { writeNpy } from "../../src/util/npy.js";
import { refusalCode } from "../refusal.js";
import { agreement, goldenF32, goldenInputs, modelPath } from "../run/golden-files.js";

const QAT8 = "digits-qat8-h32n16-l2";
const FLOAT = "digits-float-h32n16-l2";
const qat8Onnx = modelPath(QAT8, "model.onnx");

const dir = mkdtempSync(join(tmpdir(), "qs4dc-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** Run the CLI in-process and return the file it wrote. */
async function cli(args: string[], output: string): Promise<Buffer> {
  const program = await buildProgram();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync([...args, "-o", output, "-q"], { from: "user" });
  return readFileSync(output);
}

/** The first n golden labels of a shared model. */
function goldenLabels(name: string, n: number): Int32Array {
  const bytes = readFileSync(modelPath(name, "golden/labels.i32"));
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice(0, n);
}

/** The coded error `action` throws. */
const codeOf = (action: () => unknown) => refusalCode(action);

describe("importModel", () => {
  it("imports the same model from a path and from bytes", () => {
    const fromPath = importModel(qat8Onnx);
    const fromBytes = importModel(readFileSync(qat8Onnx), { name: qat8Onnx });
    expect(printModel(fromBytes, { tensors: "full" })).toBe(
      printModel(fromPath, { tensors: "full" }),
    );
    expect(verifyModel(fromPath)).toEqual([]);
  });

  it("reads bytes as the format it is told, with coded errors", () => {
    const onnx = readFileSync(qat8Onnx);
    expect(codeOf(() => importModel(onnx, { format: "json" }))).toMatch(/^QS4D-E2\d\d$/);
    expect(codeOf(() => importModel(new Uint8Array([1, 2, 3])))).toBe("QS4D-E004");
    expect(codeOf(() => importModel(join(dir, "missing.onnx")))).toBe("QS4D-E001");
  });
});

describe("registries", () => {
  it("lists every pass of the default pipeline with a description", () => {
    const passes = listPasses();
    for (const name of DEFAULT_PIPELINE) {
      expect(passes.find((p) => p.name === name)?.description).toMatch(/\w/);
    }
  });

  it("lists the built-in targets, the default among them, and loads them by name", () => {
    const names = listTargets().map((t) => t.name);
    expect(names).toContain(DEFAULT_TARGET);
    expect(names).toContain("ideal");
    expect(loadTarget("ideal").description.name).toBe("ideal");
    expect(codeOf(() => loadTarget("no-such-target"))).toBe("QS4D-E400");
  });
});

describe("compile", () => {
  const fromPath = compile(qat8Onnx);

  it("writes the chip.bin `qs4dc compile` writes, byte for byte", async () => {
    const written = await cli(["compile", qat8Onnx], join(dir, "cli.bin"));
    expect(Buffer.from(fromPath.chip).equals(written)).toBe(true);
  });

  it("records the model file's SHA-256 and gives the same chip for its bytes", () => {
    expect(fromPath.manifest.source.digest).toBe(sha256(readFileSync(qat8Onnx)));
    const fromBytes = compile(readFileSync(qat8Onnx), { name: qat8Onnx });
    expect(Buffer.from(fromBytes.chip).equals(Buffer.from(fromPath.chip))).toBe(true);
  });

  it("compiles an imported Model, its digest taken over its full IR text", () => {
    const model = importModel(qat8Onnx);
    const result = compile(model);
    expect(result.manifest.source.digest).toBe(sha256(printModel(model, { tensors: "full" })));
    expect(result.model.hardware?.crossbars.length).toBe(fromPath.model.hardware?.crossbars.length);
  });

  it("returns the lowered model, each pass's report and the manifest that the chip holds", () => {
    expect(fromPath.passes).toEqual(DEFAULT_PIPELINE);
    expect(Object.keys(fromPath.reports)).toEqual([...DEFAULT_PIPELINE]);
    expect(fromPath.manifest.passes).toEqual(DEFAULT_PIPELINE);
    expect(fromPath.model.hardware?.target.name).toBe(DEFAULT_TARGET);
    expect(fromPath.imported.hardware).toBeNull();
    const summary = inspectChip(fromPath.chip);
    expect(summary.totals.arrays).toBe(fromPath.reports.tile?.arrays.length);
    expect(readChip(fromPath.chip).arrays.length).toBe(summary.totals.arrays);
  });

  it("emits the lowered IR text `qs4dc compile --emit ir` writes", async () => {
    const result = compile(qat8Onnx, { emit: "ir", target: "ideal" });
    const written = await cli(
      ["compile", qat8Onnx, "--emit", "ir", "--target", "ideal"],
      join(dir, "cli.qs4d"),
    );
    expect(result.ir).toBe(written.toString("utf8"));
  });

  it("takes a target description, validated as a target file is", () => {
    const ideal = loadTarget("ideal").description;
    const renamed = compile(qat8Onnx, { target: { ...ideal, name: "my-ideal" } });
    expect(renamed.manifest.options.target).toBe("my-ideal");
    const broken = { ...ideal, array: { rows: 2, cols: 2, count: null } };
    expect(codeOf(() => compile(qat8Onnx, { target: broken }))).toMatch(/^QS4D-E40[23]$/);
  });

  it("takes calibration data as arrays or as .npy files, with the same result", () => {
    const x = goldenInputs(FLOAT, 12);
    const labels = goldenLabels(FLOAT, 12);
    const xFile = join(dir, "calib.npy");
    const labelFile = join(dir, "labels.npy");
    writeFileSync(xFile, writeNpy({ dtype: "float32", shape: x.shape, data: x.data }));
    writeFileSync(labelFile, writeNpy({ dtype: "int32", shape: [12], data: labels }));
    const model = modelPath(FLOAT, "weights.json");
    const options = { prune: "ratio:0.25", target: "ideal" } as const;
    const arrays = compile(model, { ...options, calib: x, calibLabels: labels });
    const files = compile(model, { ...options, calib: xFile, calibLabels: labelFile });
    expect(Buffer.from(arrays.chip).equals(Buffer.from(files.chip))).toBe(true);
    expect(arrays.reports.prune?.accuracy?.samples).toBe(12);
    expect(codeOf(() => compile(model, { calib: x, calibLabels: labels.subarray(1) }))).toBe(
      "QS4D-E417",
    );
    expect(codeOf(() => compile(model, { calibLabels: labels }))).toBe("QS4D-E003");
  });

  it("throws coded errors for a bad model and a bad option", () => {
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, Buffer.from("not a model"));
    expect(codeOf(() => compile(bad))).toMatch(/^QS4D-E\d{3}$/);
    expect(codeOf(() => compile(qat8Onnx, { prune: "sometimes" }))).toBe("QS4D-E416");
    expect(codeOf(() => readChip(new Uint8Array(16)))).toMatch(/^QS4D-E5\d\d$/);
  });
});

describe("executors", () => {
  const n = 16;
  const x = goldenInputs(QAT8, n);

  it("run: the reference executor gives the float model's golden logits", () => {
    const { data, shape } = goldenInputs(FLOAT, n);
    const result = run(importModel(modelPath(FLOAT, "weights.json")), data, shape);
    const golden = goldenF32(FLOAT, "logits_float_conv.f32").subarray(0, n * 10);
    expect(agreement(result.logits, golden, n, 10).relative).toBeLessThan(1e-4);
  });

  it("emulate: the ideal chip gives the QAT model's golden quantized logits", () => {
    const compiled = compile(qat8Onnx, { target: "ideal" });
    const result = emulate(compiled.model, x.data, x.shape);
    const golden = goldenF32(QAT8, "logits_quant_recurrent.f32").subarray(0, n * 10);
    const agree = agreement(result.logits, golden, n, 10);
    expect(agree.argmax).toBe(1);
    expect(agree.relative).toBeLessThan(1e-3);
  });

  it("emulate: a model that was not lowered, or a bad input, is a coded error", () => {
    const compiled = compile(qat8Onnx, { target: "ideal" });
    expect(codeOf(() => emulate(compiled.imported, x.data, x.shape))).toBe("QS4D-E350");
    expect(codeOf(() => emulate(compiled.model, x.data, [n, 64, 3]))).toBe("QS4D-E300");
  });

  it("emulateBatch and runBatch on two worker threads give emulate's and run's logits", async () => {
    const compiled = compile(qat8Onnx, { target: "ideal" });
    const spread = await emulateBatch(compiled.model, x.data, x.shape, { threads: 2 });
    expect(Array.from(spread.logits)).toEqual(
      Array.from(emulate(compiled.model, x.data, x.shape).logits),
    );
    const reference = await runBatch(compiled.imported, x.data, x.shape, { threads: 2 });
    expect(Array.from(reference.logits)).toEqual(
      Array.from(run(compiled.imported, x.data, x.shape).logits),
    );
    const bad = await emulateBatch(compiled.model, x.data, [n, 64, 3], { threads: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((bad as Qs4dError).diagnostic.code).toBe("QS4D-E300");
  });

  it("simulate: the ideal chip.bin simulation equals the emulator, bit for bit", async () => {
    const compiled = compile(qat8Onnx, { target: "ideal" });
    const simulated = await simulate(compiled.chip, x.data, x.shape, { threads: 1 });
    const emulated = emulate(compiled.model, x.data, x.shape);
    expect(simulated.logits.length).toBe(1);
    expect(Array.from(simulated.logits[0]!)).toEqual(Array.from(emulated.logits));
    expect(simulated.report.mode).toBe("ideal");
  });

  it("simulate: noisy runs are reproducible by seed and report accuracy over runs", async () => {
    const { chip } = compile(qat8Onnx);
    const labels = goldenLabels(QAT8, n);
    const options = { runs: 2, seed: 7, threads: 1, labels };
    const [a, b] = [
      await simulate(chip, x.data, x.shape, options),
      await simulate(chip, x.data, x.shape, options),
    ];
    expect(a.logits.length).toBe(2);
    expect(a.report.mode).toBe("device");
    expect(a.logits.map((l) => Array.from(l))).toEqual(b.logits.map((l) => Array.from(l)));
    expect(a.logits[0]).not.toEqual(a.logits[1]);
    expect(a.report.accuracy).not.toBeNull();
    await expect(simulate(chip, x.data, x.shape, { runs: 0 })).rejects.toThrow(/QS4D-E609/);
    await expect(simulate(chip, x.data, x.shape, { noise: "loud" })).rejects.toThrow(/QS4D-E604/);
  });
});

describe("compile options for kernel-only models", () => {
  it("realizeModes reaches realize-kernel and its report is typed in PassReports", async () => {
    const { compile } = await import("../../src/api.js");
    const path = "fixtures/models/kernelonly-digits-h32n16-l2/weights.json";
    const result = compile(path, { target: "ideal", realizeModes: 3, emit: "ir" });
    const realized = result.reports["realize-kernel"];
    expect(realized?.layers.map((l) => l.modes)).toEqual([3, 3]);
    for (const layer of realized!.layers) {
      for (const c of layer.channels) expect(c.modes).toBeLessThanOrEqual(3);
    }
  });
});
