// layout-imssa: one crossbar block per SSM channel in the IMSSA layout (docs/targets.md), the
// registers ("signals") the blocks exchange with the periphery, and the digital program.
//
// Block of channel h (row-polarity; differential-columns uses one row per signal and a +/-
// column pair per output instead of a mirror column):
//   rows    +u, -u [, +u1, -u1]  then per mode  +xr, -xr, +xi, -xi      (u1 = u delayed one step)
//   columns per mode  +xr', -xr', +xi', -xi'   then  +y, -y [, 2 reserved]
// Mode block [[a, b], [-b, a]] with a = Ar, b = Ai (codes): xr' = Ar xr - Ai xi + Br u,
// xi' = Ai xr + Ar xi + Bi u, with gains M_A (state rows) and M_B (u rows).
//   lagged: y columns read y(t-1) = M_C * sum(Cr xr - Ci xi) + M_D * D u1 in the same read as
//           x(t) (one extra flush read at the end); D digital drops the u1 rows.
//   folded: y columns read y(t) = gx * sum(Re F xr - Im F xi) + gu * G u, F = C lambda and
//           G = sum Re(C Bbar) (+ D) requantized here onto the levels: no lag, but y sees the
//           unrounded new state, so folded is not bit exact to qs4d-symmetric-v1.
// Modes whose codes are all 0 (pruned) are not laid out; a channel with no mode and no D has
// no block and outputs y = 0. A channel whose block is larger than one array is split into
// parts of whole modes (modes are independent), each with its own u rows and partial y
// columns, D on the first; the parts convert their partial y on a finer grid and the commit
// adds them and rounds once (lib/split.ts, docs/chip-arithmetic.md §3, "Channels
// split over arrays"). With dense = "crossbar" the encoder, mixing and decoder
// become crossbar tiles too (lib/dense-tiles.ts).

import { fail } from "../diag/error.js";
import type {
  Crossbar,
  DigitalOp,
  HardwareParams,
  HardwareProgram,
  Signal,
} from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { f32, f64 } from "../ir/tensor.js";
import { BlockBuilder, type RowPair, type Term } from "./lib/block-builder.js";
import { denseOnTiles } from "./lib/dense-tiles.js";
import { buildDigitalProgram, type DenseOpFactory, digitalDense } from "./lib/digital-program.js";
import { dequantize, fitGrid, sqnrDb } from "./lib/grid.js";
import { type IntegerSsm, integerSsm, modeIsNull } from "./lib/integer-ssm.js";
import { weightCapacity } from "./lib/resolve.js";
import { type PartReadout, partReadout, splitModes } from "./lib/split.js";
import { values } from "./lib/tensors.js";
import type { Pass } from "./pass.js";

export interface LayoutReport {
  readonly blocks: { name: string; rows: number; cols: number; modes: number; cells: number }[];
  /** Channels without a block (every mode pruned, no D). */
  readonly deadChannels: string[];
  /** Folded output weights: SQNR of their requantization, per layer. */
  readonly folded: { layer: number; sqnrDb: number }[];
  /**
   * Channels too large for one array, split into parts: their blocks, modes per part, and the
   * fraction bits of the parts' y conversions (lib/split.ts).
   */
  readonly split: { channel: string; parts: string[]; modes: number[]; fraction: number }[];
}

export function emptyLayoutReport(): LayoutReport {
  return { blocks: [], deadChannels: [], folded: [], split: [] };
}

interface LayerSignals {
  readonly input: number;
  readonly inputDelayed: number;
  readonly state: number;
  readonly output: number;
}

/** Folded output weights of one channel: codes on x rows, one code on u rows, two gains. */
interface FoldedChannel {
  readonly x: Int32Array;
  readonly u: number;
  readonly gx: number;
  readonly gu: number;
}

