// requantize: every crossbar weight of every SSM onto the target's conductance levels, and the
// converter formats of u (DAC), x and y (ADC), in the integer form of qs4d-symmetric-v1
// (fixtures/models/README.md): codes for lambda, bbar, C, D with per-channel scales, and
// scales for u, x, y, so that layout-imssa can derive the column gains M_A, M_B, M_C, M_D.
//
//   - A model that carries such grids (qs4d-symmetric-v1) keeps them bit for bit when the
//     target holds them; a grid the target cannot hold is refitted and reported (W402).
//   - Otherwise (float models, qs4d-max) the grids are fitted here (post-training
//     quantization). The state is balanced per mode first: x_n is rescaled so that its
//     calibrated (or worst-case) range fills the ADC, with Bbar and C rescaled inversely, an
//     exact similarity transform of the realization. u and y ranges come from --calib; a
//     per-sample input quantizer (qs4d-max) runs the arrays in units of one u code, so x and y
//     ranges are then relative and can fall back to worst-case bounds without data.
// The pass resolves the target's "model" entries and starts Model.hardware with them.

import { DiagnosticSink, fail } from "../diag/error.js";
import type { HardwareParams } from "../ir/hardware.js";
import type { AffineQuantizer, Model, Quantizer, Ssm, SsmDiscrete, SsmRole } from "../ir/model.js";
import { bitsFor, symmetricQuantizer } from "../ir/quantizer.js";
import { dataOf } from "../ir/tensor.js";
import {
  type LoadedTarget,
  STATE_REGISTER_DEFAULT,
  type TargetDescription,
} from "../target/types.js";
import { type CalibrationData, calibrate, type SsmStats } from "./lib/calibrate.js";
import { loadedFromContext } from "./lib/context.js";
import { dequantize, fitGrid, type Grid, maxAbsCode, sqnrDb } from "./lib/grid.js";
import { integerSsm } from "./lib/integer-ssm.js";
import {
  analyzeLayer,
  chipModes,
  INPUT_RMS,
  type LayerPrecision,
  type OwnRoundings,
} from "./lib/precision.js";
import { emulatedAccuracy } from "./lib/predict.js";
import { residualUpdate } from "./lib/residual.js";
import { modelNeeds, resolveParams, weightCapacity } from "./lib/resolve.js";
import { channelParts, partFraction, partReadout, splitOutputNoise } from "./lib/split.js";
import { f64Tensor, i32Tensor, interleave, split, values } from "./lib/tensors.js";
import type { Pass, PassOptionSpec, PassOptionValue } from "./pass.js";

export interface TensorQuantReport {
  readonly tensor: string;
  readonly bits: number;
  /** Largest code magnitude used (a cell's level index). */
  readonly maxCode: number;
  /** Distinct code magnitudes used. */
  readonly levelsUsed: number;
  /** Against the trained network's values (its own grid when it has one): Infinity = exact. */
  readonly sqnrDb: number;
  /** Against the float discretization (no quantization at all). */
  readonly sqnrVsFloatDb: number;
  /** The model's own grid kept bit for bit. */
  readonly exact: boolean;
}

export interface WorstMode {
  readonly channel: number;
  readonly mode: number;
  readonly lambda: readonly [number, number];
  readonly quantized: readonly [number, number];
  readonly error: number;
}

/** One quantization's predicted cost: bits held by the chip, bits needed for the budget. */
export interface PrecisionBits {
  readonly tensor: string;
  readonly bitsHeld: number;
  readonly bitsNeeded: number;
  /** Predicted relative output error of this quantization alone. */
  readonly error: number;
}

export interface LayerPrecisionReport extends LayerPrecision {
  readonly budget: number;
  readonly withinBudget: boolean;
  readonly bits: PrecisionBits[];
}

export interface LayerQuantReport {
  readonly layer: number;
  readonly source: "qat-grid" | "ptq-calibration" | "ptq-estimate";
  /** plain: the ADC writes the state; residual: the columns read dx, the register adds it. */
  readonly stateUpdate: "plain" | "residual";
  /** Width of the state register (the state ADC's for plain). */
  readonly stateBits: number;
  /** Residual: the largest ADC step of a mode, 2^maxShift register codes. */
  readonly maxShift: number;
  readonly tensors: TensorQuantReport[];
  readonly worstModes: WorstMode[];
  /** Modes whose rounded lambda reached |lambda| >= 1 and were pulled back inside. */
  readonly stabilityFixes: number;
  /** The precision analysis at the sequence length the model runs. */
  readonly precision: LayerPrecisionReport;
}

export interface RequantizeReport {
  readonly params: HardwareParams;
  readonly layers: LayerQuantReport[];
  /** Tensors the target could not hold at the model's precision. */
  readonly lossy: { tensor: string; bitsNeeded: number; bitsAvailable: number }[];
  /** With --calib and --calib-labels and a lossy grid: the emulator's accuracy on this target and on one that holds every grid. */
  accuracy: { readonly lossless: number; readonly target: number; readonly samples: number } | null;
  /** The sequence length the analysis assumed, and where it came from. */
  readonly length: number;
  readonly lengthSource: "option" | "model" | "calibration" | "default";
  /** Predicted relative output error budget per layer. */
  readonly budget: number;
  /** What was chosen, and why (also note QS4D-N407). */
  choice: string;
  /** Every layer's predicted error within the budget. */
  withinBudget: boolean;
}

/** The fidelity budget and the choices a user can force (pass options of requantize). */
export interface RequantizeOptions {
  /** Sequence length to analyse at; null: the model's, else the calibration data's. */
  readonly length: number | null;
  /** Predicted relative output error allowed per SSM layer. */
  readonly maxError: number;
  /** With calibration labels: accuracy points the chip may lose against a lossless chip. */
  readonly maxAccuracyDrop: number;
  /** Keep the best configuration with a warning when none meets the budget. */
  readonly allowLoss: boolean;
  readonly stateUpdate: "auto" | "plain" | "residual";
}

/**
 * 2 % relative error per layer: on the shared models the chips inside it lose at most a few
 * tenths of a point of accuracy (docs/lowering.md gives predicted and measured side by side).
 */
export const DEFAULT_REQUANTIZE_OPTIONS: RequantizeOptions = {
  length: null,
  maxError: 0.01,
  maxAccuracyDrop: 1,
  allowLoss: false,
  stateUpdate: "auto",
};

