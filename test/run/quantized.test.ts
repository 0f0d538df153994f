// Both training-time quantization schemes on models built in code, with hand-derived results:
// the qs4d-symmetric-v1 integer core (README 'Quantized forward semantics') and the QS4D max
// quantizers with their per-sample scales.

import { describe, expect, it } from "vitest";
import type { AffineQuantizer, Model, Quantizer, Ssm } from "../../src/ir/model.js";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import { runConvolution } from "../../src/run/conv.js";
import { runModel } from "../../src/run/index.js";
import { buildPlan } from "../../src/run/plan.js";
import { runStreaming } from "../../src/run/stream.js";
import { bareSsmModel, random, tinyModel, values } from "./tiny-models.js";

const sym = (scale: number, codes?: number[], shape?: number[]): AffineQuantizer => ({
  kind: "affine",
  bits: 8,
  scale,
  axis: null,
  zeroPoint: 0,
  signed: true,
  narrow: true,
  rounding: "half-even",
  ...(codes === undefined ? {} : { codes: i32(shape!, codes) }),
});

// Scales are powers of two so that every multiplier is exact and the steps can be done by hand:
// M_A = 2^-7, M_B = (2^-4 * 2^-3) / 2^-2 = 2^-5, M_C = (2 * 2^-5 * 2^-2) / 2^-3 = 2^-3,
// M_D = (2^-4 * 2^-3) / 2^-3 = 2^-4.
function symmetricSsm(withCodes: boolean): Ssm {
  const lambda = [120, 16];
  const bbar = [40, -8];
  const c = [12, 5];
  const dq = [7];
  const pair = [1, 1, 2];
  const form = {
    kind: "discrete" as const,
    lambdaRe: f64([1, 1], [lambda[0]! / 128]),
    lambdaIm: f64([1, 1], [lambda[1]! / 128]),
    bbarRe: f64([1, 1], [bbar[0]! / 16]),
    bbarIm: f64([1, 1], [bbar[1]! / 16]),
    cRe: f64([1, 1], [c[0]! / 32]),
    cIm: f64([1, 1], [c[1]! / 32]),
  };
  return {
    channels: 1,
    modes: 1,
    discretization: "zoh",
    form,
    d: f64([1], [dq[0]! / 16]),
    quant: {
      lambda: withCodes ? sym(2 ** -7, lambda, pair) : sym(2 ** -7),
      bbar: withCodes ? sym(2 ** -4, bbar, pair) : sym(2 ** -4),
      c: withCodes ? sym(2 ** -5, c, pair) : sym(2 ** -5),
      d: withCodes ? sym(2 ** -4, dq, [1]) : sym(2 ** -4),
      u: sym(2 ** -3),
      x: sym(2 ** -2),
      y: sym(2 ** -3),
    },
  };
}

describe("qs4d-symmetric-v1: the integer core by hand", () => {
  // u = [0.3125, -1, 100] -> u/su = [2.5, -8, 800] -> u_q = [2 (half to even), -8, 127 (clamped)]
  //   t=0: x = (rhe(2^-5 * 80), rhe(2^-5 * -16)) = (rhe 2.5, rhe -0.5) = (2, 0)
  //        acc = 12*2 - 5*0 = 24; y_q = rhe(24/8 + 14/16) = rhe(3.875) = 4
  //   t=1: A x = (240, 32); x = (rhe(1.875 - 10), rhe(0.25 + 2)) = (-8, 2)
  //        acc = -96 - 10 = -106; y_q = rhe(-13.25 - 3.5) = -17
  //   t=2: A x = (-992, 112); x = (clamp rhe(-7.75 + 158.75), rhe(0.875 - 31.75)) = (127, -31)
  //        acc = 1524 + 155 = 1679; y_q = clamp(rhe(209.875 + 55.5625)) = 127
  const input = Float32Array.from([0.3125, -1, 100]);

  for (const withCodes of [true, false]) {
    it(`traces u_q and y_q and dequantizes y (${withCodes ? "exported codes" : "codes from on-grid values"})`, () => {
      const model = bareSsmModel(symmetricSsm(withCodes), "qs4d-symmetric-v1");
      const run = runModel(model, input, [1, 3], { trace: true });
      const trace = run.traces![0]!;
      expect(Array.from(trace.uq!)).toEqual([2, -8, 127]);
      expect(Array.from(trace.yq!)).toEqual([4, -17, 127]);
      expect(trace.int8).toBe(true);
      // mean of y_q * sy = (0.5 - 2.125 + 15.875) / 3
      expect(run.logits[0]).toBe(Math.fround(14.25 / 3));
    });
  }

  it("the conv form has no state quantization: y = Q_y(conv(u_dq, K) + D u_dq)", () => {
    const model = bareSsmModel(symmetricSsm(true), "qs4d-symmetric-v1");
    const run = runModel(model, input, [1, 3], { form: "conv", trace: true });
    // lambda = 0.9375 + 0.125i, Bbar = 2.5 - 0.5i, C = 0.375 + 0.15625i, D = 0.4375,
    // u_dq = [0.25, -1, 15.875]; C Bbar = 1.015625 + 0.203125i.
    // y0 = 2*0.25*1.015625 + 0.4375*0.25 = 0.6171875 -> y_q = rhe(4.9375) = 5
    // y1 = 2 Re(C Bbar (lambda*0.25 - 1)) + 0.4375*(-1): lambda*0.25 - 1 = -0.765625 + 0.03125i,
    //      Re(...) = 1.015625*-0.765625 - 0.203125*0.03125 = -0.783935546875,
    //      y1 = -1.56787109375 - 0.4375 = -2.00537109375 -> rhe(-16.04296875) = -16
    // y2 is far beyond the y range -> 127
    expect(Array.from(run.traces![0]!.yq!)).toEqual([5, -16, 127]);
    expect(run.logits[0]).toBe(Math.fround((5 - 16 + 127) / 8 / 3));
  });
});

