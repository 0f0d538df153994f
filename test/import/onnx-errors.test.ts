// Malformed and unsupported ONNX inputs, each built by editing a fixture with onnx-proto
// (decode, mutate, encode), must fail with their own coded diagnostic (exit code 2) naming the
// tensor or node at fault.

import { readFileSync } from "node:fs";
import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { importOnnxBytes } from "../../src/import/onnx/index.js";

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.ModelProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type Graph = {
  initializer: TensorProto[];
  node: onnxProto.onnx.NodeProto[];
  input: onnxProto.onnx.ValueInfoProto[];
};

/** The decoded graph, with the repeated fields decode() always fills. */
function g(m: ModelProto): Graph {
  return m.graph as unknown as Graph;
}

const FLOAT = "digits-float-h32n16-l2";
const QAT8 = "digits-qat8-h32n16-l2";
const QMAX = "qs4d-digits-qat-h32n16-l2";
const KERNEL = "kernelonly-digits-h32n16-l2";
const BIG = "big-h128n128-l4-L1024";
const SPOKEN = "spoken-qat6-h32n32-l4";

const cache = new Map<string, Uint8Array>();
function fixture(model: string, file = "model.onnx"): Uint8Array {
  const path = `fixtures/models/${model}/${file}`;
  if (!cache.has(path)) cache.set(path, readFileSync(path));
  return cache.get(path)!;
}

