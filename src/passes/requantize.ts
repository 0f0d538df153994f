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
import type { LoadedTarget, TargetDescription } from "../target/types.js";
import { type CalibrationData, calibrate, type SsmStats } from "./lib/calibrate.js";
import { loadedFromContext } from "./lib/context.js";
import { dequantize, fitGrid, type Grid, maxAbsCode, sqnrDb } from "./lib/grid.js";
import { emulatedAccuracy } from "./lib/predict.js";
import { resolveParams, weightCapacity } from "./lib/resolve.js";
import { f64Tensor, i32Tensor, interleave, split, values } from "./lib/tensors.js";
import type { Pass } from "./pass.js";

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

export interface LayerQuantReport {
  readonly layer: number;
  readonly source: "qat-grid" | "ptq-calibration" | "ptq-estimate";
  readonly tensors: TensorQuantReport[];
  readonly worstModes: WorstMode[];
  /** Modes whose rounded lambda reached |lambda| >= 1 and were pulled back inside. */
  readonly stabilityFixes: number;
}

export interface RequantizeReport {
  readonly params: HardwareParams;
  readonly layers: LayerQuantReport[];
  /** Tensors the target could not hold at the model's precision. */
  readonly lossy: { tensor: string; bitsNeeded: number; bitsAvailable: number }[];
  /** With --calib and --calib-labels and a lossy grid: the emulator's accuracy on this target and on one that holds every grid. */
  accuracy: { readonly lossless: number; readonly target: number; readonly samples: number } | null;
}

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

