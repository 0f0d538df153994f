import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import type { AffineQuantizer, Layer, Model, Ssm, SsmForm } from "../../src/ir/model.js";
import { assertValidModel, verifyModel } from "../../src/ir/verify-model.js";
import { syntheticModel } from "../emit/synthetic.js";
import { sampleModel } from "./helpers.js";
import { f32, f64, i8 } from "./tensors.js";

const H = 2;
const M = 2;

function base(form: SsmForm["kind"] = "continuous"): Model {
  return sampleModel({ form, channels: H, modes: M, dIn: 1, classes: 3, layers: 2 });
}

/** The model with layer 1 changed. */
function withLayer(model: Model, change: (layer: Layer) => Layer): Model {
  return { ...model, layers: model.layers.map((l, i) => (i === 1 ? change(l) : l)) };
}

function withSsm(model: Model, change: (ssm: Ssm) => Ssm): Model {
  return withLayer(model, (l) => ({ ...l, ssm: change(l.ssm) }));
}

function withForm(model: Model, change: (form: SsmForm) => SsmForm): Model {
  return withSsm(model, (s) => ({ ...s, form: change(s.form) }));
}

const AFFINE: AffineQuantizer = {
  kind: "affine",
  bits: 8,
  scale: 0.01,
  axis: null,
  zeroPoint: 0,
  signed: true,
  narrow: true,
  rounding: "half-even",
};

function withEncoderQuant(model: Model, q: Partial<AffineQuantizer>): Model {
  return { ...model, encoder: { ...model.encoder, weightQuant: { ...AFFINE, ...q } } };
}

function continuous(form: SsmForm): Extract<SsmForm, { kind: "continuous" }> {
  if (form.kind !== "continuous") throw new Error("expected continuous");
  return form;
}

function discrete(form: SsmForm): Extract<SsmForm, { kind: "discrete" }> {
  if (form.kind !== "discrete") throw new Error("expected discrete");
  return form;
}

interface Broken {
  readonly name: string;
  readonly model: Model;
  readonly code: string;
  readonly node: string;
  readonly tensor?: string;
  readonly says?: RegExp;
}

