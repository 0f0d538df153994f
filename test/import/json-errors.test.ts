// Malformed weights.json inputs: each gives its coded diagnostic, at the right JSON path.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DiagnosticLocation } from "../../src/diag/diagnostic.js";
import { Qs4dError } from "../../src/diag/error.js";
import { assemble } from "../../src/import/assemble.js";
import { importModel } from "../../src/import/index.js";
import { jsonSpecFromBytes } from "../../src/import/json/index.js";
import { schemaDiagnostics } from "../../src/import/json/schema.js";

// biome-ignore lint/suspicious/noExplicitAny: test documents are edited freely
type Doc = any;

const FILE = "bad/weights.json";
const sources = new Map<string, string>();
function load(model = "digits-float-h32n16-l2"): Doc {
  if (!sources.has(model)) {
    sources.set(model, readFileSync(`fixtures/models/${model}/weights.json`, "utf8"));
  }
  return JSON.parse(sources.get(model)!);
}

function importText(text: string): void {
  assemble(jsonSpecFromBytes(Buffer.from(text), FILE));
}

/** The diagnostic an import raises (fails the test when the import succeeds). */
function diagnosticOf(run: () => void) {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error.diagnostic;
    throw error;
  }
  throw new Error("expected a coded diagnostic, the import succeeded");
}

function expectDiagnostic(
  doc: Doc,
  code: string,
  location: DiagnosticLocation,
  message?: RegExp,
): void {
  const d = diagnosticOf(() => importText(JSON.stringify(doc)));
  expect(d.code).toBe(code);
  expect(d.location).toMatchObject({ file: FILE, ...location });
  if (message) expect(d.message).toMatch(message);
}

const scratch = mkdtempSync(join(tmpdir(), "qs4dc-json-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("JSON syntax", () => {
  it("text that is not JSON: E200 with line and column", () => {
    const d = diagnosticOf(() => importText('{\n  "format": "pytorch-state-dict",\n  oops\n}'));
    expect(d.code).toBe("QS4D-E200");
    expect(d.location).toMatchObject({ file: FILE, line: 3 });
  });

  it("a bare NaN (Python's json.dumps) is not JSON: E200", () => {
    expect(diagnosticOf(() => importText('{"format": NaN}')).code).toBe("QS4D-E200");
  });
});

