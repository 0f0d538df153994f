// tile: place the blocks of layout-imssa on physical arrays of the target's size. Blocks of
// one op (a layer's SSM channels, or one dense layer's tiles) are packed block-diagonally, in
// order: each block starts where the previous one ended in both rows and columns, so blocks
// share no row and no column and every array stays a valid IMSSA array. Ops never share an
// array (each op's arrays are read together, one op after another). A channel larger than an
// array arrives split into parts by layout-imssa (reported here with the arrays that hold
// them); a block still larger than an array (not even one mode fits) is a coded error with
// the numbers, and so is needing more arrays than the target has. Each readout gets one of the
// array's ADCs: ADC j serves the j-th contiguous group of columns (a column multiplexer).

import { fail } from "../diag/error.js";
import {
  CELL_COL,
  CELL_FIELDS,
  CELL_ROW,
  type Crossbar,
  type HardwareParams,
  type HardwareProgram,
  type Placement,
  RO_ADC,
  RO_COL_MINUS,
  RO_COL_PLUS,
  RO_FIELDS,
  ROW_FIELDS,
} from "../ir/hardware.js";
import type { Model } from "../ir/model.js";
import { dataOf, f64, i32 } from "../ir/tensor.js";
import type { Pass } from "./pass.js";

export interface ArrayUse {
  readonly name: string;
  readonly blocks: number;
  /** Rows and columns inside placed blocks, and the cells programmed (level >= 1). */
  readonly rowsUsed: number;
  readonly colsUsed: number;
  readonly cellsProgrammed: number;
  /** Placed block area / array area. */
  readonly utilization: number;
}

/** A channel larger than one array, placed as parts (one array each, or shared). */
export interface SplitChannel {
  readonly channel: string;
  readonly parts: number;
  /** The array of each part, in part order. */
  readonly arrays: string[];
}

export interface TileReport {
  readonly arrays: ArrayUse[];
  /** Channels split over arrays because one array could not hold them (none usually). */
  readonly split: SplitChannel[];
  readonly arraySize: readonly [number, number];
  /** Over all arrays: placed block area / total area, and programmed cells / total cells. */
  readonly utilization: number;
  readonly cellUtilization: number;
  readonly cellsProgrammed: number;
}

interface Bin {
  readonly layer: string;
  readonly blocks: { block: Crossbar; row: number; col: number }[];
  rows: number;
  cols: number;
}

/**
 * The op a block belongs to: `l0` for the channel block `l0.h3` and the parts `l0.h3.p1` of a
 * split channel, `l0.mix` for the dense tile `l0.mix.t0.1`.
 */
function layerOf(block: Crossbar): string {
  return block.name.replace(/\.h\d+(\.p\d+)?$/, "").replace(/\.t\d+\.\d+$/, "");
}

/** Channels that layout-imssa split over several arrays (blocks `l0.h3.p0`, ...), and where. */
function splitChannels(crossbars: readonly Crossbar[]): SplitChannel[] {
  const byChannel = new Map<string, string[]>();
  for (const c of crossbars) {
    for (const p of c.placements) {
      const channel = /^(.*\.h\d+)\.p\d+$/.exec(p.block)?.[1];
      if (channel === undefined) continue;
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), c.name]);
    }
  }
  return [...byChannel].map(([channel, arrays]) => ({ channel, parts: arrays.length, arrays }));
}

function pack(blocks: readonly Crossbar[], params: HardwareParams): Bin[] {
  const bins: Bin[] = [];
  for (const block of blocks) {
    if (block.rows > params.rows || block.cols > params.cols) {
      fail("QS4D-E412", {
        block: block.name,
        rows: block.rows,
        cols: block.cols,
        arrayRows: params.rows,
        arrayCols: params.cols,
      });
    }
    const last = bins.at(-1);
    const fits =
      last !== undefined &&
      last.layer === layerOf(block) &&
      last.rows + block.rows <= params.rows &&
      last.cols + block.cols <= params.cols;
    if (fits) {
      last.blocks.push({ block, row: last.rows, col: last.cols });
      last.rows += block.rows;
      last.cols += block.cols;
    } else {
      bins.push({
        layer: layerOf(block),
        blocks: [{ block, row: 0, col: 0 }],
        rows: block.rows,
        cols: block.cols,
      });
    }
  }
  return bins;
}

function adcOf(col: number, params: HardwareParams): number {
  return Math.floor((col * params.adcsPerArray) / params.cols);
}