/** Sequence length assumed when neither the model nor calibration data gives one. */
const DEFAULT_LENGTH = 1024;

const narrow = (
  bits: number,
  scale: number | readonly number[],
  axis: number | null,
  codes?: Int32Array,
  shape?: readonly number[],
): AffineQuantizer =>
  symmetricQuantizer(
    bits,
    scale,
    axis,
    codes === undefined || shape === undefined ? undefined : i32Tensor(shape, codes),
  );

interface Floats {
  readonly H: number;
  readonly M: number;
  readonly lambda: Float64Array;
  readonly bbar: Float64Array;
  readonly c: Float64Array;
  readonly d: Float64Array;
}

/** Per SSM, computed once: every candidate configuration reads the same floats. */
const floatsCache = new WeakMap<Ssm, Floats>();

function floatsOf(ssm: Ssm, form: SsmDiscrete, prefix: string): Floats {
  const known = floatsCache.get(ssm);
  if (known !== undefined) return known;
  const f = readFloats(ssm, form, prefix);
  floatsCache.set(ssm, f);
  return f;
}

function readFloats(ssm: Ssm, form: SsmDiscrete, prefix: string): Floats {
  return {
    H: ssm.channels,
    M: ssm.modes,
    lambda: interleave(
      values(form.lambdaRe, `${prefix}.lambda`),
      values(form.lambdaIm, `${prefix}.lambda`),
    ),
    bbar: interleave(values(form.bbarRe, `${prefix}.bbar`), values(form.bbarIm, `${prefix}.bbar`)),
    c: interleave(values(form.cRe, `${prefix}.C`), values(form.cIm, `${prefix}.C`)),
    d: values(ssm.d, `${prefix}.D`),
  };
}

/** Scales of an affine quantizer, one per channel. */
function channelScales(q: AffineQuantizer, H: number): Float64Array {
  if (typeof q.scale === "number") return new Float64Array(H).fill(q.scale);
  if (q.scale.length === 1) return new Float64Array(H).fill(q.scale[0]!);
  return Float64Array.from(q.scale);
}

function gridOf(q: AffineQuantizer, H: number): Grid {
  return { codes: Int32Array.from(q.codes!.data!), scales: channelScales(q, H) };
}

function levelsUsed(codes: Int32Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < codes.length; i++) seen.add(Math.abs(codes[i]!));
  return seen.size;
}

function tensorReport(
  tensor: string,
  grid: Grid,
  H: number,
  trained: Float64Array,
  float: Float64Array,
  exact: boolean,
): TensorQuantReport {
  const q = dequantize(grid, H);
  const maxCode = maxAbsCode(grid.codes);
  return {
    tensor,
    bits: bitsFor(Math.max(maxCode, 1)),
    maxCode,
    levelsUsed: levelsUsed(grid.codes),
    sqnrDb: sqnrDb(trained, q),
    sqnrVsFloatDb: sqnrDb(float, q),
    exact,
  };
}

/** Pull rounded lambdas that left the unit circle back inside, one code step at a time. */
function stabilize(grid: Grid, H: number): number {
  let fixes = 0;
  const size = grid.codes.length / H;
  for (let k = 0; k < grid.codes.length; k += 2) {
    const s = grid.scales[Math.floor(k / size)]!;
    let fixed = false;
    while (Math.hypot(grid.codes[k]! * s, grid.codes[k + 1]! * s) >= 1) {
      const big = Math.abs(grid.codes[k]!) >= Math.abs(grid.codes[k + 1]!) ? k : k + 1;
      grid.codes[big] = grid.codes[big]! - Math.sign(grid.codes[big]!);
      fixed = true;
    }
    if (fixed) fixes++;
  }
  return fixes;
}

function worstModes(lambda: Float64Array, grid: Grid, H: number, M: number): WorstMode[] {
  const q = dequantize(grid, H);
  const modes: WorstMode[] = [];
  for (let k = 0; k < H * M; k++) {
    const error = Math.hypot(lambda[2 * k]! - q[2 * k]!, lambda[2 * k + 1]! - q[2 * k + 1]!);
    modes.push({
      channel: Math.floor(k / M),
      mode: k % M,
      lambda: [lambda[2 * k]!, lambda[2 * k + 1]!],
      quantized: [q[2 * k]!, q[2 * k + 1]!],
      error,
    });
  }
  return modes
    .sort((a, b) => b.error - a.error || a.channel - b.channel || a.mode - b.mode)
    .slice(0, 3);
}

interface LayerContext {
  readonly layer: number;
  readonly params: HardwareParams;
  readonly targetName: string;
  /** Grids of the model this requantization could not hold. */
  readonly lossy: RequantizeReport["lossy"];
  readonly diagnostics: DiagnosticSink;
}

function hasGrids(ssm: Ssm, dOnRows: boolean): boolean {
  const q = ssm.quant;
  const coded = (r: Quantizer | undefined) => r?.kind === "affine" && r.codes !== undefined;
  const affine = (r: Quantizer | undefined) => r?.kind === "affine";
  return (
    coded(q.lambda) &&
    coded(q.bbar) &&
    coded(q.c) &&
    (!dOnRows || coded(q.d)) &&
    affine(q.u) &&
    affine(q.x) &&
    affine(q.y)
  );
}

function lossy(ctx: LayerContext, tensor: string, needed: number, available: number): void {
  ctx.lossy.push({ tensor, bitsNeeded: needed, bitsAvailable: available });
}

/** A weight grid of the model kept when the target holds it, refitted otherwise. */
function honourWeight(
  ctx: LayerContext,
  q: AffineQuantizer,
  name: string,
  float: Float64Array,
  H: number,
  shape: readonly number[],
) {
  const maxCode = weightCapacity(ctx.params);
  const own = gridOf(q, H);
  const trained = dequantize(own, H);
  if (maxAbsCode(own.codes) <= maxCode) {
    return { quant: q, report: tensorReport(name, own, H, trained, float, true), grid: own };
  }
  lossy(ctx, name, q.bits, bitsFor(maxCode));
  const grid = fitGrid(trained, H, maxCode);
  const quant = narrow(bitsFor(maxCode), Array.from(grid.scales), 0, grid.codes, shape);
  return { quant, report: tensorReport(name, grid, H, trained, float, false), grid };
}

