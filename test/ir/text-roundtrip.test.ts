import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Model } from "../../src/ir/model.js";
import { f32, f64 } from "../../src/ir/tensor.js";
import { dataDigest, parseModel, printModel } from "../../src/ir/text/index.js";
import { assertValidModel } from "../../src/ir/verify-model.js";
import { canonical, sampleModel } from "./helpers.js";

const CASES = join(import.meta.dirname, "cases");
const caseFiles = readdirSync(CASES).filter((f) => f.endsWith(".qs4d"));

/** Files are written in canonical form: printing what they parse to gives them back. */
function withoutComments(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("//"))
    .join("\n");
}

describe("hand-written IR files", () => {
  const files = [
    ...caseFiles.map((f) => join(CASES, f)),
    join(import.meta.dirname, "../../examples/tiny.qs4d"),
  ];

  it("covers every SSM form and quantizers", () => {
    const text = files.map((f) => readFileSync(f, "utf8")).join("\n");
    for (const needle of ["ssm continuous", "ssm discrete", "ssm kernel", "levels (", "affine ("]) {
      expect(text).toContain(needle);
    }
  });

  for (const file of files) {
    it(`${file.split("/").at(-1)} parses, verifies and prints back byte for byte`, () => {
      const text = withoutComments(readFileSync(file, "utf8"));
      const model = parseModel(text, file);
      assertValidModel(model);
      expect(printModel(model, { tensors: "full" })).toBe(text);
    });
  }

  it("reads tensor values exactly as written", () => {
    const m = parseModel(readFileSync(join(CASES, "discrete.qs4d"), "utf8"));
    const ssm = m.layers[0]!.ssm;
    if (ssm.form.kind !== "discrete") throw new Error("expected the discrete form");
    expect(Array.from(ssm.form.lambdaIm.data!)).toEqual([0.1, -0.7]);
    expect(Object.is(ssm.form.bbarIm.data![0], -0)).toBe(true);
    expect(ssm.form.bbarIm.data![1]).toBe(0.1 + 0.2);
    expect(m.layers[0]!.norm?.kind).toBe("batch");
    expect(m.encoder.bias).toBeNull();
    expect(m.layers[0]!.mixing!.linear.weight.data![0]).toBe(Math.fround(1 / 3));
  });

  it("reads quantizers, meta and digest-only tensors", () => {
    const m = parseModel(readFileSync(join(CASES, "quantized.qs4d"), "utf8"));
    const q = m.encoder.weightQuant;
    expect(q).toMatchObject({
      kind: "affine",
      bits: 8,
      axis: 0,
      scale: [0.003937008, 0.001968504],
    });
    expect(q?.kind === "affine" && Array.from(q.codes!.data!)).toEqual([127, -127]);
    expect(m.layers[0]!.ssm.quant.x).toMatchObject({ kind: "affine", signed: false, zeroPoint: 3 });
    expect(m.layers[0]!.ssm.quant.logDt).toEqual({ kind: "levels", levels: 16, scope: "tensor" });
    expect(m.layers[0]!.outputQuant).toEqual({ kind: "levels", levels: 16, scope: "sample" });
    expect(m.meta).toEqual({ "qs4d.scheme": "qs4d-symmetric-v1" });
    expect(m.decoder.weight.data).toBeNull();
    expect(m.decoder.weight.digest).toBe(
      "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
    );
  });
});