function floatsOf(ssm: Ssm, form: SsmDiscrete, prefix: string): Floats {
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
  readonly report: RequantizeReport;
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
  ctx.report.lossy.push({ tensor, bitsNeeded: needed, bitsAvailable: available });
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

function requantizeWithGrids(
  ssm: Ssm,
  f: Floats,
  ctx: LayerContext,
): { ssm: Ssm; report: LayerQuantReport } {
  const p = `layers.${ctx.layer}`;
  const { H, M } = f;
  const q = ssm.quant;
  const shape = [H, M, 2];
  const lambda = honourWeight(ctx, q.lambda as AffineQuantizer, `${p}.lambda`, f.lambda, H, shape);
  const stabilityFixes = lambda.report.exact ? 0 : stabilize(lambda.grid, H);
  const bbar = honourWeight(ctx, q.bbar as AffineQuantizer, `${p}.bbar`, f.bbar, H, shape);
  const c = honourWeight(ctx, q.c as AffineQuantizer, `${p}.C`, f.c, H, shape);
  const quant: Partial<Record<SsmRole, Quantizer>> = {
    ...q,
    lambda: lambda.quant,
    bbar: bbar.quant,
    c: c.quant,
    u: honourActivation(ctx, q.u as AffineQuantizer, `${p}.u`, ctx.params.dacBits),
    x: honourActivation(ctx, q.x as AffineQuantizer, `${p}.x`, ctx.params.adcBits),
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
  return {
    ssm: { ...ssm, quant },
    report: {
      layer: ctx.layer,
      source: "qat-grid",
      tensors,
      worstModes: worstModes(f.lambda, lambda.grid, H, M),
      stabilityFixes,
    },
  };
}

/**
 * Ranges in units of one u code: per-mode state range and per-channel output range. Without
 * calibration data they are estimated for a white input of rms uLimit / 2: each mode's state
 * rms is |Bbar| rms_u / sqrt(1 - |lambda|^2), the output's adds the modes' powers (as if they
 * were uncorrelated), and a range is HEADROOM rms. Worst-case bounds would be safe but so
 * loose (slow modes integrate for 1/(1 - |lambda|) steps) that 8-bit converters lose the signal.
 */
const HEADROOM = 4;

function codeRanges(f: Floats, stats: SsmStats | null, su: Float64Array, uLimit: number) {
  const { H, M } = f;
  const xRange = new Float64Array(H * M);
  const yRange = new Float64Array(H);
  const uRms = uLimit / 2;
  for (let h = 0; h < H; h++) {
    let power = (f.d[h]! * uRms) ** 2;
    for (let n = 0; n < M; n++) {
      const k = h * M + n;
      if (stats !== null) {
        xRange[k] = stats.perSample ? stats.xMax[k]! : stats.xMax[k]! / su[h]!;
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
          ? stats.yMax[h]!
          : stats.yMax[h]! / su[h]!;
  }
  return { xRange, yRange };
}

function requantizeFitted(
  ssm: Ssm,
  form: SsmDiscrete,
  f: Floats,
  stats: SsmStats | null,
  ctx: LayerContext,
): { ssm: Ssm; report: LayerQuantReport } {
  const p = `layers.${ctx.layer}`;
  const { H, M } = f;
  const { params } = ctx;
  const maxCode = weightCapacity(params);
  const weightBits = bitsFor(maxCode);
  const qDac = 2 ** (params.dacBits - 1) - 1;
  const qAdc = 2 ** (params.adcBits - 1) - 1;
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
    for (let h = 0; h < H; h++) su[h] = stats!.uMax[h]! > 0 ? stats!.uMax[h]! / qDac : 1;
  }
  const { xRange, yRange } = codeRanges(f, stats, su, uLimit);
  // State balancing: x_n = sigma_n * su_h * z_n with z_n in [-qAdc, qAdc].
  const bbar = new Float64Array(f.bbar.length);
  const c = new Float64Array(f.c.length);
  for (let k = 0; k < H * M; k++) {
    const h = Math.floor(k / M);
    const sigma = xRange[k]! > 0 ? xRange[k]! / qAdc : 1;
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
    x: narrow(params.adcBits, 1, null),
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
  return {
    ssm: { ...ssm, form: balanced, quant },
    report: {
      layer: ctx.layer,
      source: stats === null ? "ptq-estimate" : "ptq-calibration",
      tensors,
      worstModes: worstModes(f.lambda, lambdaGrid, H, M),
      stabilityFixes,
    },
  };
}

function discreteForm(ssm: Ssm, layer: number): SsmDiscrete {
  if (ssm.form.kind === "kernel")
    fail("QS4D-E409", { layer, pass: "requantize" }, { tensor: `layers.${layer}.kernel.K` });
  if (ssm.form.kind !== "discrete") fail("QS4D-E406", { layer, pass: "discretize" });
  return ssm.form;
}

export function requantize(
  model: Model,
  target: LoadedTarget,
  calibration: CalibrationData | null,
  labels: Int32Array | null,
  diagnostics: DiagnosticSink,
): { model: Model; report: RequantizeReport } {
  const forms = model.layers.map((layer, i) => discreteForm(layer.ssm, i));
  const params = resolveParams(target.description, model);
  if (params.slices > 1) {
    diagnostics.warn("QS4D-N404", {
      model: model.name,
      slices: params.slices,
      levels: params.levels,
      target: target.description.name,
    });
  }
  const dOnRows = params.dPlacement === "rows";
  const needStats = model.layers.some((l) => !hasGrids(l.ssm, dOnRows));
  const stats = needStats && calibration !== null ? calibrate(model, calibration) : null;
  if (needStats && stats === null) {
    diagnostics.warn("QS4D-W403", { model: model.name });
  }
  const report: RequantizeReport = { params, layers: [], lossy: [], accuracy: null };
  const layers = model.layers.map((layer, i) => {
    const ctx: LayerContext = {
      layer: i,
      params,
      targetName: target.description.name,
      report,
      diagnostics,
    };
    const f = floatsOf(layer.ssm, forms[i]!, `layers.${i}`);
    const r = hasGrids(layer.ssm, dOnRows)
      ? requantizeWithGrids(layer.ssm, f, ctx)
      : requantizeFitted(layer.ssm, forms[i]!, f, stats?.[i] ?? null, ctx);
    report.layers.push(r.report);
    return { ...layer, ssm: r.ssm };
  });
  const hardware = {
    target: { name: target.description.name, digest: target.digest },
    params,
    signals: [],
    crossbars: [],
    placed: false,
    program: [],
  };
  const result = { ...model, layers, hardware };
  if (report.lossy.length > 0)
    warnLossy(model, result, target, calibration, labels, report, diagnostics);
  return { model: result, report };
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

/** W402 for every grid the target could not hold, with the accuracy it costs when measurable. */
function warnLossy(
  source: Model,
  result: Model,
  target: LoadedTarget,
  calibration: CalibrationData | null,
  labels: Int32Array | null,
  report: RequantizeReport,
  diagnostics: DiagnosticSink,
): void {
  let impact = "give --calib and --calib-labels to measure the accuracy change";
  if (calibration !== null && labels !== null) {
    const exactTarget = { ...target, description: lossless(target.description) };
    const exact = requantize(source, exactTarget, calibration, null, new DiagnosticSink()).model;
    report.accuracy = {
      lossless: emulatedAccuracy(exact, calibration, labels),
      target: emulatedAccuracy(result, calibration, labels),
      samples: calibration.shape[0]!,
    };
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

export const REQUANTIZE: Pass = {
  name: "requantize",
  description:
    "map lambda, Bbar, C, D onto the target's conductance levels and u, x, y onto its converters (QAT grids kept, else PTQ from --calib); report SQNR",
  run(model, context) {
    const target = loadedFromContext(context);
    const { model: result, report } = requantize(
      model,
      target,
      context.calibration,
      context.calibrationLabels,
      context.diagnostics,
    );
    context.reports.set("requantize", report);
    return result;
  },
};