/** An activation format of the model kept when the converter holds it, else coarsened. */
function honourActivation(
  ctx: LayerContext,
  q: AffineQuantizer,
  name: string,
  bits: number,
): AffineQuantizer {
  if (q.bits <= bits) return q;
  lossy(ctx, name, q.bits, bits);
  const ratio = (2 ** (q.bits - 1) - 1) / (2 ** (bits - 1) - 1);
  const scale = typeof q.scale === "number" ? q.scale * ratio : q.scale.map((s) => s * ratio);
  return { ...q, bits, scale };
}

/**
 * How a layer's state is updated, and the state register's width: plain, the ADC writes it
 * (wider than the ADC: multi-step conversions, docs/chip-arithmetic.md §2); residual, the
 * columns read dx and the register adds it (one conversion).
 */
interface StateScheme {
  readonly kind: "plain" | "residual";
  readonly bits: number;
  /** Residual: conversion steps of the increment (1: the ADC alone; more: multi-step). */
  readonly steps: number;
}

/** The code limit of a conversion in `steps` steps of an ADC of `adcBits`. */
function conversionLimit(steps: number, adcBits: number): number {
  return 2 ** (steps * (adcBits - 1)) - 1;
}

/** A layer requantized one way: the IR, its report rows, and what it needs to be analysed. */
interface LayerResult {
  readonly ssm: Ssm;
  readonly source: LayerQuantReport["source"];
  readonly tensors: TensorQuantReport[];
  readonly worstModes: WorstMode[];
  readonly stabilityFixes: number;
  /** The trained model's own roundings that this chip keeps (not counted as loss). */
  readonly own: OwnRoundings;
  /** What the chip is measured against: the QAT grids' values, or the float model. */
  readonly trained: Floats;
}

const dOnRows = (ctx: LayerContext) => ctx.params.dPlacement === "rows";

const onGridsCache = new WeakMap<Ssm, Floats>();

/** A QAT model's own values (its grids'), what its chip is measured against; once per SSM. */
function onGrids(ssm: Ssm, f: Floats, dRows: boolean): Floats {
  const known = onGridsCache.get(ssm);
  if (known !== undefined) return known;
  const q = ssm.quant;
  const onGrid = (r: Quantizer | undefined) => dequantize(gridOf(r as AffineQuantizer, f.H), f.H);
  const trained: Floats = {
    ...f,
    lambda: onGrid(q.lambda),
    bbar: onGrid(q.bbar),
    c: onGrid(q.c),
    d: dRows ? onGrid(q.d) : f.d,
  };
  onGridsCache.set(ssm, trained);
  return trained;
}

function requantizeWithGrids(
  ssm: Ssm,
  f: Floats,
  ctx: LayerContext,
  scheme: StateScheme,
): LayerResult {
  const p = `layers.${ctx.layer}`;
  const { H, M } = f;
  const q = ssm.quant;
  const shape = [H, M, 2];
  const lambda = honourWeight(ctx, q.lambda as AffineQuantizer, `${p}.lambda`, f.lambda, H, shape);
  const stabilityFixes = lambda.report.exact ? 0 : stabilize(lambda.grid, H);
  // The quantizer holds a copy of the codes: give it the stabilized ones.
  const lambdaQuant: AffineQuantizer =
    stabilityFixes === 0
      ? lambda.quant
      : { ...lambda.quant, codes: i32Tensor(shape, lambda.grid.codes) };
  const bbar = honourWeight(ctx, q.bbar as AffineQuantizer, `${p}.bbar`, f.bbar, H, shape);
  const c = honourWeight(ctx, q.c as AffineQuantizer, `${p}.C`, f.c, H, shape);
  const stateBits = scheme.bits;
  const quant: Partial<Record<SsmRole, Quantizer>> = {
    ...q,
    lambda: lambdaQuant,
    bbar: bbar.quant,
    c: c.quant,
    u: honourActivation(ctx, q.u as AffineQuantizer, `${p}.u`, ctx.params.dacBits),
    x: honourActivation(ctx, q.x as AffineQuantizer, `${p}.x`, stateBits),
    y: honourActivation(ctx, q.y as AffineQuantizer, `${p}.y`, ctx.params.adcBits),
  };
  const tensors = [lambda.report, bbar.report, c.report];
  if (ctx.params.dPlacement === "rows") {
    const d = honourWeight(ctx, q.d as AffineQuantizer, `${p}.D`, f.d, H, [H]);
    quant.d = d.quant;
    tensors.push(d.report);
  } else {
    delete quant.d;
  }
  const plain: Ssm = { ...ssm, quant };
  const own: OwnRoundings = {
    u: quant.u === q.u,
    xStep: ratioOf(q.x as AffineQuantizer, quant.x as AffineQuantizer),
    y: quant.y === q.y,
  };
  const trained = onGrids(ssm, f, dOnRows(ctx));
  const result = {
    source: "qat-grid" as const,
    tensors,
    worstModes: worstModes(f.lambda, lambda.grid, H, M),
    stabilityFixes,
    own,
    trained,
  };
  if (scheme.kind === "plain") return { ...result, ssm: plain };
  // The model's Bbar grid in register codes per input code: M_B per channel.
  const s = integerSsm(plain, ctx.layer, ctx.params.dPlacement === "rows", ctx.params.adcBits);
  const bReg = Float64Array.from(s.b, (v, k) => v * s.mB[Math.floor(k / (2 * M))]!);
  const residual = residualUpdate({
    H,
    M,
    lambda: trained.lambda,
    bbar: bReg,
    bbarGrid: { codes: s.b, scales: s.mB },
    xLimit: s.xLimit,
    uLimit: s.uLimit,
    convLimit: conversionLimit(scheme.steps, ctx.params.adcBits),
    maxCode: weightCapacity(ctx.params),
  });
  return { ...result, ssm: { ...plain, residual } };
}

/** The model's state step in units of the chip's state code (1: the same grid). */
function ratioOf(model: AffineQuantizer, chip: AffineQuantizer): number {
  const a = typeof model.scale === "number" ? model.scale : model.scale[0]!;
  const b = typeof chip.scale === "number" ? chip.scale : chip.scale[0]!;
  return a / b;
}

/**
 * Ranges in units of one u code: per-mode state range and per-channel output range. Without
 * calibration data they are estimated for a white input of rms uLimit / 2: each mode's state
 * rms is |Bbar| rms_u / sqrt(1 - |lambda|^2), the output's adds the modes' powers (as if they
 * were uncorrelated), and a range is HEADROOM rms. Worst-case bounds would be safe but so
 * loose (slow modes integrate for 1/(1 - |lambda|) steps) that 8-bit converters lose the signal.
 */