const BROKEN: Broken[] = [
  {
    name: "zero channels",
    model: { ...base(), config: { ...base().config, channels: 0 } },
    code: "QS4D-E030",
    node: "config",
  },
  {
    name: "a fixed length of 0",
    model: { ...base(), config: { ...base().config, length: 0 } },
    code: "QS4D-E030",
    node: "config",
  },
  {
    name: "an encoder weight of the wrong shape",
    model: { ...base(), encoder: { ...base().encoder, weight: f32([H, 2]) } },
    code: "QS4D-E031",
    node: "encoder",
    tensor: "weight",
    says: /shape \[2,2\], expected \[2,1\]/,
  },
  {
    name: "a decoder bias of the wrong length",
    model: { ...base(), decoder: { ...base().decoder, bias: f32([H]) } },
    code: "QS4D-E031",
    node: "decoder",
    tensor: "bias",
  },
  {
    name: "an SSM tensor with too few modes",
    model: withForm(base(), (f) => ({ ...continuous(f), cIm: f32([H, M - 1]) })),
    code: "QS4D-E031",
    node: "layer 1 > ssm",
    tensor: "c_im",
  },
  {
    name: "a D of the wrong length",
    model: withSsm(base(), (s) => ({ ...s, d: f32([H + 1]) })),
    code: "QS4D-E031",
    node: "layer 1 > ssm",
    tensor: "d",
  },
  {
    name: "a norm weight of the wrong length",
    model: withLayer(base(), (l) => ({ ...l, norm: { ...l.norm!, weight: f32([1]) } })),
    code: "QS4D-E031",
    node: "layer 1 > norm",
    tensor: "weight",
  },
  {
    name: "an integer parameter",
    model: withSsm(base(), (s) => ({ ...s, d: i8([H]) })),
    code: "QS4D-E032",
    node: "layer 1 > ssm",
    tensor: "d",
  },
  {
    name: "a NaN weight",
    model: {
      ...base(),
      decoder: { ...base().decoder, weight: f32([3, H], [0, 0, 0, Number.NaN, 0, 0]) },
    },
    code: "QS4D-E033",
    node: "decoder",
    tensor: "weight",
    says: /NaN at index 3/,
  },
  {
    name: "an infinite log dt",
    model: withForm(base(), (f) => ({
      ...continuous(f),
      logDt: f32([H], [0, Number.POSITIVE_INFINITY]),
    })),
    code: "QS4D-E033",
    node: "layer 1 > ssm",
    tensor: "log_dt",
  },
  {
    name: "|lambda| = 1",
    model: withForm(base("discrete"), (f) => ({
      ...discrete(f),
      lambdaRe: f64([H, M], [0.5, 0.5, 0.6, 0.5]),
      lambdaIm: f64([H, M], [0, 0, 0.8, 0]),
    })),
    code: "QS4D-E034",
    node: "layer 1 > ssm",
    says: /\|lambda\| = 1 >= 1 at channel 1, mode 0/,
  },
  {
    name: "Re A = 0",
    model: withForm(base(), (f) => ({ ...continuous(f), aRe: f32([H, M], [-1, -1, -1, 0]) })),
    code: "QS4D-E035",
    node: "layer 1 > ssm",
    says: /Re A = 0 >= 0 at channel 1, mode 1/,
  },
  {
    name: "SSM channels unlike the config",
    model: withSsm(base(), (s) => ({ ...s, channels: 3 })),
    code: "QS4D-E036",
    node: "layer 1 > ssm",
    says: /channels is 3, expected 2/,
  },
  {
    name: "modes unlike state / 2",
    model: withSsm(base(), (s) => ({ ...s, modes: 1 })),
    code: "QS4D-E036",
    node: "layer 1 > ssm",
  },
  {
    name: "a GLU mixing with H outputs",
    model: withLayer(base(), (l) => ({
      ...l,
      mixing: { kind: "glu", linear: { ...l.mixing!.linear, outFeatures: H } },
    })),
    code: "QS4D-E036",
    node: "layer 1 > mixing",
    says: /out features is 2, expected 4/,
  },
  {
    name: "1-bit affine",
    model: withEncoderQuant(base(), { bits: 1 }),
    code: "QS4D-E037",
    node: "encoder",
  },
  {
    name: "a level count of 1",
    model: withSsm(base(), (s) => ({
      ...s,
      quant: { aRe: { kind: "levels", levels: 1, scope: "tensor" } },
    })),
    code: "QS4D-E038",
    node: "layer 1 > ssm",
    says: /'aRe' has 1 levels/,
  },
  {
    name: "a split_fraction of 0",
    model: withSsm(base(), (s) => ({ ...s, splitFraction: 0 })),
    code: "QS4D-E056",
    node: "layer 1 > ssm",
    says: /split_fraction = 0, not an integer in 1..16/,
  },
  {
    name: "a split_fraction of 17",
    model: withSsm(base(), (s) => ({ ...s, splitFraction: 17 })),
    code: "QS4D-E056",
    node: "layer 1 > ssm",
  },
  {
    name: "a zero scale",
    model: withEncoderQuant(base(), { scale: 0 }),
    code: "QS4D-E039",
    node: "encoder",
  },
  {
    name: "a negative per-axis scale",
    model: withEncoderQuant(base(), { scale: [0.1, -0.1], axis: 0 }),
    code: "QS4D-E039",
    node: "encoder",
  },
  {
    name: "per-axis scales of the wrong count",
    model: withEncoderQuant(base(), { scale: [0.1, 0.1, 0.1], axis: 0 }),
    code: "QS4D-E040",
    node: "encoder",
    says: /3 scales for axis 0 of size 2/,
  },
  {
    name: "a scale list without an axis",
    model: withEncoderQuant(base(), { scale: [0.1, 0.1], axis: null }),
    code: "QS4D-E041",
    node: "encoder",
  },
  {
    name: "an axis beyond the tensor's rank",
    model: withEncoderQuant(base(), { scale: [0.1], axis: 2 }),
    code: "QS4D-E041",
    node: "encoder",
  },
  {
    name: "a zero point outside the code range",
    model: withEncoderQuant(base(), { signed: false, narrow: false, bits: 4, zeroPoint: 16 }),
    code: "QS4D-E042",
    node: "encoder",
    says: /zero point 16 outside its code range \[0, 15\]/,
  },
  {
    name: "a code outside the narrow range",
    model: withEncoderQuant(base(), { codes: i8([2, 1], [127, -128]) }),
    code: "QS4D-E043",
    node: "encoder",
    tensor: "weight.codes",
    says: /code -128 at index 1 outside \[-127, 127\]/,
  },
  {
    name: "float codes",
    model: withEncoderQuant(base(), { codes: f32([2], [1, 2]) }),
    code: "QS4D-E032",
    node: "encoder",
    tensor: "weight.codes",
  },
  {
    name: "eps = 0",
    model: withLayer(base(), (l) => ({ ...l, norm: { ...l.norm!, eps: 0 } })),
    code: "QS4D-E044",
    node: "layer 1 > norm",
  },
  {
    name: "a negative running variance",
    model: withLayer(base(), (l) => ({
      ...l,
      norm: { ...l.norm!, kind: "batch", mean: f32([H]), variance: f32([H], [1, -0.5]) },
    })),
    code: "QS4D-E045",
    node: "layer 1 > norm",
    tensor: "variance",
  },
  {
    name: "data shorter than the shape",
    model: {
      ...base(),
      encoder: { ...base().encoder, bias: { dtype: "f32", shape: [H], data: new Float32Array(1) } },
    },
    code: "QS4D-E046",
    node: "encoder",
    tensor: "bias",
  },
  {
    name: "B with only a real part",
    model: withForm(base(), (f) => ({ ...continuous(f), bRe: f32([H, M]) })),
    code: "QS4D-E047",
    node: "layer 1 > ssm",
  },
];

