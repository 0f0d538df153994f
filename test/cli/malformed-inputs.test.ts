// Every malformed input, through the real command line in-process: a coded diagnostic on
// stderr, exit code 2, and nothing left in the output folder (no partial or temporary file).

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { writeNpy } from "../../src/util/npy.js";

const { onnx } = onnxProto;
const MODELS = "fixtures/models";
const FLOAT = `${MODELS}/digits-float-h32n16-l2`;
const work = mkdtempSync(join(tmpdir(), "qs4dc-malformed-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Json = { config: Record<string, unknown>; tensors: Record<string, TensorJson> } & Record<
  string,
  unknown
>;
type TensorJson = { shape: number[]; dtype: string; data: (number | string)[] };

function floatJson(): Json {
  return JSON.parse(readFileSync(`${FLOAT}/weights.json`, "utf8")) as Json;
}

function jsonCase(edit: (w: Json) => void): Uint8Array {
  const w = floatJson();
  edit(w);
  return new TextEncoder().encode(JSON.stringify(w));
}

function onnxCase(edit: (m: onnxProto.onnx.ModelProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(`${FLOAT}/model.onnx`));
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

function setAll(t: TensorJson, value: number | string): void {
  t.data = t.data.map(() => value);
}

function npyHeader(descr: string, fortran: boolean, shape: string): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shape}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += " ";
  const bytes = new Uint8Array(10 + header.length + 1);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length + 1, 0]);
  bytes.set(new TextEncoder().encode(`${header}\n`), 10);
  return bytes;
}

const validInput = writeNpy({
  dtype: "float32",
  shape: [1, 64, 1],
  data: new Float32Array(64).fill(0.5),
});

interface Case {
  readonly name: string;
  readonly code: string;
  readonly model?: { readonly file: string; readonly bytes: Uint8Array };
  readonly input?: Uint8Array;
}

const onnxBytes = readFileSync(`${FLOAT}/model.onnx`);

const MODEL_CASES: Case[] = [
  {
    name: "truncated protobuf",
    code: "QS4D-E101",
    model: { file: "t.onnx", bytes: onnxBytes.subarray(0, 3000) },
  },
  {
    name: "not an ONNX file",
    code: "QS4D-E100",
    model: { file: "x.onnx", bytes: new TextEncoder().encode("hello, world") },
  },
  { name: "empty file", code: "QS4D-E100", model: { file: "e.onnx", bytes: new Uint8Array(0) } },
  {
    name: "ONNX NaN weight",
    code: "QS4D-E107",
    model: {
      file: "nan.onnx",
      bytes: onnxCase((m) => {
        const t = m.graph!.initializer!.find((i) => i.name === "decoder.weight")!;
        const raw = new Float32Array(new Uint8Array(t.rawData!).slice().buffer);
        raw[3] = Number.NaN;
        t.rawData = new Uint8Array(raw.buffer);
      }),
    },
  },
  {
    name: "ONNX missing parameter initializer",
    code: "QS4D-E109",
    model: {
      file: "missing.onnx",
      bytes: onnxCase((m) => {
        m.graph!.initializer = m.graph!.initializer!.filter(
          (i) => i.name !== "layers.0.kernel.log_dt",
        );
      }),
    },
  },
  {
    name: "ONNX unknown op on the data path",
    code: "QS4D-E108",
    model: {
      file: "op.onnx",
      bytes: onnxCase((m) => {
        const gemm = m.graph!.node!.find((n) => n.opType === "Gemm")!;
        gemm.opType = "FancyDecoder";
      }),
    },
  },
  {
    name: "invalid JSON syntax",
    code: "QS4D-E200",
    model: { file: "bad.json", bytes: new TextEncoder().encode('{"format": ') },
  },
  {
    name: "JSON schema: missing key",
    code: "QS4D-E201",
    model: {
      file: "k.json",
      bytes: jsonCase((w) => delete (w as Record<string, unknown>).tensors),
    },
  },
  {
    name: "JSON schema: wrong type",
    code: "QS4D-E202",
    model: {
      file: "type.json",
      bytes: jsonCase(
        (w) => ((w.tensors["layers.0.D"] as unknown as Record<string, unknown>).shape = "32"),
      ),
    },
  },
  {
    name: "JSON schema: bad enum",
    code: "QS4D-E203",
    model: {
      file: "enum.json",
      bytes: jsonCase((w) => (w.tensors["layers.0.D"]!.dtype = "float13")),
    },
  },
  {
    name: "JSON data length differs from shape",
    code: "QS4D-E206",
    model: { file: "len.json", bytes: jsonCase((w) => w.tensors["layers.0.D"]!.data.pop()) },
  },
  {
    name: "JSON NaN weight",
    code: "QS4D-E230",
    model: {
      file: "nan.json",
      bytes: jsonCase((w) => (w.tensors["decoder.weight"]!.data[0] = "NaN")),
    },
  },
  {
    name: "JSON unstable A (Re A underflows to 0)",
    code: "QS4D-E232",
    model: {
      file: "unstable.json",
      bytes: jsonCase((w) => setAll(w.tensors["layers.1.kernel.log_A_real"]!, -1000)),
    },
  },
  {
    name: "JSON dt <= 0",
    code: "QS4D-E231",
    model: {
      file: "dt.json",
      bytes: jsonCase((w) => setAll(w.tensors["layers.0.kernel.log_dt"]!, -1000)),
    },
  },
  {
    name: "JSON mismatched shapes",
    code: "QS4D-E233",
    model: {
      file: "shape.json",
      bytes: jsonCase((w) => {
        const c = w.tensors["layers.0.kernel.C"]!;
        c.shape = [32, 4, 4];
      }),
    },
  },
  {
    name: "JSON missing parameter",
    code: "QS4D-E234",
    model: { file: "miss.json", bytes: jsonCase((w) => delete w.tensors["layers.0.D"]) },
  },
  {
    name: "JSON declared size far beyond the file (nothing allocated)",
    code: "QS4D-E236",
    model: {
      file: "huge.json",
      bytes: jsonCase((w) => (w.tensors["layers.0.D"]!.shape = [100000, 100000, 1000])),
    },
  },
  {
    name: "IR text syntax error",
    code: "QS4D-E007",
    model: {
      file: "bad.qs4d",
      bytes: new TextEncoder().encode("model @m {\n  config (d_in = \n}\n"),
    },
  },
];