const HEADROOM = 4;

/**
 * Calibrated maxima are those of a few samples: unseen inputs exceed them, and a converter
 * that clips a slow mode's state corrupts it for its whole memory. 25 % headroom costs a third
 * of a bit.
 */
const CALIB_MARGIN = 1.25;

function codeRanges(f: Floats, stats: SsmStats | null, su: Float64Array, uLimit: number) {
  const { H, M } = f;
  const xRange = new Float64Array(H * M);
  const yRange = new Float64Array(H);
  const uRms = uLimit * INPUT_RMS;
  for (let h = 0; h < H; h++) {
    let power = (f.d[h]! * uRms) ** 2;
    for (let n = 0; n < M; n++) {
      const k = h * M + n;
      if (stats !== null) {
        xRange[k] = CALIB_MARGIN * (stats.perSample ? stats.xMax[k]! : stats.xMax[k]! / su[h]!);
      } else {
        const mag2 = f.lambda[2 * k]! ** 2 + f.lambda[2 * k + 1]! ** 2;
        const xRms = (Math.hypot(f.bbar[2 * k]!, f.bbar[2 * k + 1]!) * uRms) / Math.sqrt(1 - mag2);
        xRange[k] = HEADROOM * xRms;
        power += 2 * (f.c[2 * k]! ** 2 + f.c[2 * k + 1]! ** 2) * xRms ** 2;
      }
    }
    yRange[h] =
      stats === null
        ? HEADROOM * Math.sqrt(power)
        : stats.perSample
          ? CALIB_MARGIN * stats.yMax[h]!
          : (CALIB_MARGIN * stats.yMax[h]!) / su[h]!;
  }
  return { xRange, yRange };
}

function requantizeFitted(
  ssm: Ssm,
  form: SsmDiscrete,
  f: Floats,
  stats: SsmStats | null,
  ctx: LayerContext,
  scheme: StateScheme,
): LayerResult {
  const p = `layers.${ctx.layer}`;
  const { H, M } = f;
  const { params } = ctx;
  const maxCode = weightCapacity(params);
  const weightBits = bitsFor(maxCode);
  const qDac = 2 ** (params.dacBits - 1) - 1;
  const qAdc = 2 ** (params.adcBits - 1) - 1;
  const stateBits = scheme.bits;
  const xLimit = 2 ** (stateBits - 1) - 1;
  // u: the model's own per-sample quantizer (qs4d-max); else a static per-channel DAC scale
  // from calibration; without calibration data, per-sample scaling over the full DAC range
  // (the periphery normalizes each sample's layer input, as QS4D's quantizer does).
  const own = ssm.quant.u;
  const inputQuant: Quantizer | undefined =
    own?.kind === "levels" && own.scope === "sample"
      ? own
      : stats === null
        ? { kind: "levels", levels: 2 * qDac, scope: "sample" }
        : undefined;
  const perSample = inputQuant !== undefined;
  const uLimit = inputQuant?.kind === "levels" ? Math.floor(inputQuant.levels / 2) : qDac;
  const su = new Float64Array(H).fill(1);
  if (!perSample) {
    for (let h = 0; h < H; h++)
      su[h] = stats!.uMax[h]! > 0 ? (CALIB_MARGIN * stats!.uMax[h]!) / qDac : 1;
  }
  const { xRange, yRange } = codeRanges(f, stats, su, uLimit);
  // State balancing: x_n = sigma_n * su_h * z_n with z_n in [-xLimit, xLimit] (the ADC's
  // range, or the state register's for a residual update).
  const bbar = new Float64Array(f.bbar.length);
  const c = new Float64Array(f.c.length);
  for (let k = 0; k < H * M; k++) {
    const h = Math.floor(k / M);
    const sigma = xRange[k]! > 0 ? xRange[k]! / xLimit : 1;
    const unit = sigma * su[h]!;
    for (const part of [0, 1]) {
      bbar[2 * k + part] = f.bbar[2 * k + part]! / unit;
      c[2 * k + part] = f.c[2 * k + part]! * unit;
    }
  }
  const sy = Float64Array.from(yRange, (r, h) =>
    r > 0 ? (r * (perSample ? 1 : su[h]!)) / qAdc : 1,
  );
  const lambdaGrid = fitGrid(f.lambda, H, maxCode);
  const stabilityFixes = stabilize(lambdaGrid, H);
  const bbarGrid = fitGrid(bbar, H, maxCode);
  const cGrid = fitGrid(c, H, maxCode);
  const shape = [H, M, 2];
  const quant: Partial<Record<SsmRole, Quantizer>> = {
    ...ssm.quant,
    lambda: narrow(weightBits, Array.from(lambdaGrid.scales), 0, lambdaGrid.codes, shape),
    bbar: narrow(weightBits, Array.from(bbarGrid.scales), 0, bbarGrid.codes, shape),
    c: narrow(weightBits, Array.from(cGrid.scales), 0, cGrid.codes, shape),
    u: inputQuant ?? narrow(params.dacBits, Array.from(su), 0),
    x: narrow(stateBits, 1, null),
    y: narrow(params.adcBits, Array.from(sy), 0),
  };
  const tensors = [
    tensorReport(`${p}.lambda`, lambdaGrid, H, f.lambda, f.lambda, false),
    tensorReport(`${p}.bbar`, bbarGrid, H, bbar, bbar, false),
    tensorReport(`${p}.C`, cGrid, H, c, c, false),
  ];
  if (params.dPlacement === "rows") {
    const dGrid = fitGrid(f.d, H, maxCode);
    quant.d = narrow(weightBits, Array.from(dGrid.scales), 0, dGrid.codes, [H]);
    tensors.push(tensorReport(`${p}.D`, dGrid, H, f.d, f.d, false));
  } else {
    delete quant.d;
  }
  const b = split(bbar);
  const cc = split(c);
  const hm = [H, M];
  const balanced: SsmDiscrete = {
    ...form,
    bbarRe: f64Tensor(hm, b.re),
    bbarIm: f64Tensor(hm, b.im),
    cRe: f64Tensor(hm, cc.re),
    cIm: f64Tensor(hm, cc.im),
  };
  const result = {
    source: stats === null ? ("ptq-estimate" as const) : ("ptq-calibration" as const),
    tensors,
    worstModes: worstModes(f.lambda, lambdaGrid, H, M),
    stabilityFixes,
    own: { u: inputQuant !== undefined && inputQuant === own, xStep: 0, y: false },
    trained: f,
  };
  const plain: Ssm = { ...ssm, form: balanced, quant };
  if (scheme.kind === "plain") return { ...result, ssm: plain };
  // Balanced Bbar is in state codes per (u / su): times su, register codes per input code.
  const bReg = Float64Array.from(bbar, (v, k) => v * su[Math.floor(k / (2 * M))]!);
  const residual = residualUpdate({
    H,
    M,
    lambda: f.lambda,
    bbar: bReg,
    bbarGrid: null,
    xLimit,
    uLimit,
    convLimit: conversionLimit(scheme.steps, params.adcBits),
    maxCode,
  });
  return { ...result, ssm: { ...plain, residual } };
}