function foldChannel(
  s: IntegerSsm,
  h: number,
  dRows: boolean,
  maxCode: number,
  report: number[][],
): FoldedChannel {
  const { M } = s;
  const vx = new Float64Array(2 * M);
  let vu = 0;
  for (let n = 0; n < M; n++) {
    const k = 2 * (h * M + n);
    const [ar, ai, br, bi, cr, ci] = [
      s.a[k]!,
      s.a[k + 1]!,
      s.b[k]!,
      s.b[k + 1]!,
      s.c[k]!,
      s.c[k + 1]!,
    ];
    // y = M_C sum Re(C x_t), x_t = M_A lambda x_{t-1} + M_B Bbar u: weights on xr, xi and u.
    vx[2 * n] = s.mC[h]! * s.mA[h]! * (cr * ar - ci * ai);
    vx[2 * n + 1] = -s.mC[h]! * s.mA[h]! * (cr * ai + ci * ar);
    vu += s.mC[h]! * s.mB[h]! * (cr * br - ci * bi);
  }
  if (dRows && s.d !== null) vu += s.mD[h]! * s.d[h]!;
  const gx = fitGrid(vx, 1, maxCode);
  const gu = fitGrid(Float64Array.of(vu), 1, maxCode);
  report.push([...vx, vu], [...dequantize(gx, 1), ...dequantize(gu, 1)]);
  return { x: gx.codes, u: gu.codes[0]!, gx: gx.scales[0]!, gu: gu.scales[0]! };
}

/** One array's share of a channel: its modes; the first part also carries D (and u1). */
interface Part {
  readonly name: string;
  readonly modes: readonly number[];
  readonly first: boolean;
  /** A part of a split channel: how its partial y is converted; null for a whole channel. */
  readonly fine: PartReadout | null;
}

/** The two state columns of mode n: the block [[ar, -ai], [ai, ar]], the u weights, gains. */
interface StateColumns {
  readonly ar: number;
  readonly ai: number;
  readonly br: number;
  readonly bi: number;
  readonly terms: readonly Term[];
  readonly limit: number;
  readonly shift: number;
}

/**
 * Plain: x' = clamp(rhe(M_A (A x) + M_B (B u))), the ADC writes the state. Residual: the
 * columns read dx = deltaScale (delta x) + bbarScale (bbar u) in steps of 2^shift register
 * codes (gains divided by 2^shift, exact), and the accumulating state register adds it.
 */
function stateColumns(s: IntegerSsm, h: number, n: number, sig: LayerSignals): StateColumns {
  const k = 2 * (h * s.M + n);
  const r = s.residual;
  if (r === null) {
    return {
      ar: s.a[k]!,
      ai: s.a[k + 1]!,
      br: s.b[k]!,
      bi: s.b[k + 1]!,
      terms: [
        { signal: sig.state, gain: s.mA[h]! },
        { signal: sig.input, gain: s.mB[h]! },
      ],
      limit: s.xLimit,
      shift: 0,
    };
  }
  const m = h * s.M + n;
  const step = 2 ** r.shift[m]!;
  return {
    ar: r.delta[k]!,
    ai: r.delta[k + 1]!,
    br: r.bbar[k]!,
    bi: r.bbar[k + 1]!,
    terms: [
      { signal: sig.state, gain: r.deltaScale[m]! / step },
      { signal: sig.input, gain: r.bbarScale[m]! / step },
    ],
    limit: r.limit,
    shift: r.shift[m]!,
  };
}

function channelBlock(
  s: IntegerSsm,
  h: number,
  sig: LayerSignals,
  params: HardwareParams,
  folded: FoldedChannel | null,
  part: Part,
): Crossbar {
  const dOnRows = s.d !== null;
  const lagged = params.outputMode === "lagged";
  const slicing = { slices: params.slices, base: params.levels };
  const b = new BlockBuilder(part.name, params.encoding === "differential-columns", slicing);
  const u = b.addRows(sig.input, h);
  const u1: RowPair | null =
    part.first && lagged && dOnRows ? b.addRows(sig.inputDelayed, h) : null;
  const xRows = part.modes.map((n) => {
    const e = 2 * (h * s.M + n);
    return { n, re: b.addRows(sig.state, e), im: b.addRows(sig.state, e + 1) };
  });
  for (const { n, re, im } of xRows) {
    const k = 2 * (h * s.M + n);
    const col = stateColumns(s, h, n, sig);
    const outRe = b.addOutput(sig.state, k, col.limit, col.terms, col.shift);
    b.addWeight(re, outRe, col.ar);
    b.addWeight(im, outRe, -col.ai);
    b.addWeight(u, outRe, col.br);
    const outIm = b.addOutput(sig.state, k + 1, col.limit, col.terms, col.shift);
    b.addWeight(re, outIm, col.ai);
    b.addWeight(im, outIm, col.ar);
    b.addWeight(u, outIm, col.bi);
  }
  const y = yOutput(b, s, h, sig, folded, u1 !== null, part.fine);
  for (const { n, re, im } of xRows) {
    const k = 2 * (h * s.M + n);
    if (folded !== null) {
      b.addWeight(re, y, folded.x[2 * n]!);
      b.addWeight(im, y, folded.x[2 * n + 1]!);
    } else {
      b.addWeight(re, y, s.c[k]!);
      b.addWeight(im, y, -s.c[k + 1]!);
    }
  }
  if (folded !== null && part.first) b.addWeight(u, y, folded.u);
  else if (u1 !== null) b.addWeight(u1, y, s.d![h]!);
  if (params.outputColumns === 4) b.reserveColumns(2);
  return b.build();
}

