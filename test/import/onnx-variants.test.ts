// Exporter variants the shared fixtures do not contain, built by rewriting a fixture's graph
// with onnx-proto: the decomposed LayerNorm, the Gelu op, ReLU mixing, S4 parameter naming,
// and the other quantizer forms (plain QDQ without metadata, QCDQ with a 4-bit Clip, QONNX
// Quant). Where the rewrite keeps the model's meaning, the IR must not change.

import { readFileSync } from "node:fs";
import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/import/assemble.js";
import { importModel } from "../../src/import/index.js";
import { buildOnnxSpec } from "../../src/import/onnx/index.js";
import type { ImportSpec } from "../../src/import/spec.js";
import type { Model, SsmContinuous } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { printModel } from "../../src/ir/text/index.js";

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.ModelProto;
type NodeProto = onnxProto.onnx.NodeProto;
type TensorProto = onnxProto.onnx.TensorProto;
type Graph = { initializer: TensorProto[]; node: NodeProto[] };

const FLOAT = "digits-float-h32n16-l2";
const QAT8 = "digits-qat8-h32n16-l2";
const AT = onnx.AttributeProto.AttributeType;

function g(m: ModelProto): Graph {
  return m.graph as unknown as Graph;
}

function rewrite(model: string, edit: (m: ModelProto) => void): ImportSpec {
  const m = onnx.ModelProto.decode(readFileSync(`fixtures/models/${model}/model.onnx`));
  edit(m);
  return buildOnnxSpec(onnx.ModelProto.encode(m).finish(), `${model}/model.onnx`);
}

/** The rewrite changes the architecture: the old config block would (rightly) disagree. */
function dropConfig(m: ModelProto): void {
  m.metadataProps = m.metadataProps.filter((p) => p.key !== "s4d.config");
}

function jsonModel(model: string): Model {
  return importModel(`fixtures/models/${model}/weights.json`);
}

let fresh = 0;
function name(stem: string): string {
  fresh += 1;
  return `/rewrite/${stem}_${fresh}`;
}

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnxProto.onnx.IAttributeProto[] = [],
  domain = "",
): NodeProto {
  return onnx.NodeProto.create({ opType, input, output, attribute, domain, name: name(opType) });
}

const ints = (n: string, v: number[]) =>
  onnx.AttributeProto.create({ name: n, type: AT.INTS, ints: v });
const int = (n: string, v: number) => onnx.AttributeProto.create({ name: n, type: AT.INT, i: v });
const str = (n: string, v: string) =>
  onnx.AttributeProto.create({ name: n, type: AT.STRING, s: new TextEncoder().encode(v) });

function constant(m: ModelProto, dims: number[], values: ArrayLike<number>, dataType = 1): string {
  const t = name("const");
  const bytes =
    dataType === 1
      ? new Uint8Array(Float32Array.from(values).buffer)
      : dataType === 3
        ? new Uint8Array(Int8Array.from(values).buffer)
        : new Uint8Array(BigInt64Array.from(Array.from(values, BigInt)).buffer);
  g(m).initializer.push(onnx.TensorProto.create({ name: t, dims, dataType, rawData: bytes }));
  return t;
}