function discreteForm(ssm: Ssm, layer: number): SsmDiscrete {
  if (ssm.form.kind === "kernel")
    fail("QS4D-E409", { layer, pass: "requantize" }, { tensor: `layers.${layer}.kernel.K` });
  if (ssm.form.kind !== "discrete") fail("QS4D-E406", { layer, pass: "discretize" });
  return ssm.form;
}

/** Where the analysis takes its sequence length from. */
function analysisLength(
  model: Model,
  calibration: CalibrationData | null,
  options: RequantizeOptions,
): { length: number; source: RequantizeReport["lengthSource"] } {
  if (options.length !== null) return { length: options.length, source: "option" };
  if (model.config.length !== null) return { length: model.config.length, source: "model" };
  if (calibration !== null) return { length: calibration.shape[1]!, source: "calibration" };
  return { length: DEFAULT_LENGTH, source: "default" };
}

/**
 * Converter and cell widths tried when the target takes them from the model (`ideal`): up to
 * 16 bits, 2^15 levels (chip.bin holds at most 65536 levels per cell).
 */
const FREE_WIDTHS = [8, 10, 12, 14, 16];

/**
 * The chip-wide parameters to try, cheapest first: wider converters and cells where the
 * target leaves them to the model and the model has no grid for them (a float model on
 * `ideal`), else more bit slices where the target allows them, else the target as it is.
 */
function paramOptions(t: TargetDescription, model: Model, base: HardwareParams): HardwareParams[] {
  const needs = modelNeeds(model, base.dPlacement === "rows");
  const freeLevels = t.cell.levels === "model" && needs.maxCode === null;
  const freeDac = t.dac.bits === "model" && needs.dacBits === null;
  const freeAdc = t.adc.bits === "model" && needs.adcBits === null;
  if (freeLevels || freeDac || freeAdc) {
    return FREE_WIDTHS.filter((b) => b >= t.fallbackBits).map((b) => ({
      ...base,
      levels: freeLevels ? 2 ** (b - 1) : base.levels,
      dacBits: freeDac ? b : base.dacBits,
      adcBits: freeAdc ? b : base.adcBits,
    }));
  }
  if (!t.bitSlicing.allowed) return [base];
  const options: HardwareParams[] = [];
  // Codes stay below 2^30 (the integer limits of the executors, src/ir/limits.ts).
  for (let s = base.slices; s <= t.bitSlicing.maxSlices; s++)
    if (s === base.slices || base.levels ** s - 1 < 2 ** 30) options.push({ ...base, slices: s });
  return options;
}

/** Conversion steps of a readout, or DAC passes of a signal, of `bits` on a `converter`. */
function steps(bits: number, converter: number): number {
  return Math.ceil((bits - 1) / (converter - 1));
}

/** Cycles a read takes, roughly: DAC passes for the state, plus conversion steps. */
function schemeCost(s: StateScheme, p: HardwareParams): number {
  const passes = steps(s.bits, p.dacBits);
  return passes + (s.kind === "plain" ? steps(s.bits, p.adcBits) : s.steps);
}

/** The state schemes a layer may use, cheapest first. */
function schemesFor(
  ssm: Ssm,
  params: HardwareParams,
  register: { residual: boolean; maxBits: number },
  options: RequantizeOptions,
  grids: boolean,
  widthsFree: boolean,
): StateScheme[] {
  const narrow: StateScheme = { kind: "plain", bits: params.adcBits, steps: 1 };
  // On a target whose widths follow the model, wider converters are the answer, not passes.
  if (widthsFree) return [narrow];
  const x = ssm.quant.x;
  const model = grids && x?.kind === "affine" ? x.bits : null;
  const widths = (model !== null ? [model] : [4, 8, 12, 16].map((w) => params.adcBits + w)).filter(
    (b) => b > params.adcBits && b <= register.maxBits,
  );
  const kinds: StateScheme["kind"][] =
    options.stateUpdate === "residual"
      ? ["residual"]
      : options.stateUpdate === "plain" || !register.residual
        ? ["plain"]
        : ["plain", "residual"];
  // A residual increment converted in one step, or in two (finer steps, multi-step ADC).
  const wide = widths.flatMap((bits) =>
    kinds.flatMap((kind): StateScheme[] =>
      kind === "plain"
        ? [{ kind, bits, steps: steps(bits, params.adcBits) }]
        : [1, 2].map((n) => ({ kind, bits, steps: n })),
    ),
  );
  const all = options.stateUpdate === "residual" ? wide : [narrow, ...wide];
  if (all.length === 0) return [narrow];
  return all.sort((a, b) => schemeCost(a, params) - schemeCost(b, params) || a.bits - b.bits);
}

interface LayerChoice {
  readonly result: LayerResult;
  readonly scheme: StateScheme;
  readonly precision: LayerPrecision;
  readonly lossy: RequantizeReport["lossy"];
}

/** Predicted errors of one requantized layer against the trained one. */
function analyse(
  r: LayerResult,
  f: Floats,
  layer: number,
  params: HardwareParams,
  length: number,
  parts: boolean,
  budget = Number.POSITIVE_INFINITY,
): LayerPrecision {
  const dOnRows = params.dPlacement === "rows";
  const s = integerSsm(r.ssm, layer, dOnRows, params.adcBits);
  const su =
    s.inputQuant.kind === "static"
      ? Float64Array.from(values(s.inputQuant.scale, "u"))
      : new Float64Array(s.H).fill(1);
  const digitalD = dOnRows ? null : Float64Array.from(f.d, (d, h) => (d * su[h]!) / s.sy[h]!);
  const scale = { su, sy: s.sy };
  const split = splitOutputNoise(channelParts(s, params), partReadout(s, params.adcBits).fraction);
  const chip = chipModes(s, digitalD, split);
  return analyzeLayer(s, r.trained, scale, chip, r.own, length, parts, budget);
}