const levels = (q: number, scope: "tensor" | "sample" = "tensor"): Quantizer => ({
  kind: "levels",
  levels: q,
  scope,
});

describe("qs4d-max by hand", () => {
  function firModel(quant: Ssm["quant"], k: number[]): Model {
    const ssm: Ssm = {
      channels: 1,
      modes: 0,
      discretization: "zoh",
      form: { kind: "kernel", k: f32([1, k.length], k) },
      d: f32([1], [0]),
      quant,
    };
    return bareSsmModel(ssm, "qs4d-max");
  }

  it("quantizes the SSM input with the max of its own sample (u: Q = 4, per sample)", () => {
    // per sample: s = 2/max|u|; sample 0: u*s = [0.6, -2, 0.98, 1.5] -> [1, -2, 1, 2] -> u_dq/1
    // sample 1 = 10 x sample 0: same codes, ten times the values.
    const model = firModel({ u: levels(4, "sample") }, [1]);
    const x = Float32Array.from([0.3, -1, 0.49, 0.75, 3, -10, 4.9, 7.5]);
    for (const form of ["recurrent", "conv"] as const) {
      const run = runModel(model, x, [2, 4], { form, trace: true });
      expect(Array.from(run.traces![0]!.uq!)).toEqual([1, -2, 1, 2, 1, -2, 1, 2]);
      expect(Array.from(run.logits)).toEqual([0.25, 2.5]);
    }
  });

  it("quantizes a kernel with one max over [H, L] (kernel: Q = 4)", () => {
    const model = firModel({ kernel: levels(4) }, [0.3, -1, 0.49, 0.75]);
    const run = runModel(model, Float32Array.from([1, 0, 0, 0]), [1, 4]);
    // the impulse response is the quantized kernel [0.5, -1, 0.5, 1]
    expect(run.logits[0]).toBe(0.25);
  });

  it("quantizes weights with their tensor's max (levels on the encoder)", () => {
    const base = firModel({}, [1]);
    const model: Model = {
      ...base,
      encoder: { ...base.encoder, weight: f32([1, 1], [0.7]), weightQuant: levels(2) },
    };
    // ternary: 0.7 -> code 1 -> 0.7 (1 / s with s = 1/0.7 in float32)
    const run = runModel(model, Float32Array.from([1, 1]), [1, 2]);
    expect(run.logits[0]).toBe(Math.fround(1 / Math.fround(Math.fround(1 / Math.fround(0.7)) * 1)));
  });
});

describe("qs4d-max on a whole stack", () => {
  function maxModel(): Model {
    const base = tinyModel({
      seed: 5,
      channels: 3,
      modes: 2,
      norm: "batch",
      normPosition: "pre",
      activation: "none",
      residual: false,
    });
    return {
      ...base,
      quantScheme: "qs4d-max",
      encoder: { ...base.encoder, weightQuant: levels(16) },
      decoder: { ...base.decoder, weightQuant: levels(16) },
      layers: base.layers.map((layer) => ({
        ...layer,
        ssm: {
          ...layer.ssm,
          quant: {
            logDt: levels(16),
            aRe: levels(32),
            aIm: levels(32),
            c: levels(16),
            kernel: levels(32),
            u: levels(32, "sample"),
          },
        },
        mixing:
          layer.mixing === null
            ? null
            : { ...layer.mixing, linear: { ...layer.mixing.linear, weightQuant: levels(16) } },
        outputQuant: levels(64, "sample"),
      })),
    };
  }

  it.each([17, 70])(
    "the streaming passes reproduce the conv twin's per-sample maxima bit for bit (L = %i: one block, or three)",
    (length) => {
      const model = maxModel();
      const batch = 3;
      const input = Float64Array.from(values(random(11), batch * length, 2));
      const plan = buildPlan(model, { quantize: true, length });
      expect(plan.points.map((p) => `${p.layer}:${p.where}`)).toEqual([
        "0:ssm-input",
        "0:layer-output",
        "1:ssm-input",
        "1:layer-output",
      ]);
      const recurrent = runStreaming(plan, input, batch, null);
      const conv = runConvolution(plan, input, batch, null);
      expect(Array.from(recurrent)).toEqual(Array.from(conv));
    },
  );

  it("each sample's codes reach +-Q/2 in every layer (its own max maps to Q/2)", () => {
    const model = maxModel();
    const run = runModel(model, Float32Array.from(values(random(12), 2 * 9, 2)), [2, 9], {
      trace: true,
    });
    for (const t of run.traces!) {
      for (let s = 0; s < 2; s++) {
        const codes = Array.from(t.uq!.slice(s * 27, (s + 1) * 27));
        expect(Math.max(...codes.map(Math.abs))).toBe(16);
      }
    }
  });
});