function edited(model: string, edit: (m: ModelProto) => void, file = "model.onnx"): Uint8Array {
  const m = onnx.ModelProto.decode(fixture(model, file));
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

function failure(bytes: Uint8Array, file = "edited.onnx"): Qs4dError {
  try {
    importOnnxBytes(bytes, file);
  } catch (error) {
    if (error instanceof Qs4dError) return error;
    throw error;
  }
  throw new Error("the import succeeded");
}

function expectCode(bytes: Uint8Array, code: string, mentions: readonly string[] = []): Qs4dError {
  const e = failure(bytes);
  expect(e.diagnostic.code).toBe(code);
  expect(e.exitCode).toBe(2);
  expect(e.diagnostic.hint.length).toBeGreaterThan(0);
  for (const text of mentions) expect(e.message).toContain(text);
  return e;
}

function initializer(m: ModelProto, name: string): TensorProto {
  const t = g(m).initializer.find((i) => i.name === name);
  if (t === undefined) throw new Error(`no initializer ${name}`);
  return t;
}

function floats(t: TensorProto): Float32Array {
  const raw = t.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

function setFloats(t: TensorProto, values: Float32Array): void {
  t.rawData = new Uint8Array(values.buffer.slice(0));
}

/** Rename a tensor everywhere: initializer, node inputs. */
function rename(m: ModelProto, from: string, to: string): void {
  initializer(m, from).name = to;
  for (const n of g(m).node) n.input = n.input.map((i) => (i === from ? to : i));
}

/** The float32 tensors of the Constant nodes whose value has shape [n]. */
function vectorConstants(m: ModelProto, n: number): TensorProto[] {
  return g(m)
    .node.filter((x) => x.opType === "Constant")
    .map((x) => x.attribute[0]?.t)
    .filter((t): t is TensorProto => t != null && (t.dims ?? []).map(Number).join() === `${n}`);
}

/** K = factor * Re(sum ...): the Constant multiplying layer 0's ReduceSum over the modes. */
function setKernelFactor(m: ModelProto, value: number): void {
  const nodes = g(m).node;
  const sum = nodes.find((n) => n.opType === "ReduceSum")!;
  const mul = nodes.find((n) => n.opType === "Mul" && n.input.includes(sum.output[0]!))!;
  const factor = mul.input.find((i) => i !== sum.output[0])!;
  const constant = nodes.find((n) => n.output[0] === factor)!;
  setFloats(constant.attribute[0]!.t!, Float32Array.of(value));
}

function setMeta(m: ModelProto, key: string, value: string): void {
  const p = m.metadataProps.find((x) => x.key === key);
  if (p === undefined) m.metadataProps.push(onnx.StringStringEntryProto.create({ key, value }));
  else p.value = value;
}

function metaJson(m: ModelProto, key: string): Record<string, unknown> {
  return JSON.parse(m.metadataProps.find((x) => x.key === key)!.value ?? "");
}

describe("malformed ONNX files", () => {
  it("a truncated protobuf", () => {
    const bytes = fixture(FLOAT);
    expectCode(bytes.subarray(0, bytes.length >> 1), "QS4D-E101", ["truncated"]);
  });

  it("a file that is not an ONNX model (text, JSON, empty)", () => {
    expectCode(Buffer.from("this is not an onnx model\n"), "QS4D-E100");
    expectCode(fixture(FLOAT, "weights.json"), "QS4D-E100");
    expectCode(new Uint8Array(0), "QS4D-E100");
  });

  it("a tensor that declares more elements than its bytes hold (nothing allocated)", () => {
    const bytes = edited(FLOAT, (m) => {
      initializer(m, "encoder.weight").dims = [1_000_000_000, 1];
    });
    expectCode(bytes, "QS4D-E104", ["encoder.weight", "4000000000 bytes"]);
  });

  it("external data", () => {
    const bytes = edited(FLOAT, (m) => {
      const t = initializer(m, "layers.0.kernel.A_imag");
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [
        onnx.StringStringEntryProto.create({ key: "location", value: "weights.bin" }),
      ];
    });
    expectCode(bytes, "QS4D-E103", ["layers.0.kernel.A_imag", "weights.bin"]);
  });

  it("a parameter stored as integers (wrong initializer dtype)", () => {
    const bytes = edited(FLOAT, (m) => {
      const t = initializer(m, "layers.0.kernel.log_dt");
      t.dataType = onnx.TensorProto.DataType.INT32;
      t.rawData = new Uint8Array(new Int32Array(32).fill(-3).buffer);
    });
    expectCode(bytes, "QS4D-E106", ["layers.0.kernel.log_dt", "INT32"]);
  });

  it("a NaN weight, in a linear layer and in an SSM parameter", () => {
    const nanAt = (name: string, index: number) =>
      edited(FLOAT, (m) => {
        const t = initializer(m, name);
        const v = floats(t);
        v[index] = Number.NaN;
        setFloats(t, v);
      });
    expectCode(nanAt("decoder.weight", 7), "QS4D-E107", ["decoder.weight", "index 7"]);
    expectCode(nanAt("layers.1.kernel.log_A_real", 3), "QS4D-E107", ["layers.1.kernel.log_A_real"]);
  });

  it("a missing parameter initializer", () => {
    const bytes = edited(FLOAT, (m) => {
      g(m).initializer = g(m).initializer.filter((t) => t.name !== "layers.1.kernel.C");
    });
    expectCode(bytes, "QS4D-E109", ["layers.1.kernel.C"]);
  });

  it("mismatched shapes of the SSM parameters", () => {
    const bytes = edited(FLOAT, (m) => {
      const t = initializer(m, "layers.0.kernel.A_imag");
      t.dims = [32, 4];
      setFloats(t, floats(t).slice(0, 128));
    });
    expectCode(bytes, "QS4D-E111", ["layers.0.kernel.A_imag", "[32,4]"]);
  });

  it("two data inputs, and an input that is not [batch, length, d_in]", () => {
    const twoInputs = edited(FLOAT, (m) => {
      g(m).input.push(onnx.ValueInfoProto.create({ name: "extra" }));
    });
    expectCode(twoInputs, "QS4D-E119", ["'extra'"]);
    const badInput = edited(FLOAT, (m) => {
      g(m).input[0]!.type!.tensorType!.shape!.dim![2]!.dimValue = 3;
    });
    expectCode(badInput, "QS4D-E120", ["[?,64,3]"]);
  });
});

describe("graphs that cannot be placed", () => {
  it("an unknown op on the data path is named with its inputs", () => {
    const bytes = edited(FLOAT, (m) => {
      const sig = g(m).node.find((n) => n.opType === "Sigmoid")!;
      sig.opType = "HardSigmoid";
    });
    const e = expectCode(bytes, "QS4D-E108", ["HardSigmoid", "inputs: /layers.0/Split_output_1"]);
    expect(e.diagnostic.location.node).toContain("HardSigmoid");
  });

  it("a kernel-only model whose kernel is an unnamed constant (no SSM parameters remain)", () => {
    const bytes = edited(KERNEL, (m) => rename(m, "layers.0.kernel.K", "onnx::Conv_77"));
    expectCode(bytes, "QS4D-E110", ["layer 0", "onnx::Conv_77"]);
  });

  it("a kernel computed from unnamed constants only (all SSM parameters folded away)", () => {
    const bytes = edited(FLOAT, (m) => {
      for (const leaf of ["log_dt", "log_A_real", "A_imag", "C"]) {
        rename(m, `layers.1.kernel.${leaf}`, `onnx::Folded_${leaf}`);
      }
    });
    expectCode(bytes, "QS4D-E110", ["layer 1", "onnx::Folded_log_dt"]);
  });

  it("a folded parameter that changed arithmetically is reported as missing", () => {
    const bytes = edited(FLOAT, (m) => rename(m, "layers.0.kernel.log_dt", "onnx::Exp_5"));
    expectCode(bytes, "QS4D-E128", ["layers.0.kernel.log_dt"]);
  });

  it("folded constants that are not the parts of C are not guessed to be C", () => {
    const bytes = edited(
      FLOAT,
      (m) => {
        // Fold the kernel's factor 2 into C's two parts: the kernel is unchanged, but no
        // unnamed constant is C any more (2 Re C' ... with C' = 2C would double the kernel).
        setKernelFactor(m, 1);
        const parts = g(m).initializer.filter(
          (t) => /^onnx::Mul_/.test(t.name ?? "") && (t.dims ?? []).map(Number).join() === "32,8",
        );
        for (const part of parts.slice(0, 2))
          setFloats(
            part,
            floats(part).map((v) => 2 * v),
          );
      },
      "model.folded.onnx",
    );
    expectCode(bytes, "QS4D-E128", ["layers.0.kernel.C", "onnx::Mul_"]);
  });

  it("a kernel subgraph that computes something else than the S4D kernel", () => {
    const bytes = edited(FLOAT, (m) => {
      setKernelFactor(m, 3);
    });
    expectCode(bytes, "QS4D-E113", ["layer 0", "zoh"]);
  });

  it("a kernel that differs from the parameters' at one late tap only (L = 1024)", () => {
    const bytes = edited(BIG, (m) => {
      // The position vectors l = L-1..0 of exp(dt A l): conv weight index 1, lag L-2 = 1022,
      // gets l = 0. Every other tap of the kernel is unchanged.
      const positions = vectorConstants(m, 1024);
      expect(positions.length).toBeGreaterThan(0);
      for (const t of positions) {
        const v = floats(t);
        expect(v[1]).toBe(1022);
        v[1] = 0;
        setFloats(t, v);
      }
    });
    expectCode(bytes, "QS4D-E113", ["layer 0", "zoh"]);
  });

  it("a quantized kernel whose binary powering differs at one late tap only (L = 4000)", () => {
    const bytes = edited(SPOKEN, (m) => {
      // dA^l by repeated squaring with constant bit masks of l: flipping every mask at conv
      // weight index 1 computes dA^97 (= 4095 - 3998) at lag L-2 = 3998.
      const masks = vectorConstants(m, 4000);
      expect(masks.length).toBeGreaterThan(0);
      for (const t of masks) {
        const v = floats(t);
        expect(v.every((x) => x === 0 || x === 1)).toBe(true);
        v[1] = 1 - v[1]!;
        setFloats(t, v);
      }
    });
    expectCode(bytes, "QS4D-E113", ["layer 0", "zoh"]);
  });
});

describe("metadata against the graph", () => {
  it("an unknown quantization scheme", () => {
    expectCode(
      edited(QAT8, (m) => setMeta(m, "qs4d.scheme", "int4-magic")),
      "QS4D-E126",
      ["int4-magic"],
    );
  });

  it("a scheme the graph does not implement", () => {
    expectCode(
      edited(QAT8, (m) => setMeta(m, "qs4d.scheme", "qs4d-max")),
      "QS4D-E115",
      ["qs4d.scheme"],
    );
  });

  it("a metadata scale that differs from the graph's DequantizeLinear scale", () => {
    const bytes = edited(QAT8, (m) => {
      setMeta(m, "qs4d.layers.0.D.scale", "0.5");
      const q = metaJson(m, "qs4d.json") as { tensors: Record<string, { scale: number }> };
      q.tensors["layers.0.D"]!.scale = 0.5;
      setMeta(m, "qs4d.json", JSON.stringify(q));
    });
    expectCode(bytes, "QS4D-E115", ["qs4d.layers.0.D.scale", "0.5"]);
    // The two metadata forms disagreeing with each other is invalid metadata.
    const split = edited(QAT8, (m) => setMeta(m, "qs4d.layers.0.D.scale", "0.5"));
    expectCode(split, "QS4D-E117", ["qs4d.json", "layers.0.D.scale"]);
  });

  it("a qs4d-max level count that differs from the graph's quantizer", () => {
    const bytes = edited(QMAX, (m) => {
      const levels = metaJson(m, "qs4d.levels");
      levels.A_quant = 8;
      setMeta(m, "qs4d.levels", JSON.stringify(levels));
    });
    expectCode(bytes, "QS4D-E115", ["A_quant", "layers.0.kernel.A_real"]);
  });

  it("an unsigned QDQ grid (uint8 zero point) is not read as a signed one", () => {
    const bytes = edited(QAT8, (m) => {
      const q = g(m).node.find(
        (n) => n.opType === "QuantizeLinear" && n.input[0] === "encoder.weight",
      )!;
      const cast = g(m).node.find((n) => n.output[0] === q.input[2])!;
      cast.attribute.find((a) => a.name === "to")!.i = onnx.TensorProto.DataType.UINT8;
    });
    expectCode(bytes, "QS4D-E118", ["DequantizeLinear", "unsigned"]);
  });

  it("exported integer codes that the graph's grid does not give", () => {
    const bytes = edited(QAT8, (m) => {
      const q = metaJson(m, "qs4d.json") as { tensors: Record<string, { int: number[] }> };
      q.tensors["decoder.weight"]!.int[5]! += 1;
      setMeta(m, "qs4d.json", JSON.stringify(q));
    });
    expectCode(bytes, "QS4D-E115", ["decoder.weight", "index 5"]);
  });

  it("an s4d.config that describes another architecture", () => {
    const bytes = edited(QMAX, (m) => {
      const config = metaJson(m, "s4d.config");
      config.prenorm = false;
      setMeta(m, "s4d.config", JSON.stringify(config));
    });
    expectCode(bytes, "QS4D-E116", ["prenorm"]);
  });

  it("metadata that is not JSON", () => {
    expectCode(
      edited(FLOAT, (m) => setMeta(m, "s4d.config", "{d_model: 32")),
      "QS4D-E117",
      ["s4d.config"],
    );
  });
});

/** Remove a node, its consumers reading its first input instead. */
function bypass(m: ModelProto, node: onnxProto.onnx.NodeProto): void {
  const [output, input] = [node.output[0]!, node.input[0]!];
  g(m).node = g(m).node.filter((n) => n !== node);
  for (const n of g(m).node) n.input = n.input.map((i) => (i === output ? input : i));
}

describe("graphs qs4dc reads but cannot take", () => {
  it("two graph outputs, and a tensor produced twice", () => {
    const outputs = edited(FLOAT, (m) => {
      m.graph!.output!.push(onnx.ValueInfoProto.create({ name: m.graph!.output![0]!.name! }));
    });
    expectCode(outputs, "QS4D-E102", ["2 outputs"]);
    const twice = edited(FLOAT, (m) => {
      const [first, second] = g(m).node;
      second!.output = [...first!.output];
    });
    expectCode(twice, "QS4D-E102", ["produced twice"]);
  });

  it("an initializer of an element type qs4dc does not read (complex)", () => {
    const bytes = edited(FLOAT, (m) => {
      initializer(m, "encoder.weight").dataType = onnx.TensorProto.DataType.COMPLEX64;
    });
    expectCode(bytes, "QS4D-E105", ["encoder.weight", "COMPLEX64"]);
  });

  it("SSM parameters of one kernel under two layer prefixes", () => {
    const bytes = edited(FLOAT, (m) => rename(m, "layers.0.kernel.C", "layers.7.kernel.C"));
    expectCode(bytes, "QS4D-E112", ["layer 0", "several prefixes"]);
  });

  it("a kernel subgraph op outside the standard ONNX domain", () => {
    const bytes = edited(FLOAT, (m) => {
      g(m).node.find((n) => n.opType === "Exp")!.domain = "com.example";
    });
    expectCode(bytes, "QS4D-E114", ["not a standard ONNX op"]);
  });

  it("an SSM convolution with a bias", () => {
    const bytes = edited(FLOAT, (m) => {
      const conv = g(m).node.find((n) => n.opType === "Conv" && n.name === "/layers.0/Conv")!;
      conv.input = [...conv.input, "encoder.bias"];
    });
    expectCode(bytes, "QS4D-E121", ["/layers.0/Conv", "bias"]);
  });

  it("a LayerNorm without bias", () => {
    const bytes = edited(FLOAT, (m) => {
      const norm = g(m).node.find((n) => n.opType === "LayerNormalization")!;
      norm.input = norm.input.slice(0, 2);
    });
    expectCode(bytes, "QS4D-E122", ["LayerNormalization", "without bias"]);
  });

  it("a pre-norm model whose second layer has no norm", () => {
    const bytes = edited(QMAX, (m) => {
      bypass(m, g(m).node.filter((n) => n.opType === "BatchNormalization")[1]!);
    });
    expectCode(bytes, "QS4D-E124", ["norms", "layer 1"]);
  });

  it("a pooling that reads the graph input, not the layers", () => {
    const bytes = edited(FLOAT, (m) => {
      const pool = g(m).node.find((n) => n.opType === "ReduceMean")!;
      pool.input = [m.graph!.input![0]!.name!, ...pool.input.slice(1)];
    });
    expectCode(bytes, "QS4D-E125", ["the encoder"]);
  });
});