/**
 * The ways the layer's split channels may convert their parts' y, cheapest first: one
 * conversion step more than y needs, or two (finer, docs/chip-arithmetic.md §3). Just `r`
 * when no channel of the layer is larger than one array.
 */
function partChoices(r: LayerResult, layer: number, params: HardwareParams): LayerResult[] {
  const s = integerSsm(r.ssm, layer, params.dPlacement === "rows", params.adcBits);
  if (channelParts(s, params).every((j) => j === 1)) return [r];
  const fractions = new Set([1, 2].map((n) => partFraction(s.yLimit, params.adcBits, n)));
  return [...fractions].map((splitFraction) => ({ ...r, ssm: { ...r.ssm, splitFraction } }));
}

interface Selection {
  readonly params: HardwareParams;
  readonly layers: LayerChoice[];
  readonly worst: number;
  readonly withinBudget: boolean;
}

interface SelectionInput {
  readonly model: Model;
  readonly forms: readonly SsmDiscrete[];
  readonly stats: SsmStats[] | null;
  readonly target: LoadedTarget;
  readonly options: RequantizeOptions;
  readonly length: number;
  readonly diagnostics: DiagnosticSink;
}

/** Per layer, the cheapest scheme within the budget (else the one with the least error). */
function selectLayers(input: SelectionInput, params: HardwareParams, widthsFree: boolean) {
  const { model, options, length } = input;
  const register = input.target.description.stateRegister ?? STATE_REGISTER_DEFAULT;
  const dOnRows = params.dPlacement === "rows";
  return model.layers.map((layer, i): LayerChoice => {
    const f = floatsOf(layer.ssm, input.forms[i]!, `layers.${i}`);
    const grids = hasGrids(layer.ssm, dOnRows);
    let best: LayerChoice | null = null;
    for (const scheme of schemesFor(layer.ssm, params, register, options, grids, widthsFree)) {
      const ctx: LayerContext = {
        layer: i,
        params,
        targetName: input.target.description.name,
        lossy: [],
        diagnostics: input.diagnostics,
      };
      const plain = grids
        ? requantizeWithGrids(layer.ssm, f, ctx, scheme)
        : requantizeFitted(layer.ssm, input.forms[i]!, f, input.stats?.[i] ?? null, ctx, scheme);
      for (const result of partChoices(plain, i, params)) {
        const precision = analyse(result, f, i, params, length, false, options.maxError);
        const choice = { result, scheme, precision, lossy: ctx.lossy };
        if (best === null || precision.total < best.precision.total) best = choice;
        if (precision.total <= options.maxError) return choice;
      }
    }
    return best!;
  });
}

function select(input: SelectionInput, base: HardwareParams): Selection {
  const t = input.target.description;
  const candidates = paramOptions(t, input.model, base);
  const widthsFree = candidates.some((p) => p.adcBits !== base.adcBits || p.levels !== base.levels);
  let best: Selection | null = null;
  for (const params of candidates) {
    const layers = selectLayers(input, params, widthsFree);
    const worst = Math.max(0, ...layers.map((l) => l.precision.total));
    const selection = { params, layers, worst, withinBudget: worst <= input.options.maxError };
    if (selection.withinBudget) return selection;
    if (best === null || worst < best.worst) best = selection;
  }
  return best!;
}

function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toPrecision(2)}%` : "unbounded";
}

/** "the residual state update with a 16-bit state register on layers 0, 1, 2 cells per weight". */
function describeChoice(sel: Selection, base: HardwareParams): string {
  const parts: string[] = [];
  const groups = new Map<string, number[]>();
  sel.layers.forEach((l, i) => {
    if (l.scheme.kind === "plain" && l.scheme.bits === sel.params.adcBits) return;
    const key =
      l.scheme.kind === "residual"
        ? `the residual state update with a ${l.scheme.bits}-bit state register${l.scheme.steps > 1 ? ` and ${l.scheme.steps}-step conversions` : ""}`
        : `a ${l.scheme.bits}-bit state (multi-step conversions)`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  sel.layers.forEach((l, i) => {
    const fraction = l.result.ssm.splitFraction;
    if (fraction === undefined) return;
    const key = `split channels' partial y with ${fraction} fraction bits`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const [key, layers] of groups)
    parts.push(`${key} on layer${layers.length > 1 ? "s" : ""} ${layers.join(", ")}`);
  const p = sel.params;
  if (p.slices !== base.slices) parts.push(`${p.slices} cells per weight`);
  if (p.adcBits !== base.adcBits || p.levels !== base.levels)
    parts.push(`${p.levels} levels, ${p.dacBits}-bit DAC, ${p.adcBits}-bit ADC`);
  return parts.length > 0 ? parts.join(", ") : PLAIN_CHOICE;
}

const PLAIN_CHOICE = "the plain IMSSA update";

/** The bits each quantization holds and needs for the budget (its error halves per bit). */
function precisionBits(
  layer: number,
  pr: LayerPrecision,
  params: HardwareParams,
  scheme: StateScheme,
  budget: number,
  fraction: number | undefined,
): PrecisionBits[] {
  const weightBits = bitsFor(weightCapacity(params));
  const stateBits = scheme.bits;
  const share = budget / 2;
  const row = (tensor: string, held: number, error: number): PrecisionBits => ({
    tensor: `layers.${layer}.${tensor}`,
    bitsHeld: held,
    bitsNeeded: error > LOSSLESS ? Math.max(2, held + Math.ceil(Math.log2(error / share))) : held,
    error,
  });
  return [
    row(
      scheme.kind === "plain" ? "lambda" : "lambda-1",
      weightBits,
      Math.max(pr.error.lambda, pr.pooled.lambda),
    ),
    row("bbar*C", weightBits, Math.max(pr.error.bbarC, pr.pooled.bbarC)),
    row("D", weightBits, Math.max(pr.error.d, pr.pooled.d)),
    row("x", stateBits, Math.max(pr.error.state, pr.pooled.state)),
    row("y", params.adcBits, Math.max(pr.error.output, pr.pooled.output)),
    ...(fraction === undefined
      ? []
      : [row("y parts", fraction, Math.max(pr.error.split, pr.pooled.split))]),
    row("u", params.dacBits, Math.max(pr.error.input, pr.pooled.input)),
  ];
}