/**
 * The y readout of a channel's block. A part of a split channel converts its partial y on a
 * grid 2^fraction finer (its gains times 2^fraction, exact in binary64), and its shift
 * -fraction makes the commit add the parts' codes and round once (chip-arithmetic §3).
 */
function yOutput(
  b: BlockBuilder,
  s: IntegerSsm,
  h: number,
  sig: LayerSignals,
  folded: FoldedChannel | null,
  delayedRows: boolean,
  fine: PartReadout | null,
) {
  const terms: Term[] =
    folded !== null
      ? [
          { signal: sig.state, gain: folded.gx },
          { signal: sig.input, gain: folded.gu },
        ]
      : delayedRows
        ? [
            { signal: sig.state, gain: s.mC[h]! },
            { signal: sig.inputDelayed, gain: s.mD[h]! },
          ]
        : [{ signal: sig.state, gain: s.mC[h]! }];
  if (fine === null) return b.addOutput(sig.output, h, s.yLimit, terms);
  const scale = 2 ** fine.fraction;
  const fineTerms = terms.map((t) => ({ signal: t.signal, gain: t.gain * scale }));
  return b.addOutput(sig.output, h, fine.limit, fineTerms, -fine.fraction);
}

/** The blocks of channel h: none (no mode, no D), one, or one per part of a split channel. */
function channelBlocks(
  s: IntegerSsm,
  h: number,
  layer: number,
  sig: LayerSignals,
  params: HardwareParams,
  folded: FoldedChannel | null,
): { block: Crossbar; modes: number }[] {
  const modes = Array.from({ length: s.M }, (_, n) => n).filter((n) => !modeIsNull(s, h, n));
  const dCode = s.d === null ? 0 : s.d[h]!;
  if (modes.length === 0 && dCode === 0 && folded === null) return [];
  const delayedRows = params.outputMode === "lagged" && s.d !== null;
  const parts = splitModes(modes, params, delayedRows);
  const name = `l${layer}.h${h}`;
  const fine = parts.length === 1 ? null : partReadout(s, params.adcBits);
  return parts.map((partModes, j) => ({
    block: channelBlock(s, h, sig, params, folded, {
      name: parts.length === 1 ? name : `${name}.p${j}`,
      modes: partModes,
      first: j === 0,
      fine,
    }),
    modes: partModes.length,
  }));
}

function layerSignals(
  signals: Signal[],
  s: IntegerSsm,
  layer: number,
  delayed: boolean,
): LayerSignals {
  const add = (sg: Signal) => {
    signals.push(sg);
    return signals.length - 1;
  };
  const p = `l${layer}`;
  return {
    input: add({ name: `${p}.u`, kind: "ssm-input", length: s.H, limit: s.uLimit }),
    inputDelayed: delayed
      ? add({ name: `${p}.u1`, kind: "ssm-input-delayed", length: s.H, limit: s.uLimit })
      : -1,
    state: add({
      name: `${p}.x`,
      kind: "ssm-state",
      length: 2 * s.H * s.M,
      limit: s.xLimit,
      ...(s.residual === null ? {} : { accumulate: true as const }),
    }),
    output: add({ name: `${p}.y`, kind: "ssm-output", length: s.H, limit: s.yLimit }),
  };
}

function cellCount(c: Crossbar): number {
  return c.cells.shape[0]!;
}

/**
 * The blocks of one layer's channels, in part-major order (every channel's first part, then
 * the second parts, ...): tile packs in order, so the small last parts of split channels
 * share arrays.
 */