describe("schema violations", () => {
  it("missing key: E201", () => {
    const doc = load();
    delete doc.config.d_model;
    expectDiagnostic(doc, "QS4D-E201", { path: "/config/d_model" });
  });

  it("missing tensor field: E201", () => {
    const doc = load();
    delete doc.tensors["encoder.weight"].shape;
    expectDiagnostic(doc, "QS4D-E201", { path: "/tensors/encoder.weight/shape" });
  });

  it("wrong type: E202", () => {
    const doc = load();
    doc.config.d_in = "1";
    expectDiagnostic(doc, "QS4D-E202", { path: "/config/d_in" }, /expected integer, got string/);
  });

  it("wrong type inside data: E202", () => {
    const doc = load();
    doc.tensors["decoder.bias"].data[3] = true;
    expectDiagnostic(doc, "QS4D-E202", { path: "/tensors/decoder.bias/data/3" });
  });

  it("bad enum: E203 (format, norm, dtype, quantization scheme)", () => {
    const cases: [(d: Doc) => void, string][] = [
      [(d) => (d.format = "safetensors"), "/format"],
      [(d) => (d.config.norm = "rmsnorm"), "/config/norm"],
      [(d) => (d.tensors["encoder.bias"].dtype = "float16"), "/tensors/encoder.bias/dtype"],
      [(d) => (d.quantization = { scheme: "qs4d-fancy" }), "/quantization/scheme"],
    ];
    for (const [edit, path] of cases) {
      const doc = load();
      edit(doc);
      expectDiagnostic(doc, "QS4D-E203", { path });
    }
  });

  it("unexpected key: E204 (top level, tensor, qs4d-max flag)", () => {
    const a = load();
    a.weights = {};
    expectDiagnostic(a, "QS4D-E204", { path: "/weights" });
    const b = load();
    b.tensors["encoder.bias"].zero_point = 0;
    expectDiagnostic(b, "QS4D-E204", { path: "/tensors/encoder.bias/zero_point" });
    const c = load("qs4d-digits-qat-h32n16-l2");
    c.quantization.levels.B_quant = 8;
    expectDiagnostic(c, "QS4D-E204", { path: "/quantization/levels/B_quant" });
  });

  it("out-of-range value: E205", () => {
    const doc = load();
    doc.config.d_model = 0;
    expectDiagnostic(doc, "QS4D-E205", { path: "/config/d_model" }, />= 1/);
  });

  it("a string that is not a number: E207", () => {
    const doc = load();
    doc.tensors["encoder.weight"].data[5] = "0.5x";
    expectDiagnostic(doc, "QS4D-E207", { path: "/tensors/encoder.weight/data/5" });
  });

  it("reports every violation, each at its own path", () => {
    const doc = load();
    delete doc.config.n_layers;
    doc.config.prenorm = "yes";
    doc.tensors["decoder.bias"].data[0] = "nope";
    const found = schemaDiagnostics(doc, FILE).map((d) => [d.code, d.location.path]);
    expect(found).toEqual([
      ["QS4D-E201", "/config/n_layers"],
      ["QS4D-E202", "/config/prenorm"],
      ["QS4D-E207", "/tensors/decoder.bias/data/0"],
    ]);
  });

  it("every fixture is schema-valid", () => {
    for (const m of [
      "digits-float-h32n16-l2",
      "digits-qat8-h32n16-l2",
      "qs4d-digits-qat-h32n16-l2",
      "kernelonly-digits-h32n16-l2",
    ]) {
      expect(schemaDiagnostics(load(m), FILE)).toEqual([]);
    }
  });
});

describe("tensor payloads", () => {
  it("data length different from the shape: E206", () => {
    const doc = load();
    doc.tensors["encoder.bias"].data.pop();
    expectDiagnostic(
      doc,
      "QS4D-E206",
      { path: "/tensors/encoder.bias/data", tensor: "encoder.bias" },
      /31 values/,
    );
  });

  it("a declared shape too large for the file is rejected before allocation: E236", () => {
    // About 1 KB of JSON declaring 10^12 float32 values (4 TB): must fail at once, allocating nothing.
    const doc = {
      format: "pytorch-state-dict",
      config: { d_in: 1, d_model: 4, d_state: 2, n_layers: 0, n_classes: 2 },
      tensors: {
        "encoder.weight": { shape: [1000000, 1000000], dtype: "float32", data: [1, 2, 3] },
      },
    };
    const path = join(scratch, "huge.json");
    writeFileSync(path, JSON.stringify(doc));
    const d = diagnosticOf(() => importModel(path));
    expect(d.code).toBe("QS4D-E236");
    expect(d.location).toMatchObject({ file: path, path: "/tensors/encoder.weight/data" });
  });

  it("an integer tensor used as a parameter: E208; num_batches_tracked is skipped", () => {
    const a = load("qs4d-digits-qat-h32n16-l2");
    a.tensors["norms.0.num_batches_tracked"] = { shape: [], dtype: "int64", data: [1000] };
    expect(() => importText(JSON.stringify(a))).not.toThrow();
    const b = load();
    b.tensors["decoder.bias"].dtype = "int64";
    expectDiagnostic(b, "QS4D-E208", { path: "/tensors/decoder.bias" });
  });

  it("numbers as decimal strings read like JSON numbers", () => {
    const doc = load();
    doc.tensors["encoder.bias"].data = doc.tensors["encoder.bias"].data.map(String);
    expect(() => importText(JSON.stringify(doc))).not.toThrow();
  });
});