describe("IR built in code", () => {
  const model: Model = {
    name: "mini",
    config: { dIn: 1, channels: 1, state: 2, classes: 1, length: 3 },
    quantScheme: "qs4d-max",
    encoder: {
      inFeatures: 1,
      outFeatures: 1,
      weight: f32([1, 1], [0.1]),
      bias: null,
      weightQuant: null,
    },
    layers: [
      {
        norm: null,
        normPosition: "pre",
        ssm: {
          channels: 1,
          modes: 1,
          discretization: "zoh",
          form: {
            kind: "discrete",
            lambdaRe: f64([1, 1], [0.5]),
            lambdaIm: f64([1, 1], [-0]),
            bbarRe: f64([1, 1], [1]),
            bbarIm: f64([1, 1], [0]),
            cRe: f64([1, 1], [2]),
            cIm: f64([1, 1], [0]),
          },
          d: f32([1], [0]),
          quant: { y: { kind: "levels", levels: 8, scope: "sample" } },
        },
        activation: "none",
        mixing: null,
        residual: false,
        outputQuant: null,
      },
    ],
    pooling: "mean",
    decoder: {
      inFeatures: 1,
      outFeatures: 1,
      weight: f32([1, 1], [1]),
      bias: f32([1], [-1]),
      weightQuant: {
        kind: "affine",
        bits: 4,
        scale: 0.125,
        axis: null,
        zeroPoint: 0,
        signed: true,
        narrow: false,
        rounding: "half-away",
      },
    },
    meta: { "z.last": "2", "a first": "1" },
    hardware: null,
  };

  it("prints the text a reviewer expects", () => {
    expect(printModel(model, { tensors: "full" })).toBe(
      [
        "model @mini (quant_scheme = qs4d-max, pooling = mean) {",
        "  config (d_in = 1, channels = 1, state = 2, classes = 1, length = 3)",
        "  meta {",
        '    "a first" = "1"',
        '    "z.last" = "2"',
        "  }",
        "  encoder (in = 1, out = 1) {",
        "    weight: f32[1,1] = [",
        "      [0.1]",
        "    ]",
        "  }",
        "  layer 0 (activation = none, residual = false, norm_position = pre) {",
        "    ssm discrete (channels = 1, modes = 1, discretization = zoh) {",
        "      lambda_re: f64[1,1] = [",
        "        [0.5]",
        "      ]",
        "      lambda_im: f64[1,1] = [",
        "        [-0]",
        "      ]",
        "      bbar_re: f64[1,1] = [",
        "        [1]",
        "      ]",
        "      bbar_im: f64[1,1] = [",
        "        [0]",
        "      ]",
        "      c_re: f64[1,1] = [",
        "        [2]",
        "      ]",
        "      c_im: f64[1,1] = [",
        "        [0]",
        "      ]",
        "      d: f32[1] = [0]",
        "      quant y levels (levels = 8, scope = sample)",
        "    }",
        "  }",
        "  decoder (in = 1, out = 1) {",
        "    weight: f32[1,1] = [",
        "      [1]",
        "    ]",
        "    bias: f32[1] = [-1]",
        "    quant weight affine (bits = 4, scale = 0.125, axis = null, zero_point = 0, signed = true, narrow = false, rounding = half-away)",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("prints tensors as type and SHA-256 by default", () => {
    const text = printModel(model);
    expect(text).toContain(`    weight: f32[1,1] #${dataDigest(new Float32Array([0.1]))}\n`);
    expect(text).not.toContain("[0.1]");
  });

  for (const form of ["continuous", "discrete", "kernel"] as const) {
    it(`round-trips a ${form} model with full tensors, bit for bit`, () => {
      const m = sampleModel({ form, dIn: 2, channels: 3, modes: 2, classes: 4, layers: 2 });
      assertValidModel(m);
      const text = printModel(m, { tensors: "full" });
      const back = parseModel(text);
      expect(canonical(back)).toEqual(canonical(m));
      expect(printModel(back, { tensors: "full" })).toBe(text);
    });
  }

  it("round-trips the split_fraction requantize sets, and prints nothing without it", () => {
    const m = sampleModel({ form: "discrete", layers: 2 });
    const split = {
      ...m,
      layers: m.layers.map((l, i) => (i === 1 ? { ...l, ssm: { ...l.ssm, splitFraction: 7 } } : l)),
    };
    assertValidModel(split);
    const text = printModel(split);
    expect(text.match(/split_fraction = 7/g)).toHaveLength(1);
    expect(parseModel(text).layers.map((l) => l.ssm.splitFraction)).toEqual([undefined, 7]);
    expect(printModel(m)).not.toContain("split_fraction");
  });

  it("round-trips digest-only text, keeping each digest", () => {
    const m = sampleModel({ form: "continuous", layers: 2 });
    const text = printModel(m);
    const back = parseModel(text);
    expect(back.encoder.weight.data).toBeNull();
    expect(back.encoder.weight.digest).toBe(dataDigest(m.encoder.weight.data!));
    expect(printModel(back)).toBe(text);
    // digest-only tensors print their digest even when full tensors are asked for
    expect(printModel(back, { tensors: "full" })).toBe(text);
  });
});