const INPUT_CASES: Case[] = [
  {
    name: ".npy bad magic",
    code: "QS4D-E260",
    input: new TextEncoder().encode("NOTNUMPY0000000000"),
  },
  { name: ".npy big-endian", code: "QS4D-E263", input: npyHeader(">f4", false, "(1, 64, 1)") },
  { name: ".npy Fortran order", code: "QS4D-E264", input: npyHeader("<f4", true, "(1, 64, 1)") },
  {
    name: ".npy unsupported dtype",
    code: "QS4D-E265",
    input: npyHeader("<c8", false, "(1, 64, 1)"),
  },
  { name: ".npy truncated data", code: "QS4D-E266", input: npyHeader("<f4", false, "(1, 64, 1)") },
];

async function qs4dc(args: string[]): Promise<{ exit: number; stderr: string }> {
  let stderr = "";
  const exit = await runCli(args, (text) => {
    stderr += text;
  });
  return { exit, stderr };
}

function caseDir(name: string): { dir: string; out: string } {
  const dir = mkdtempSync(join(work, "case-"));
  const out = join(dir, "out");
  rmSync(out, { force: true });
  writeFileSync(join(dir, "README"), name);
  return { dir, out };
}

function expectNothingWritten(dir: string, inputs: readonly string[]): void {
  const left = readdirSync(dir).filter((f) => f !== "README" && !inputs.includes(f));
  expect(left).toEqual([]);
}

describe("malformed models: coded diagnostic, exit 2, no output file", () => {
  it("has at least 20 malformed-input cases", () => {
    expect(MODEL_CASES.length + INPUT_CASES.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of MODEL_CASES) {
    it(`compile and run reject ${c.name} (${c.code}…)`, async () => {
      const { dir } = caseDir(c.name);
      const model = join(dir, c.model!.file);
      const input = join(dir, "x.npy");
      writeFileSync(model, c.model!.bytes);
      writeFileSync(input, validInput);
      const compiled = await qs4dc(["compile", model, "-o", join(dir, "chip.bin")]);
      expect(compiled.exit).toBe(2);
      expect(compiled.stderr).toContain(`error ${c.code}`);
      expect(compiled.stderr).toContain(c.model!.file);
      expect(compiled.stderr).toMatch(/hint: \S/);
      const ran = await qs4dc(["run", model, "--input", input, "-o", join(dir, "y.npy")]);
      expect(ran.exit).toBe(2);
      expect(ran.stderr).toContain(`error ${c.code}`);
      expectNothingWritten(dir, [c.model!.file, "x.npy"]);
    });
  }

  for (const c of INPUT_CASES) {
    it(`run and emulate reject ${c.name} (${c.code})`, async () => {
      const { dir } = caseDir(c.name);
      const input = join(dir, "bad.npy");
      writeFileSync(input, c.input!);
      const model = `${FLOAT}/weights.json`;
      for (const command of ["run", "emulate"]) {
        const r = await qs4dc([command, model, "--input", input, "-o", join(dir, "y.npy")]);
        expect(r.exit).toBe(2);
        expect(r.stderr).toContain(`error ${c.code}`);
        expect(r.stderr).toContain("bad.npy");
      }
      expectNothingWritten(dir, ["bad.npy"]);
    });
  }

  it("a valid model and input do write the output (the cases above are not vacuous)", async () => {
    const { dir } = caseDir("valid");
    const input = join(dir, "x.npy");
    writeFileSync(input, validInput);
    const ran = await qs4dc([
      "run",
      `${FLOAT}/weights.json`,
      "--input",
      input,
      "-o",
      join(dir, "y.npy"),
    ]);
    expect(ran).toEqual({ exit: 0, stderr: "" });
    expect(readdirSync(dir).sort()).toEqual(["README", "x.npy", "y.npy"]);
  });
});
