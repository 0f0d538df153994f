// QS4D's cost metrics (src/report/cost.ts) against values worked out by hand from the formulas
// of the QS4D paper, and the trained bit widths of the shared models against their own
// weights.json quantization blocks.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importModel } from "../../src/import/index.js";
import { costRatios, FLOAT_WIDTHS, qs4dCost } from "../../src/report/cost.js";
import { modelCostShape, trainedBits } from "../../src/report/trained-bits.js";
import { modelPath } from "../run/golden-files.js";

describe("qs4dCost", () => {
  it("gives the paper's formulas in the paper's setting (H -> H mixing)", () => {
    // L=2, H=4, N=8, d_in=1, d_out=10; r_A=r_B=r_C=4, r_state=8, r_act=8, r_lin=4, r_coder=8.
    // ACE  = 2*(4*(8*4*8*3) + 4^2*8*4) + 4*1*8*8 + 4*10*8*8 = 2*(3072 + 512) + 256 + 2560 = 9984
    // size = 8*4*2*(4+4) + 4^2*2*4 + 4*1*8 + 4*10*8 = 512 + 128 + 32 + 320 = 992
    // ADC  = (8*8 + 8)*4*2 + 4*4*2 + (4+10)*8 = 576 + 32 + 112 = 720
    const shape = { layers: 2, channels: 4, state: 8, dIn: 1, classes: 10, mixOut: 4 };
    const bits = { a: 4, b: 4, c: 4, state: 8, act: 8, lin: 4, encoder: 8, decoder: 8 };
    expect(qs4dCost(shape, bits)).toEqual({ ace: 9984, modelBits: 992, adcComplexity: 720 });
  });

  it("counts a GLU mixing's H -> 2H weights and float parts at 32 bits", () => {
    // L=1, H=2, N=2, d_in=3, d_out=5, M=4, all 32 bits.
    // ACE  = 1*(2*2*32*3*32 + 2*4*32*32) + (2*3*32 + 2*5*32)*32 = 12288 + 8192 + 16384 = 36864
    // size = 2*2*1*64 + 2*4*1*32 + (2*3 + 2*5)*32 = 256 + 256 + 512 = 1024
    // ADC  = (2*32 + 32)*2*1 + 4*32*1 + (2+5)*32 = 192 + 128 + 224 = 544
    const shape = { layers: 1, channels: 2, state: 2, dIn: 3, classes: 5, mixOut: 4 };
    expect(qs4dCost(shape, FLOAT_WIDTHS)).toEqual({
      ace: 36864,
      modelBits: 1024,
      adcComplexity: 544,
    });
  });

  it("keeps encoder and decoder bits apart, and drops the mixing terms without mixing", () => {
    // L=1, H=3, N=2, d_in=2, d_out=4, M=0; r_A=2, r_B=3, r_C=5, r_state=6, r_act=7, r_enc=1, r_dec=9.
    // ACE  = 3*2*(2+3+5)*7 + (3*2*1 + 3*4*9)*7 = 420 + 798 = 1218
    // size = 2*3*1*(2+5) + 3*2*1 + 3*4*9 = 42 + 6 + 108 = 156
    // ADC  = (2*6 + 7)*3*1 + 0 + (3+4)*7 = 57 + 49 = 106
    const shape = { layers: 1, channels: 3, state: 2, dIn: 2, classes: 4, mixOut: 0 };
    const bits = { a: 2, b: 3, c: 5, state: 6, act: 7, lin: 11, encoder: 1, decoder: 9 };
    expect(qs4dCost(shape, bits)).toEqual({ ace: 1218, modelBits: 156, adcComplexity: 106 });
  });

  it("gives the savings over a reference as reference / metric", () => {
    const ratios = costRatios(
      { ace: 100, modelBits: 64, adcComplexity: 9 },
      { ace: 25, modelBits: 16, adcComplexity: 3 },
    );
    expect(ratios).toEqual({ ace: 4, modelBits: 4, adcComplexity: 3 });
  });
});

function quantization(name: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(modelPath(name, "weights.json"), "utf8")) as {
    quantization: Record<string, unknown>;
  };
  return json.quantization;
}

describe("trainedBits", () => {
  it("reads QS4D level counts as log2(Q) bits (qs4d-max)", () => {
    const name = "qs4d-digits-qat-h32n16-l2";
    const levels = quantization(name).levels as Record<string, number>;
    const bits = trainedBits(importModel(modelPath(name, "weights.json")));
    expect(bits).toEqual({
      a: Math.log2(levels.A_quant!),
      b: 32, // B is fixed to 1 and never quantized
      c: Math.log2(levels.C_quant!),
      state: Math.log2(levels.state_quant!),
      act: Math.log2(levels.act_quant!),
      lin: Math.log2(levels.linear_quant!),
      encoder: Math.log2(levels.coder_quant!),
      decoder: Math.log2(levels.coder_quant!),
    });
  });

  it("reads integer grids' bits (qs4d-symmetric-v1)", () => {
    const name = "digits-qat8-h32n16-l2";
    const b = quantization(name).bits as Record<string, number>;
    const bits = trainedBits(importModel(modelPath(name, "model.onnx")));
    expect(bits).toEqual({
      a: b.dA,
      b: b.dB,
      c: b.C,
      state: b.x,
      act: b.y,
      lin: b.w,
      encoder: b.w,
      decoder: b.w,
    });
  });

  it("gives a float model 32 bits everywhere and its shape with a GLU mixing", () => {
    const model = importModel(modelPath("digits-float-h32n16-l2", "weights.json"));
    expect(trainedBits(model)).toEqual(FLOAT_WIDTHS);
    expect(modelCostShape(model)).toEqual({
      layers: 2,
      channels: 32,
      state: 16,
      dIn: 1,
      classes: 10,
      mixOut: 64,
    });
  });
});