describe("config", () => {
  it("family keys that disagree: E209", () => {
    const doc = load();
    doc.config.mixing = "relu";
    expectDiagnostic(doc, "QS4D-E209", { path: "/config" }, /glu = true but mixing = "relu"/);
  });

  it("odd d_state: E238", () => {
    const doc = load();
    doc.config.d_state = 15;
    expectDiagnostic(doc, "QS4D-E238", {}, /d_state = 15/);
  });
});

describe("import checks", () => {
  it("NaN weight: E230 naming the tensor", () => {
    const doc = load();
    doc.tensors["layers.1.output_linear.weight"].data[7] = "nan";
    expectDiagnostic(
      doc,
      "QS4D-E230",
      {
        tensor: "layers.1.output_linear.weight",
        path: "/tensors/layers.1.output_linear.weight",
      },
      /NaN .* flat index 7/,
    );
  });

  it("+inf in log_A_real makes Re A = -inf: E230", () => {
    const doc = load();
    doc.tensors["layers.0.kernel.log_A_real"].data[0] = "inf";
    expectDiagnostic(doc, "QS4D-E230", { tensor: "layers.0.kernel.log_A_real" });
  });

  it("dt <= 0: log_dt = -inf or an exp that underflows to 0: E231", () => {
    for (const v of ["-inf", -1000]) {
      const doc = load();
      doc.tensors["layers.1.kernel.log_dt"].data[4] = v;
      expectDiagnostic(doc, "QS4D-E231", { tensor: "layers.1.kernel.log_dt" }, /channel 4/);
    }
  });

  it("unstable A: Re A = -exp(log_A_real) underflows to 0: E232", () => {
    const doc = load();
    doc.tensors["layers.0.kernel.log_A_real"].data[9] = -1000;
    expectDiagnostic(doc, "QS4D-E232", { tensor: "layers.0.kernel.log_A_real" }, /index 9/);
  });

  it("unstable A: decay exp(dt * Re A) rounds to 1: E232", () => {
    const doc = load();
    doc.tensors["layers.0.kernel.log_A_real"].data[3] = -60;
    expectDiagnostic(doc, "QS4D-E232", { tensor: "layers.0.kernel.log_A_real" }, /rounds to 1/);
  });

  it("unstable A on an exported dA grid (qs4d-symmetric-v1): E232", () => {
    const doc = load("digits-qat8-h32n16-l2");
    const dA = doc.quantization.tensors["layers.1.kernel.dA"];
    dA.int[10] = 127;
    dA.int[11] = 127;
    expectDiagnostic(
      doc,
      "QS4D-E232",
      { path: "/quantization/tensors/layers.1.kernel.dA" },
      /index 5/,
    );
  });

  it("unstable A under the qs4d-max A_quant grid (Re A rounds to 0): E232", () => {
    const doc = load("qs4d-digits-qat-h32n16-l2");
    doc.quantization.levels.A_quant = 2;
    doc.tensors["layers.0.kernel.log_A_real"].data[0] = Math.log(0.1);
    expectDiagnostic(
      doc,
      "QS4D-E232",
      { path: "/tensors/layers.0.kernel.log_A_real" },
      /A_quant = 2/,
    );
  });

  it("shape inconsistent with the config: E233", () => {
    const doc = load();
    doc.config.d_state = 32;
    expectDiagnostic(
      doc,
      "QS4D-E233",
      { tensor: "layers.0.kernel.log_A_real" },
      /expected \[32,16\]/,
    );
  });

  it("shapes inconsistent with each other: E233", () => {
    const doc = load();
    const c = doc.tensors["layers.1.kernel.C"];
    c.shape = [32, 16, 1];
    expectDiagnostic(
      doc,
      "QS4D-E233",
      { tensor: "layers.1.kernel.C" },
      /\[32,16,1\], expected \[32,8,2\]/,
    );
  });

  it("kernel length different from seq_len: E233", () => {
    const doc = load("kernelonly-digits-h32n16-l2");
    doc.config.seq_len = 32;
    expectDiagnostic(doc, "QS4D-E233", { tensor: "layers.0.kernel.K" });
  });

  it("missing parameter: E234", () => {
    const doc = load();
    delete doc.tensors["layers.1.kernel.C"];
    expectDiagnostic(doc, "QS4D-E234", { tensor: "layers.1.kernel.C" });
  });

  it("unexpected extra layer: E235", () => {
    const doc = load();
    doc.tensors["layers.2.D"] = { ...doc.tensors["layers.1.D"] };
    expectDiagnostic(
      doc,
      "QS4D-E235",
      { tensor: "layers.2.D", path: "/tensors/layers.2.D" },
      /beyond n_layers = 2/,
    );
  });

  it("the same parameter under both names: E235", () => {
    const doc = load();
    doc.tensors["layers.0.output_linear.0.bias"] = doc.tensors["layers.0.output_linear.bias"];
    expectDiagnostic(doc, "QS4D-E235", { tensor: "layers.0.output_linear.0.bias" });
  });

  it("invalid quantizers: E237 (code out of range, scale count, unknown tensor)", () => {
    const a = load("digits-qat8-h32n16-l2");
    a.quantization.tensors["layers.0.D"].int[2] = 200;
    expectDiagnostic(a, "QS4D-E237", { path: "/quantization/tensors/layers.0.D" }, /200/);
    const b = load("digits-qat8-h32n16-l2");
    b.quantization.tensors["decoder.weight"].scale.pop();
    expectDiagnostic(b, "QS4D-E237", { path: "/quantization/tensors/decoder.weight" }, /9 scales/);
    const c = load("digits-qat8-h32n16-l2");
    c.quantization.tensors["layers.0.kernel.Z"] = c.quantization.tensors["layers.0.kernel.C"];
    expectDiagnostic(c, "QS4D-E237", { path: "/quantization/tensors/layers.0.kernel.Z" });
  });

  it("codes whose shape differs from the quantized tensor: E237", () => {
    const doc = load("digits-qat8-h32n16-l2");
    const e = doc.quantization.tensors["layers.0.kernel.C"];
    e.shape = [32, 16];
    expectDiagnostic(
      doc,
      "QS4D-E237",
      { path: "/quantization/tensors/layers.0.kernel.C" },
      /\[32,16\]/,
    );
  });

  it("negative BatchNorm variance: E239", () => {
    const doc = load("qs4d-digits-qat-h32n16-l2");
    doc.tensors["norms.1.running_var"].data[2] = -0.5;
    expectDiagnostic(doc, "QS4D-E239", { tensor: "norms.1.running_var" });
  });

  it("a missing file: E001", () => {
    expect(diagnosticOf(() => importModel(join(scratch, "absent.json"))).code).toBe("QS4D-E001");
  });

  it("a file of no known format: E004", () => {
    const path = join(scratch, "noise.bin");
    writeFileSync(path, "hello world");
    expect(diagnosticOf(() => importModel(path)).code).toBe("QS4D-E004");
  });
});

describe("quantization entries", () => {
  it("two quantizers for one tensor (under its two state-dict names): E210", () => {
    // layers.i.output_linear.0.weight is the Sequential spelling of layers.i.output_linear.weight.
    const doc = load("digits-qat8-h32n16-l2");
    const tensors = doc.quantization.tensors;
    tensors["layers.0.output_linear.0.weight"] = tensors["layers.0.output_linear.weight"];
    expectDiagnostic(
      doc,
      "QS4D-E210",
      { path: "/quantization/tensors/layers.0.output_linear.0.weight" },
      /a second quantizer for 'layers.0.output_linear.weight'/,
    );
  });
});