describe("verifier", () => {
  for (const form of ["continuous", "discrete", "kernel"] as const) {
    it(`accepts a valid ${form} model`, () => {
      expect(verifyModel(base(form))).toEqual([]);
    });
  }

  it("accepts valid quantizers of every kind", () => {
    const m = withEncoderQuant(base(), {
      scale: [0.5, 0.25],
      axis: 0,
      codes: i8([2, 1], [-127, 127]),
    });
    const q = withSsm(m, (s) => ({
      ...s,
      quant: {
        u: { ...AFFINE, signed: false, narrow: true, zeroPoint: 254, bits: 8 },
        c: { kind: "levels", levels: 2, scope: "tensor" },
      },
    }));
    expect(verifyModel(q)).toEqual([]);
  });

  for (const b of BROKEN) {
    it(`rejects ${b.name} with ${b.code}`, () => {
      const diagnostics = verifyModel(b.model);
      expect(diagnostics.map((d) => d.code)).toContain(b.code);
      const d = diagnostics.find((x) => x.code === b.code)!;
      expect(d.location.node).toBe(b.node);
      if (b.tensor !== undefined) expect(d.location.tensor).toBe(b.tensor);
      if (b.says !== undefined) expect(d.message).toMatch(b.says);
      expect(() => assertValidModel(b.model)).toThrow(Qs4dError);
    });
  }

  it("rejects a hardware target digest that is not a SHA-256 with QS4D-E048", () => {
    const valid = syntheticModel();
    expect(verifyModel(valid).map((x) => x.code)).not.toContain("QS4D-E048");
    const hardware = { ...valid.hardware!, target: { name: "t", digest: "xyz" } };
    const d = verifyModel({ ...valid, hardware });
    expect(d.map((x) => x.code)).toContain("QS4D-E048");
  });

  it("has a test for every verifier code", () => {
    const codes = new Set(BROKEN.map((b) => b.code));
    for (let n = 30; n <= 47; n++) expect(codes).toContain(`QS4D-E0${n}`);
  });

  it("checks digest-only tensors by shape alone", () => {
    const m = base();
    const digestOnly: Model = {
      ...m,
      decoder: {
        ...m.decoder,
        weight: { dtype: "f32", shape: [3, H], data: null, digest: "0".repeat(64) },
      },
    };
    expect(verifyModel(digestOnly)).toEqual([]);
  });
});