function layerReport(
  c: LayerChoice,
  layer: number,
  sel: Selection,
  input: SelectionInput,
): LayerQuantReport {
  const budget = input.options.maxError;
  const full = analyse(
    c.result,
    floatsOf(input.model.layers[layer]!.ssm, input.forms[layer]!, `layers.${layer}`),
    layer,
    sel.params,
    input.length,
    true,
  );
  const shift =
    c.result.ssm.residual === undefined ? [0] : Array.from(dataOf(c.result.ssm.residual.shift));
  return {
    layer,
    source: c.result.source,
    stateUpdate: c.scheme.kind,
    stateBits: c.scheme.bits,
    maxShift: Math.max(0, ...shift),
    tensors: c.result.tensors,
    worstModes: c.result.worstModes,
    stabilityFixes: c.result.stabilityFixes,
    precision: {
      ...full,
      budget,
      withinBudget: full.total <= budget,
      bits: precisionBits(layer, full, sel.params, c.scheme, budget, c.result.ssm.splitFraction),
    },
  };
}

/** The quantization whose share of the error is largest, as the words of a diagnostic. */
function worstPart(l: LayerQuantReport): string {
  const b = [...l.precision.bits].sort((x, y) => y.error - x.error)[0]!;
  return `'${b.tensor}' needs ${b.bitsNeeded} bits and holds ${b.bitsHeld} (predicted error ${percent(b.error)} alone)`;
}

/**
 * Requantize within the budget. With calibration labels the chosen chip's accuracy on the
 * calibration data is measured by the emulator against a lossless twin; over
 * `maxAccuracyDrop` points, the predicted-error budget is tightened fourfold and the choice
 * made again (three times at most), then E421 (or W407 with --allow-loss).
 */
export function requantize(
  model: Model,
  target: LoadedTarget,
  calibration: CalibrationData | null,
  labels: Int32Array | null,
  diagnostics: DiagnosticSink,
  options: RequantizeOptions = DEFAULT_REQUANTIZE_OPTIONS,
): { model: Model; report: RequantizeReport } {
  let sink = new DiagnosticSink();
  let attempt = requantizeWithin(model, target, calibration, sink, options);
  const predictedLoss = attempt.report.layers.some((l) => l.precision.total > LOSSLESS);
  if (
    calibration !== null &&
    labels !== null &&
    (predictedLoss || attempt.report.lossy.length > 0)
  ) {
    const reference = losslessAccuracy(model, target, calibration, labels);
    let maxError = options.maxError;
    for (let tries = 1; ; tries++) {
      const accuracy = emulatedAccuracy(attempt.model, calibration, labels);
      attempt.report.accuracy = { lossless: reference, target: accuracy, samples: labels.length };
      const drop = (reference - accuracy) * 100;
      if (drop <= options.maxAccuracyDrop) break;
      if (tries === 4) {
        const args = {
          drop: drop.toFixed(1),
          samples: labels.length,
          reference: (reference * 100).toFixed(1),
          chip: (accuracy * 100).toFixed(1),
          budget: options.maxAccuracyDrop,
        };
        if (!options.allowLoss) {
          fail("QS4D-E421", {
            model: model.name,
            target: target.description.name,
            length: attempt.report.length,
            what: `the emulator measures ${args.drop} points of accuracy lost on ${args.samples} calibration samples (${args.reference}% -> ${args.chip}%), more than --max-accuracy-drop ${args.budget}, even with ${attempt.report.choice}`,
          });
        }
        sink.warn("QS4D-W407", args);
        break;
      }
      maxError /= 4;
      sink = new DiagnosticSink();
      const tighter = { ...options, maxError, allowLoss: true };
      attempt = requantizeWithin(model, target, calibration, sink, tighter);
    }
  }
  diagnostics.items.push(...sink.items);
  if (attempt.report.lossy.length > 0)
    warnLossy(target, attempt.report, calibration !== null && labels !== null, diagnostics);
  return attempt;
}

/** A predicted error below this is the float64 rounding of the analysis itself: none. */
export const LOSSLESS = 1e-9;

/** The emulator's accuracy of the same model on a twin target that holds every grid. */
function losslessAccuracy(
  model: Model,
  target: LoadedTarget,
  calibration: CalibrationData,
  labels: Int32Array,
): number {
  const exactTarget = { ...target, description: lossless(target.description) };
  const precise = { ...DEFAULT_REQUANTIZE_OPTIONS, maxError: 1e-4, allowLoss: true };
  const sink = new DiagnosticSink();
  const exact = requantizeWithin(model, exactTarget, calibration, sink, precise).model;
  return emulatedAccuracy(exact, calibration, labels);
}

function requantizeWithin(
  model: Model,
  target: LoadedTarget,
  calibration: CalibrationData | null,
  diagnostics: DiagnosticSink,
  options: RequantizeOptions,
): { model: Model; report: RequantizeReport } {
  const forms = model.layers.map((layer, i) => discreteForm(layer.ssm, i));
  const base = resolveParams(target.description, model);
  const dOnRows = base.dPlacement === "rows";
  const needStats = model.layers.some((l) => !hasGrids(l.ssm, dOnRows));
  const stats = needStats && calibration !== null ? calibrate(model, calibration) : null;
  if (needStats && stats === null) {
    diagnostics.warn("QS4D-W403", { model: model.name });
  }
  const { length, source } = analysisLength(model, calibration, options);
  const input: SelectionInput = { model, forms, stats, target, options, length, diagnostics };
  const sel = select(input, base);
  const params = sel.params;
  if (params.slices > 1) {
    diagnostics.warn("QS4D-N404", {
      model: model.name,
      slices: params.slices,
      levels: params.levels,
      target: target.description.name,
    });
  }
  const choice = describeChoice(sel, base);
  const report: RequantizeReport = {
    params,
    layers: sel.layers.map((c, i) => layerReport(c, i, sel, input)),
    lossy: sel.layers.flatMap((c) => c.lossy),
    accuracy: null,
    length,
    lengthSource: source,
    budget: options.maxError,
    choice,
    withinBudget: sel.withinBudget,
  };
  const what = { model: model.name, target: target.description.name, length };
  if (choice !== PLAIN_CHOICE) {
    const worst = Math.max(...report.layers.map((l) => l.precision.total));
    diagnostics.warn("QS4D-N407", {
      ...what,
      choice,
      why: sel.withinBudget
        ? `the cheapest configuration whose predicted relative output error (worst layer ${percent(worst)}) is within the budget of ${percent(options.maxError)}`
        : `none is within the budget of ${percent(options.maxError)}: the least predicted error (worst layer ${percent(worst)}), kept with --allow-loss`,
    });
  }
  if (!sel.withinBudget) {
    const over = report.layers.filter((l) => !l.precision.withinBudget);
    if (!options.allowLoss) {
      const l = over[0]!;
      fail("QS4D-E421", {
        ...what,
        what: `layer ${l.layer} has a predicted relative output error of ${percent(l.precision.total)} against a budget of ${percent(options.maxError)} even with ${choice}; ${worstPart(l)}`,
      });
    }
    for (const l of over) {
      diagnostics.warn("QS4D-W406", {
        layer: l.layer,
        error: percent(l.precision.total),
        length,
        budget: percent(options.maxError),
        what: worstPart(l),
      });
    }
  }
  const layers = model.layers.map((layer, i) => ({ ...layer, ssm: sel.layers[i]!.result.ssm }));
  const hardware = {
    target: { name: target.description.name, digest: target.digest },
    params,
    signals: [],
    crossbars: [],
    placed: false,
    program: [],
  };
  return { model: { ...model, layers, hardware }, report };
}