function floats(t: TensorProto): Float32Array {
  const raw = t.rawData;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

function init(m: ModelProto, n: string): TensorProto {
  return g(m).initializer.find((t) => t.name === n)!;
}

function producer(m: ModelProto, tensor: string): NodeProto {
  return g(m).node.find((n) => n.output.includes(tensor))!;
}

function remove(m: ModelProto, nodes: readonly NodeProto[]): void {
  g(m).node = g(m).node.filter((n) => !nodes.includes(n));
}

function replaceUses(
  m: ModelProto,
  from: string,
  to: string,
  except: readonly NodeProto[] = [],
): void {
  for (const n of g(m).node)
    if (!except.includes(n)) n.input = n.input.map((i) => (i === from ? to : i));
}

function continuous(model: Model, i: number): SsmContinuous {
  const f = model.layers[i]!.ssm.form;
  if (f.kind !== "continuous") throw new Error("not continuous");
  return f;
}

/** Move a tensor's values from raw_data into the typed field the ONNX spec names for its type. */
function toTypedFields(t: TensorProto): void {
  const raw = t.rawData;
  if (raw === null || raw === undefined || raw.length === 0) return;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = t.dims.reduce<number>((a, d) => a * Number(d), 1);
  const read = (f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
  switch (t.dataType) {
    case onnx.TensorProto.DataType.FLOAT:
      t.floatData = read((i) => view.getFloat32(4 * i, true));
      break;
    case onnx.TensorProto.DataType.DOUBLE:
      t.doubleData = read((i) => view.getFloat64(8 * i, true));
      break;
    case onnx.TensorProto.DataType.INT64:
      t.int64Data = read((i) => Number(view.getBigInt64(8 * i, true)));
      break;
    case onnx.TensorProto.DataType.INT32:
      t.int32Data = read((i) => view.getInt32(4 * i, true));
      break;
    case onnx.TensorProto.DataType.INT8:
      t.int32Data = read((i) => view.getInt8(i));
      break;
    default:
      return;
  }
  t.rawData = new Uint8Array(0);
}

describe("tensor encodings", () => {
  it("values in the typed fields (float_data, int64_data, int32_data) instead of raw_data give the same IR", () => {
    const spec = rewrite(QAT8, (m) => {
      for (const t of g(m).initializer) toTypedFields(t);
      for (const n of g(m).node)
        for (const a of n.attribute) if (a.t) toTypedFields(a.t as TensorProto);
    });
    expect(printModel(assemble(spec))).toBe(printModel(jsonModel(QAT8)));
  });
});

describe("exporter variants of the data path", () => {
  it("initializers de-duplicated by torch into Identity nodes keep their own names", () => {
    const spec = rewrite(FLOAT, (m) => {
      for (const copy of ["layers.1.kernel.A_imag", "norms.1.weight"]) {
        g(m).initializer = g(m).initializer.filter((t) => t.name !== copy);
        g(m).node.unshift(node("Identity", [copy.replace("1", "0")], [copy]));
      }
    });
    expect(spec.origin("layers.1.kernel.A_imag").tensor).toBe("layers.1.kernel.A_imag");
    expect(spec.origin("norms.1.weight").tensor).toBe("norms.1.weight");
    const json = jsonModel(FLOAT);
    expect(Array.from(dataOf(continuous(assemble(spec), 1).aIm))).toEqual(
      Array.from(dataOf(continuous(json, 0).aIm)),
    );
  });

  it("LayerNormalization decomposed into ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add gives the same IR", () => {
    const spec = rewrite(FLOAT, (m) => {
      for (const ln of g(m).node.filter((n) => n.opType === "LayerNormalization")) {
        const [x, scale, bias] = ln.input as [string, string, string];
        const t = (s: string) => name(s);
        const [mean, d, sq, v, ve, sd, n, w] = ["mean", "d", "sq", "var", "ve", "sd", "n", "w"].map(
          t,
        ) as string[];
        const two = constant(m, [], [2]);
        const eps = constant(m, [], [1e-5]);
        g(m).node.push(
          node("ReduceMean", [x], [mean!], [ints("axes", [-1])]),
          node("Sub", [x, mean!], [d!]),
          node("Pow", [d!, two], [sq!]),
          node("ReduceMean", [sq!], [v!], [ints("axes", [-1])]),
          node("Add", [v!, eps], [ve!]),
          node("Sqrt", [ve!], [sd!]),
          node("Div", [d!, sd!], [n!]),
          node("Mul", [n!, scale], [w!]),
          node("Add", [w!, bias], [ln.output[0]!]),
        );
        remove(m, [ln]);
      }
    });
    expect(printModel(assemble(spec))).toBe(printModel(jsonModel(FLOAT)));
  });

  it("the Gelu op in place of its erf form gives the same IR", () => {
    const spec = rewrite(FLOAT, (m) => {
      for (const erf of g(m).node.filter((n) => n.opType === "Erf")) {
        const div = producer(m, erf.input[0]!);
        const add = g(m).node.find((n) => n.input.includes(erf.output[0]!))!;
        const mul = g(m).node.find((n) => n.input.includes(add.output[0]!))!;
        const half = g(m).node.find((n) => n.input.includes(mul.output[0]!))!;
        g(m).node.push(
          node("Gelu", [div.input[0]!], [half.output[0]!], [str("approximate", "none")]),
        );
        remove(m, [div, erf, add, mul, half]);
      }
    });
    expect(spec.arch.activation).toBe("gelu");
    expect(printModel(assemble(spec))).toBe(printModel(jsonModel(FLOAT)));
  });

  it("ReLU mixing: Conv1d(H -> H) + Relu in place of the GLU", () => {
    const spec = rewrite(FLOAT, (m) => {
      dropConfig(m);
      for (const split of g(m).node.filter((n) => n.opType === "Split")) {
        const sig = g(m).node.find((n) => n.input.includes(split.output[1]!))!;
        const mul = g(m).node.find((n) => n.input.includes(sig.output[0]!))!;
        const conv = producer(m, split.input[0]!);
        const w = init(m, conv.input[1]!);
        const b = init(m, conv.input[2]!);
        w.dims = [32, 32, 1];
        w.rawData = new Uint8Array(floats(w).slice(0, 32 * 32).buffer);
        b.dims = [32];
        b.rawData = new Uint8Array(floats(b).slice(0, 32).buffer);
        g(m).node.push(node("Relu", [split.input[0]!], [mul.output[0]!]));
        remove(m, [split, sig, mul]);
      }
    });
    expect(spec.arch.mixing).toBe("relu");
    const model = assemble(spec);
    expect(model.layers[1]!.mixing!.kind).toBe("relu");
    expect(model.layers[1]!.mixing!.linear.weight.shape).toEqual([32, 32]);
  });

  it("S4 naming: inv_dt, A_real, A_imag with the opposite sign of Im A, and a trained B", () => {
    const b = Float32Array.from({ length: 32 * 8 * 2 }, (_, i) =>
      i % 2 === 0 ? 1 + (i % 7) / 10 : ((i % 5) - 2) / 10,
    );
    const spec = rewrite(FLOAT, (m) => {
      dropConfig(m);
      for (const layer of [0, 1]) {
        const k = `layers.${layer}.kernel`;
        init(m, `${k}.log_dt`).name = `${k}.inv_dt`;
        replaceUses(m, `${k}.log_dt`, `${k}.inv_dt`);
        init(m, `${k}.log_A_real`).name = `${k}.A_real`;
        replaceUses(m, `${k}.log_A_real`, `${k}.A_real`);
        const aImag = init(m, `${k}.A_imag`);
        aImag.rawData = new Uint8Array(floats(aImag).map((v) => -v).buffer);
        const negated = name("ImA");
        replaceUses(m, `${k}.A_imag`, negated);
        g(m).node.push(node("Neg", [`${k}.A_imag`], [negated]));
        // dB * B (complex), inserted where C multiplies dB.
        g(m).initializer.push(
          onnx.TensorProto.create({
            name: `${k}.B`,
            dims: [32, 8, 2],
            dataType: 1,
            rawData: new Uint8Array(b.slice().buffer),
          }),
        );
        const [re, im] = [`/layers.${layer}/Div_output_0`, `/layers.${layer}/Div_1_output_0`];
        const users = g(m).node.filter(
          (n) => n.opType === "Mul" && n.input.some((i) => i === re || i === im),
        );
        const [br, bi, t1, t2, t3, t4, nr, ni] = [
          "br",
          "bi",
          "t1",
          "t2",
          "t3",
          "t4",
          "nr",
          "ni",
        ].map(name) as string[];
        const zero = constant(m, [], [0], 7);
        const one = constant(m, [], [1], 7);
        const added = [
          node("Gather", [`${k}.B`, zero], [br!], [int("axis", 2)]),
          node("Gather", [`${k}.B`, one], [bi!], [int("axis", 2)]),
          node("Mul", [re, br!], [t1!]),
          node("Mul", [im, bi!], [t2!]),
          node("Sub", [t1!, t2!], [nr!]),
          node("Mul", [re, bi!], [t3!]),
          node("Mul", [im, br!], [t4!]),
          node("Add", [t3!, t4!], [ni!]),
        ];
        for (const u of users) u.input = u.input.map((i) => (i === re ? nr! : i === im ? ni! : i));
        g(m).node.push(...added);
      }
    });
    expect(spec.arch.kernel).toBe("s4");
    expect([...spec.params.keys()].filter((n) => n.startsWith("layers.0.kernel.")).sort()).toEqual(
      ["A_imag", "A_real", "B", "C", "inv_dt"].map((n) => `layers.0.kernel.${n}`),
    );
    const s4 = assemble(spec);
    const s4d = jsonModel(FLOAT);
    for (const i of [0, 1]) {
      expect(Array.from(dataOf(continuous(s4, i).aIm))).toEqual(
        Array.from(dataOf(continuous(s4d, i).aIm)),
      );
      expect(Array.from(dataOf(continuous(s4, i).aRe))).toEqual(
        Array.from(dataOf(continuous(s4d, i).aRe)),
      );
      expect(Array.from(dataOf(continuous(s4, i).bRe!))).toEqual(
        Array.from(b.filter((_, j) => j % 2 === 0)),
      );
    }
  });
});

describe("quantizer forms without the qs4d metadata", () => {
  const stripped = (m: ModelProto) => {
    m.metadataProps = m.metadataProps.filter((p) => !(p.key ?? "").startsWith("qs4d."));
  };

  it("QuantizeLinear/DequantizeLinear pairs: scheme qdq with the graph's scales and int8 bits", () => {
    const spec = rewrite(QAT8, stripped);
    expect(spec.quant.scheme).toBe("qdq");
    const sym = buildOnnxSpec(
      readFileSync(`fixtures/models/${QAT8}/model.onnx`),
      `${QAT8}/model.onnx`,
    );
    expect(spec.quant.tensors.size).toBe(sym.quant.tensors.size - 2); // no state quantizer x
    for (const [key, q] of spec.quant.tensors) {
      const full = sym.quant.tensors.get(key)!;
      expect({ key, bits: q.bits, scale: q.scale, axis: q.axis }).toEqual({
        key,
        bits: full.bits,
        scale: full.scale,
        axis: full.axis,
      });
      expect(q.codes).toBeUndefined();
    }
    expect(assemble(spec).quantScheme).toBe("qdq");
  });

  it("QCDQ: an integer Clip between QuantizeLinear and DequantizeLinear states 4 bits", () => {
    const spec = rewrite(QAT8, (m) => {
      stripped(m);
      const dq = g(m).node.find(
        (n) =>
          n.opType === "DequantizeLinear" && producer(m, n.input[0]!).input[0] === "encoder.weight",
      )!;
      const clipped = name("clipped");
      g(m).node.push(
        node("Clip", [dq.input[0]!, constant(m, [], [-7], 3), constant(m, [], [7], 3)], [clipped]),
      );
      dq.input[0] = clipped;
    });
    expect(spec.quant.tensors.get("encoder.weight")!.bits).toBe(4);
  });

  it("a bare int8 QDQ on an activation can reach -128, which the symmetric grid cannot: rejected", () => {
    const m = onnx.ModelProto.decode(readFileSync(`fixtures/models/${QAT8}/model.onnx`));
    stripped(m);
    // The SSM input u of layer 0: Clip(Transpose(encoder output)) -> QuantizeLinear. Drop the Clip.
    const clipOfU = (n: NodeProto) => {
      const clip = producer(m, n.input[0]!);
      return clip?.opType === "Clip" && producer(m, clip.input[0]!)?.opType === "Transpose";
    };
    const q = g(m).node.find((n) => n.opType === "QuantizeLinear" && clipOfU(n))!;
    q.input[0] = producer(m, q.input[0]!).input[0]!;
    expect(() => buildOnnxSpec(onnx.ModelProto.encode(m).finish(), "edited.onnx")).toThrow(
      /QS4D-E118.*integer range \[-128, 127\] is not the symmetric 8-bit grid/,
    );
  });

  it("QONNX Quant with a 6-bit width and per-channel scales", () => {
    const spec = rewrite(QAT8, (m) => {
      stripped(m);
      const dq = g(m).node.find(
        (n) =>
          n.opType === "DequantizeLinear" && producer(m, n.input[0]!).input[0] === "encoder.weight",
      )!;
      const q = producer(m, dq.input[0]!);
      const scales = Float32Array.from({ length: 32 }, (_, i) => 0.001 * (i + 1));
      const quant = node(
        "Quant",
        [
          "encoder.weight",
          constant(m, [32, 1], scales),
          constant(m, [], [0]),
          constant(m, [], [6]),
        ],
        [dq.output[0]!],
        [int("signed", 1), int("narrow", 1), str("rounding_mode", "ROUND")],
        "qonnx.custom_op.general",
      );
      remove(m, [q, dq]);
      g(m).node.push(quant);
    });
    const q = spec.quant.tensors.get("encoder.weight")!;
    expect(q.bits).toBe(6);
    expect(q.axis).toBe(0);
    expect((q.scale as number[])[3]).toBe(Math.fround(0.004));
  });
});