/** One physical array from a bin: maps, readouts and cells shifted by each block's offset. */
function assemble(bin: Bin, index: number, params: HardwareParams): Crossbar {
  const R = params.rows;
  // Undriven rows: signal -1, element -1, polarity 0.
  const rowMap = new Int32Array(R * ROW_FIELDS).fill(-1);
  for (let r = 0; r < R; r++) rowMap[r * ROW_FIELDS + 2] = 0;
  const terms = bin.blocks[0]!.block.termSignals.shape[1]!;
  const n = bin.blocks.reduce((s, b) => s + b.block.readouts.shape[0]!, 0);
  const k = bin.blocks.reduce((s, b) => s + b.block.cells.shape[0]!, 0);
  const readouts = new Int32Array(n * RO_FIELDS);
  const termSignals = new Int32Array(n * terms);
  const termGains = new Float64Array(n * terms);
  const cells = new Int32Array(k * CELL_FIELDS);
  const shifts = new Int32Array(n);
  const placements: Placement[] = [];
  let [ri, ci] = [0, 0];
  for (const { block, row, col } of bin.blocks) {
    rowMap.set(dataOf(block.rowMap), row * ROW_FIELDS);
    const ro = dataOf(block.readouts);
    readouts.set(ro, ri * RO_FIELDS);
    termSignals.set(dataOf(block.termSignals), ri * terms);
    termGains.set(dataOf(block.termGains), ri * terms);
    if (block.shifts !== undefined) shifts.set(dataOf(block.shifts), ri);
    for (let i = ri * RO_FIELDS; i < ri * RO_FIELDS + ro.length; i += RO_FIELDS) {
      readouts[i + RO_COL_PLUS] = readouts[i + RO_COL_PLUS]! + col;
      if (readouts[i + RO_COL_MINUS]! >= 0)
        readouts[i + RO_COL_MINUS] = readouts[i + RO_COL_MINUS]! + col;
      readouts[i + RO_ADC] = adcOf(readouts[i + RO_COL_PLUS]!, params);
    }
    ri += ro.length / RO_FIELDS;
    const c = dataOf(block.cells);
    cells.set(c, ci * CELL_FIELDS);
    for (let i = ci * CELL_FIELDS; i < ci * CELL_FIELDS + c.length; i += CELL_FIELDS) {
      cells[i + CELL_ROW] = cells[i + CELL_ROW]! + row;
      cells[i + CELL_COL] = cells[i + CELL_COL]! + col;
    }
    ci += c.length / CELL_FIELDS;
    placements.push({
      block: block.name,
      rowOffset: row,
      colOffset: col,
      rows: block.rows,
      cols: block.cols,
    });
  }
  return {
    name: `a${index}`,
    rows: R,
    cols: params.cols,
    rowMap: i32([R, ROW_FIELDS], rowMap),
    readouts: i32([n, RO_FIELDS], readouts),
    termSignals: i32([n, terms], termSignals),
    termGains: f64([n, terms], termGains),
    cells: i32([k, CELL_FIELDS], cells),
    conductanceUs: null,
    placements,
    ...(shifts.some((v) => v !== 0) ? { shifts: i32([n], shifts) } : {}),
  };
}

function usage(c: Crossbar, params: HardwareParams): ArrayUse {
  const rowsUsed = c.placements.reduce((s, p) => s + p.rows, 0);
  const colsUsed = c.placements.reduce((s, p) => s + p.cols, 0);
  const area = c.placements.reduce((s, p) => s + p.rows * p.cols, 0);
  return {
    name: c.name,
    blocks: c.placements.length,
    rowsUsed,
    colsUsed,
    cellsProgrammed: c.cells.shape[0]!,
    utilization: area / (params.rows * params.cols),
  };
}

export function tile(model: Model, count: number | null): { model: Model; report: TileReport } {
  const hw = model.hardware;
  if (hw === null || hw.program.length === 0) fail("QS4D-E406", { layer: 0, pass: "layout-imssa" });
  if (hw.placed) fail("QS4D-E413", { reason: "the crossbars are already placed on arrays" });
  const { params } = hw;
  const bins = pack(hw.crossbars, params);
  if (count !== null && bins.length > count) {
    fail("QS4D-E414", {
      needed: bins.length,
      available: count,
      rows: params.rows,
      cols: params.cols,
    });
  }
  const crossbars = bins.map((bin, i) => assemble(bin, i, params));
  const arrays = crossbars.map((c) => usage(c, params));
  const total = crossbars.length * params.rows * params.cols;
  const placedArea = arrays.reduce((s, a) => s + a.utilization * params.rows * params.cols, 0);
  const cellsProgrammed = arrays.reduce((s, a) => s + a.cellsProgrammed, 0);
  const report: TileReport = {
    arrays,
    split: splitChannels(crossbars),
    arraySize: [params.rows, params.cols],
    utilization: total === 0 ? 0 : placedArea / total,
    cellUtilization: total === 0 ? 0 : cellsProgrammed / total,
    cellsProgrammed,
  };
  const hardware: HardwareProgram = { ...hw, crossbars, placed: true };
  return { model: { ...model, hardware }, report };
}

export const TILE: Pass = {
  name: "tile",
  description:
    "place channel blocks on the target's physical arrays (block-diagonal packing per layer), assign ADCs, report utilization",
  options: [],
  run(model, context) {
    const { model: result, report } = tile(model, context.target?.array.count ?? null);
    context.reports.set("tile", report);
    return result;
  },
};