function layerBlocks(
  s: IntegerSsm,
  layer: number,
  sig: LayerSignals,
  params: HardwareParams,
  foldReport: number[][],
  report: LayoutReport,
): Crossbar[] {
  const dOnRows = params.dPlacement === "rows";
  const maxCode = weightCapacity(params);
  const channels: Crossbar[][] = [];
  for (let h = 0; h < s.H; h++) {
    const folded =
      params.outputMode === "folded" ? foldChannel(s, h, dOnRows, maxCode, foldReport) : null;
    const blocks = channelBlocks(s, h, layer, sig, params, folded);
    if (blocks.length === 0) {
      report.deadChannels.push(`l${layer}.h${h}`);
      continue;
    }
    channels.push(blocks.map((b) => b.block));
    for (const { block, modes } of blocks) {
      report.blocks.push({
        name: block.name,
        rows: block.rows,
        cols: block.cols,
        modes,
        cells: cellCount(block),
      });
    }
    if (blocks.length > 1) {
      report.split.push({
        channel: `l${layer}.h${h}`,
        parts: blocks.map((b) => b.block.name),
        modes: blocks.map((b) => b.modes),
        fraction: partReadout(s, params.adcBits).fraction,
      });
    }
  }
  const ordered: Crossbar[] = [];
  const depth = Math.max(0, ...channels.map((c) => c.length));
  for (let j = 0; j < depth; j++)
    for (const blocks of channels) if (j < blocks.length) ordered.push(blocks[j]!);
  return ordered;
}

export function layoutImssa(model: Model, report: LayoutReport): Model {
  const hw = model.hardware;
  if (hw === null) fail("QS4D-E406", { layer: 0, pass: "requantize" });
  const params = hw.params;
  const dOnRows = params.dPlacement === "rows";
  const delayed = params.outputMode === "lagged" && dOnRows;
  const signals: Signal[] = [];
  const crossbars: Crossbar[] = [];
  const ssmOps = new Map<number, Extract<DigitalOp, { op: "ssm" }>>();
  model.layers.forEach((layer, i) => {
    if (layer.ssm.form.kind !== "discrete") fail("QS4D-E406", { layer: i, pass: "discretize" });
    const s = integerSsm(layer.ssm, i, dOnRows, params.adcBits);
    const sig = layerSignals(signals, s, i, delayed);
    const foldReport: number[][] = [];
    crossbars.push(...layerBlocks(s, i, sig, params, foldReport, report));
    if (foldReport.length > 0) {
      const ref = foldReport.filter((_, k) => k % 2 === 0).flat();
      const got = foldReport.filter((_, k) => k % 2 === 1).flat();
      report.folded.push({ layer: i, sqnrDb: sqnrDb(ref, got) });
    }
    const digitalD = dOnRows ? null : f32([s.H], values(layer.ssm.d, `layers.${i}.D`));
    ssmOps.set(i, {
      op: "ssm",
      layer: i,
      input: "",
      output: "",
      inputQuant: s.inputQuant,
      inputSignal: sig.input,
      inputDelayedSignal: sig.inputDelayed,
      stateSignal: sig.state,
      outputSignal: sig.output,
      outputMode: params.outputMode,
      outputScale: f64([s.H], s.sy),
      digitalD,
    });
  });
  const dense: DenseOpFactory =
    params.dense === "digital"
      ? digitalDense
      : (linear, name, input, output) => {
          const lowered = denseOnTiles(linear, name, input, output, params, signals);
          crossbars.push(...lowered.blocks);
          return lowered.op;
        };
  const program = buildDigitalProgram(
    model,
    (layer, input, output) => ({ ...ssmOps.get(layer)!, input, output }),
    dense,
  );
  const hardware: HardwareProgram = { ...hw, signals, crossbars, placed: false, program };
  return { ...model, hardware };
}

export const LAYOUT_IMSSA: Pass = {
  name: "layout-imssa",
  description:
    "lay out each SSM channel as an IMSSA crossbar block (u rows, 4x4 mode blocks, y columns; lagged or folded) and build the digital program",
  options: [],
  run(model, context) {
    const report = emptyLayoutReport();
    const result = layoutImssa(model, report);
    context.reports.set("layout-imssa", report);
    return result;
  },
};
