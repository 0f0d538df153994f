// A target's "model" entries resolved against a model: the level count and converter widths
// that hold the model's quantization grids exactly (the `ideal` target), or fallbackBits for a
// tensor without a grid. The result is the HardwareParams every later pass and the chip use.

import type { HardwareParams } from "../../ir/hardware.js";
import type { AffineQuantizer, Model, Quantizer } from "../../ir/model.js";
import { bitsFor } from "../../ir/quantizer.js";
import type { TargetDescription } from "../../target/types.js";
import { maxAbsCode } from "./grid.js";

function withCodes(q: Quantizer | undefined): AffineQuantizer | null {
  return q?.kind === "affine" && q.codes !== undefined ? q : null;
}

function affineBits(q: Quantizer | undefined): number | null {
  return q?.kind === "affine" ? q.bits : null;
}

/** What the model's grids need: largest weight code, DAC and ADC bits (null: no grid). */
export function modelNeeds(model: Model, dOnRows: boolean) {
  let maxCode: number | null = null;
  let dacBits: number | null = null;
  let adcBits: number | null = null;
  const max = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));
  for (const layer of model.layers) {
    const q = layer.ssm.quant;
    const roles = dOnRows ? [q.lambda, q.bbar, q.c, q.d] : [q.lambda, q.bbar, q.c];
    for (const r of roles) {
      const g = withCodes(r);
      if (g?.codes?.data) maxCode = max(maxCode, maxAbsCode(g.codes.data));
    }
    const u = q.u;
    if (u?.kind === "levels") dacBits = max(dacBits, bitsFor(Math.floor(u.levels / 2)));
    else if (u !== undefined) dacBits = max(dacBits, u.bits);
    for (const b of [affineBits(q.x), affineBits(q.y)]) if (b !== null) adcBits = max(adcBits, b);
  }
  return { maxCode, dacBits, adcBits };
}

/** Largest weight code magnitude the cells hold: `slices` digits in base `levels`. */
export function weightCapacity(params: { levels: number; slices: number }): number {
  return params.levels ** params.slices - 1;
}

/** Slices needed for codes up to maxCode, at most the target's maximum (1 without slicing). */
function slicesFor(target: TargetDescription, levels: number, maxCode: number | null): number {
  if (!target.bitSlicing.allowed || maxCode === null) return 1;
  let slices = 1;
  while (levels ** slices - 1 < maxCode && slices < target.bitSlicing.maxSlices) slices++;
  return slices;
}

export function resolveParams(target: TargetDescription, model: Model): HardwareParams {
  const dOnRows = target.dPlacement === "rows";
  const needs = modelNeeds(model, dOnRows);
  const fallbackCode = 2 ** (target.fallbackBits - 1) - 1;
  const levels =
    target.cell.levels === "model"
      ? Math.max(needs.maxCode ?? fallbackCode, 1) + 1
      : target.cell.levels;
  const dacBits =
    target.dac.bits === "model" ? (needs.dacBits ?? target.fallbackBits) : target.dac.bits;
  const adcBits =
    target.adc.bits === "model" ? (needs.adcBits ?? target.fallbackBits) : target.adc.bits;
  return {
    rows: target.array.rows,
    cols: target.array.cols,
    levels,
    slices: slicesFor(target, levels, needs.maxCode),
    dacBits,
    adcBits,
    adcsPerArray: target.adc.perArray,
    encoding: target.encoding,
    outputMode: target.outputMode,
    outputColumns: target.outputColumns,
    dPlacement: target.dPlacement,
    dense: target.dense,
    gMinUs: target.cell.gMinUs,
    gMaxUs: target.cell.gMaxUs,
    writeVerifyTolerance: target.cell.writeVerifyTolerance,
  };
}