/** The same target with cells and converters that hold every grid of the model. */
function lossless(t: TargetDescription): TargetDescription {
  return {
    ...t,
    cell: { ...t.cell, levels: "model" },
    dac: { bits: "model" },
    adc: { ...t.adc, bits: "model" },
    bitSlicing: { allowed: false, maxSlices: 1 },
  };
}

/** W402 for every grid the target could not hold, with the accuracy it costs when measured. */
function warnLossy(
  target: LoadedTarget,
  report: RequantizeReport,
  labelled: boolean,
  diagnostics: DiagnosticSink,
): void {
  let impact = labelled
    ? "the chip's predicted error is within the budget"
    : "give --calib and --calib-labels to measure the accuracy change";
  if (report.accuracy !== null) {
    const { lossless: a, target: b, samples } = report.accuracy;
    impact = `the emulator measures ${((b - a) * 100).toFixed(1)} points of accuracy on ${samples} calibration samples (${(a * 100).toFixed(1)}% -> ${(b * 100).toFixed(1)}%)`;
  }
  for (const l of report.lossy) {
    const args = {
      tensor: l.tensor,
      needed: l.bitsNeeded,
      available: l.bitsAvailable,
      target: target.description.name,
      impact,
    };
    diagnostics.warn("QS4D-W402", args, { tensor: l.tensor });
  }
}

function numberOption(
  options: Readonly<Record<string, PassOptionValue>>,
  name: string,
  valid: (x: number) => boolean,
  reason: string,
): number | null {
  const v = options[name];
  if (v === undefined) return null;
  const x =
    typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  if (!valid(x)) fail("QS4D-E422", { value: String(v), option: name, reason });
  return x;
}

/** The sequence length of the precision analysis (prune's prediction reads it too). */
export const SEQ_LEN_OPTION: PassOptionSpec = {
  name: "seq-len",
  type: "integer",
  default: null,
  description: `sequence length the chip will run, for the precision analysis (default: the model's, else the calibration data's, else ${DEFAULT_LENGTH})`,
};

/** The fidelity budget (prune's prediction reads it too). */
export const MAX_ERROR_OPTION: PassOptionSpec = {
  name: "max-error",
  type: "number",
  default: DEFAULT_REQUANTIZE_OPTIONS.maxError,
  description: "fidelity budget: predicted relative SSM output error per layer, in (0, 1)",
};

/** What requantizeOptions parses, declared for `qs4dc passes` and the pass manager. */
export const REQUANTIZE_OPTION_SPECS: readonly PassOptionSpec[] = [
  SEQ_LEN_OPTION,
  MAX_ERROR_OPTION,
  {
    name: "max-accuracy-drop",
    type: "number",
    default: DEFAULT_REQUANTIZE_OPTIONS.maxAccuracyDrop,
    description: "with calibration labels: accuracy points in [0, 100] the chip may lose",
  },
  {
    name: "allow-loss",
    type: "boolean",
    default: DEFAULT_REQUANTIZE_OPTIONS.allowLoss,
    description: "keep the best configuration with a warning (W407) when none meets the budget",
  },
  {
    name: "state-update",
    type: "string",
    values: ["auto", "plain", "residual"],
    default: DEFAULT_REQUANTIZE_OPTIONS.stateUpdate,
    description: "SSM state update: auto (the cheapest within the budget), plain or residual",
  },
];

/** The requantize options of a pass context (`seq-len`, `max-error`, ...), checked. */
export function requantizeOptions(
  options: Readonly<Record<string, PassOptionValue>>,
): RequantizeOptions {
  const d = DEFAULT_REQUANTIZE_OPTIONS;
  const update = options["state-update"] ?? d.stateUpdate;
  if (update !== "auto" && update !== "plain" && update !== "residual")
    fail("QS4D-E422", {
      value: String(update),
      option: "state-update",
      reason: "not auto, plain or residual",
    });
  const allow = options["allow-loss"];
  return {
    length: numberOption(
      options,
      "seq-len",
      (x) => Number.isInteger(x) && x >= 1 && x <= 2 ** 24,
      "not an integer in 1..16777216",
    ),
    maxError:
      numberOption(options, "max-error", (x) => x > 0 && x < 1, "not a number in (0, 1)") ??
      d.maxError,
    maxAccuracyDrop:
      numberOption(
        options,
        "max-accuracy-drop",
        (x) => x >= 0 && x <= 100,
        "not a number of points in [0, 100]",
      ) ?? d.maxAccuracyDrop,
    allowLoss: allow === true || allow === "true",
    stateUpdate: update,
  };
}

export const REQUANTIZE: Pass = {
  name: "requantize",
  description:
    "map lambda, Bbar, C, D onto the target's conductance levels and u, x, y onto its converters (QAT grids kept, else PTQ from --calib); report SQNR",
  options: REQUANTIZE_OPTION_SPECS,
  run(model, context) {
    const target = loadedFromContext(context);
    const { model: result, report } = requantize(
      model,
      target,
      context.calibration,
      context.calibrationLabels,
      context.diagnostics,
      requantizeOptions(context.options),
    );
    context.reports.set("requantize", report);
    return result;
  },
};
