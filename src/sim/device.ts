// The device model (docs/simulator.md §4): the chip as programmed, cell by cell, and its reads
// with noise. Units: conductances in level spacings dG = (gMax - gMin)/(levels - 1), so an ideal
// cell at level l has G/dG = gMin/dG + l; voltages in DAC codes; the analog value in ADC LSBs as in
// docs/chip-arithmetic.md §2 (a term's gain is its rows' DAC gain over the column's ADC LSB).
//
// A column's current is sum_r G[r][c] V[r] over every driven row of the term's signal, level-0
// cells included: on the ideal chip their gMin currents cancel between the +v/-v rows; with
// programming error, stuck cells or DAC offsets they do not. With V[r] = p[r] code[e(r)] + o[r]
// (polarity, register, DAC offset) the sum is
//   sum_e (sum_{r: e(r) = e} p[r] (l + err)[r][c]) code[e]  +  sum_r (G[r][c]/dG) o[r]  +  (gMin/dG) sum_r p[r] code[e(r)]
// whose first part is an effective weight per register (computed once per programming, like the
// ideal chip's integer weights), the second a constant per programming, the third zero for
// +v/-v row pairs. Without noise the weights are the ideal integers and the constants 0, so the
// device model computes the ideal chip's codes bit for bit.
// Read noise (independent per cell and read, sigma relative to gMax) adds to a conversion a
// Gaussian of variance sigma^2 sum_k g_k^2 sum_r V[r]^2: one draw per conversion, exact in
// distribution.

import { fail } from "../diag/error.js";
import type { ChipImage } from "../emit/chip-image.js";
import { float64s, type Growable, int32s } from "../util/growable.js";
import { adcCode } from "./arith.js";
import { type ConversionTable, columnCells, type ReadGroup, sortAscending } from "./conversions.js";
import { type Block, BlockKernel, KERNEL_LANES, type PackedTable } from "./device-kernel.js";
import { commit, type LockstepEngine, type ReadEngine, type ReadProbe } from "./engine.js";
import type { ChipLayout } from "./layout.js";
import type { NoiseParams } from "./noise.js";
import { Purpose, Rng } from "./rng.js";
import { drivePasses, passWeight } from "./steps.js";

/** Beyond this many modelled cells the device model refuses to run (memory, time). */
const MAX_DEVICE_CELLS = 64 * 1024 * 1024;

/** The modelled part of an array: every driven row x every converted column. */
export interface ArrayShape {
  /** Driven rows, grouped by signal (ascending), ascending within a signal. */
  readonly rows: Int32Array;
  /** Signal -> its rows' range in `rows`. */
  readonly segment: ReadonlyMap<number, readonly [number, number]>;
  /** Converted columns, ascending. */
  readonly columns: Int32Array;
}

/** One array as programmed in one run. */
export interface ArrayDevice extends ArrayShape {
  /** Slot of each converted column in `cells`. */
  readonly slot: ReadonlyMap<number, number>;
  /** [columns x rows]: G/dG - gMin/dG, the level plus the programming deviation. */
  readonly cells: Float64Array;
  /** Per driven row, in DAC LSB. */
  readonly dacOffset: Float64Array;
  /** Per ADC of the array, in ADC LSB. */
  readonly adcOffset: Float64Array;
  /** Cells forced to gMax / gMin. */
  readonly stuckOn: number;
  readonly stuckOff: number;
}

const shapeCache = new WeakMap<ChipImage, ArrayShape[]>();

/** Array k's driven rows by signal and its read columns (the same for every programming). */
export function arrayShape(image: ChipImage, k: number): ArrayShape {
  const shapes = shapeCache.get(image) ?? [];
  shapeCache.set(image, shapes);
  shapes[k] ??= shapeOf(image, k);
  return shapes[k]!;
}

function shapeOf(image: ChipImage, k: number): ArrayShape {
  const a = image.arrays[k]!;
  const bySignal = new Map<number, number[]>();
  for (let r = 0; r < a.rows; r++) {
    const s = a.row.signal[r]!;
    if (s < 0) continue;
    if (!bySignal.has(s)) bySignal.set(s, []);
    bySignal.get(s)!.push(r);
  }
  const rows: number[] = [];
  const segment = new Map<number, readonly [number, number]>();
  for (const s of [...bySignal.keys()].sort((x, y) => x - y)) {
    segment.set(s, [rows.length, rows.length + bySignal.get(s)!.length]);
    rows.push(...bySignal.get(s)!);
  }
  const columns = new Set<number>();
  for (let i = 0; i < a.readouts; i++) {
    columns.add(a.readout.colPlus[i]!);
    if (a.readout.colMinus[i]! >= 0) columns.add(a.readout.colMinus[i]!);
  }
  return {
    rows: Int32Array.from(rows),
    segment,
    columns: Int32Array.from([...columns].sort((x, y) => x - y)),
  };
}

/**
 * Programs array k in Monte Carlo run `run`. Every modelled cell (programmed or erased) gets a
 * Gaussian deviation of sigma prog x gMax (clipped at G = 0), then is stuck at gMax or gMin with
 * the stuck rates; draws are keyed by (seed, run, array) and made in (column, row) order.
 */
export function programArray(
  image: ChipImage,
  k: number,
  noise: NoiseParams,
  seed: number,
  run: number,
): ArrayDevice {
  const a = image.arrays[k]!;
  const { levels, gMinUs, gMaxUs } = image.target.params;
  const dG = (gMaxUs - gMinUs) / (levels - 1);
  const floor = -gMinUs / dG;
  const sigma = (noise.programming * gMaxUs) / dG;
  const shape = arrayShape(image, k);
  const { rows, columns } = shape;
  const slot = new Map(Array.from(columns, (c, i) => [c, i] as const));
  const n = rows.length;
  const cells = new Float64Array(columns.length * n);
  const position = new Int32Array(a.rows).fill(-1);
  for (let i = 0; i < rows.length; i++) position[rows[i]!] = i;
  const byColumn = columnCells(a);
  for (const [col, s] of slot) {
    for (let j = byColumn.start[col]!; j < byColumn.start[col + 1]!; j++) {
      const at = position[byColumn.row[j]!]!;
      if (at >= 0) cells[s * n + at] = byColumn.level[j]!;
    }
  }
  const programming = new Rng(seed, Purpose.programming, run, k);
  const stuck = new Rng(seed, Purpose.stuck, run, k);
  let stuckOn = 0;
  let stuckOff = 0;
  const stuckRate = noise.stuckOn + noise.stuckOff;
  if (sigma > 0) {
    // The programming draws in one batch (the generators are separate: the same numbers).
    const draws = new Float64Array(cells.length);
    programming.gaussians(draws, cells.length);
    for (let i = 0; i < cells.length; i++)
      cells[i] = Math.max(floor, cells[i]! + sigma * draws[i]!);
  }
  for (let i = 0; i < cells.length && stuckRate > 0; i++) {
    const u = stuck.uniform();
    if (u < noise.stuckOn) {
      cells[i] = levels - 1;
      stuckOn++;
    } else if (u < stuckRate) {
      cells[i] = 0;
      stuckOff++;
    }
  }
  return {
    ...shape,
    slot,
    cells,
    ...converterOffsets(image, k, rows, noise, seed, run),
    stuckOn,
    stuckOff,
  };
}

/**
 * Offsets of array k's DACs (one per driven row, `rows` as in ArrayShape) and ADCs, keyed by
 * (seed, run, array). A row driven in P passes (a read of a signal wider than the DAC) carries
 * its DAC's offset o in every pass, accumulated with the passes' weights: its offset here is
 * o x sum_j 2^((dacBits - 1) j) (exactly o when P = 1).
 */
export function converterOffsets(
  image: ChipImage,
  k: number,
  rows: Int32Array,
  noise: NoiseParams,
  seed: number,
  run: number,
): { dacOffset: Float64Array; adcOffset: Float64Array } {
  const converters = new Rng(seed, Purpose.converters, run, k);
  const dacOffset = new Float64Array(rows.length);
  const adcOffset = new Float64Array(image.target.params.adcsPerArray);
  if (noise.dacOffsetLsb > 0) {
    const passes = drivePasses(image);
    const signal = image.arrays[k]!.row.signal;
    const { dacBits } = image.target.params;
    // Per pass count, its weight (a handful of counts, one per row otherwise).
    const weightOf = new Map<number, number>();
    for (let i = 0; i < rows.length; i++) {
      const p = passes[signal[rows[i]!]!]!;
      if (!weightOf.has(p)) weightOf.set(p, passWeight(p, dacBits));
      const weight = weightOf.get(p)!;
      dacOffset[i] = noise.dacOffsetLsb * converters.gaussian() * weight;
    }
  }
  if (noise.adcOffsetLsb > 0)
    for (let i = 0; i < adcOffset.length; i++)
      adcOffset[i] = noise.adcOffsetLsb * converters.gaussian();
  return { dacOffset, adcOffset };
}

/** Refuses a device model too large to hold, with the numbers. */
export function checkDeviceSize(image: ChipImage): void {
  let cells = 0;
  image.arrays.forEach((_, k) => {
    const { rows, columns } = arrayShape(image, k);
    cells += rows.length * columns.length;
  });
  if (cells > MAX_DEVICE_CELLS) {
    fail("QS4D-E608", {
      file: image.file,
      cells,
      arrays: image.arrays.length,
      megabytes: Math.ceil((cells * 8) / 2 ** 20),
    });
  }
}

/** A conversion table as programmed: effective weights and constants per term slot. */
interface DeviceTable {
  /** Term slot q's entries are [ptr[q], ptr[q + 1]) of index (register) and weight. */
  readonly ptr: Int32Array;
  readonly index: Int32Array;
  readonly weight: Float64Array;
  /** Per term slot: the DAC offsets' current and the gMin currents (level spacings x codes). */
  readonly constant: Float64Array;
  /**
   * Per term slot, for read noise: the engine-wide index of its segment's sum V^2 and its
   * weight g^2 x (sum of the conversion's squared wire factors) x sigma^2 (0 for no segment),
   * so that a conversion's noise variance is sum over its slots of weight x sum V^2.
   */
  readonly noiseSegment: Int32Array;
  readonly noiseWeight: Float64Array;
  /** Per conversion: its ADC's offset. */
  readonly adcOffset: Float64Array;
  /**
   * Conversions read together: blocks of 8, 4 or 2 conversions c..c+w-1 whose term slots read
   * the same registers in the same order, or some of them (their columns share rows; blocks()),
   * read in one pass over the registers, each with its own sum in its own order. `blockWidth[c]` is the block's
   * conversions (1: read alone), `blockLanes[c]` its kernel width (the lanes beyond its
   * conversions read zero weights) and `blockStart[c]` its first weight in `blockWeight`
   * (interleaved: entry j of the lanes side by side; a conversion read alone has its weights
   * there too, for the kernel).
   */
  readonly blockWidth: Uint8Array;
  readonly blockLanes: Uint8Array;
  /** Per term slot of a block's first conversion: the registers the block reads, in `index`. */
  readonly blockIndexStart: Int32Array;
  readonly blockIndexEnd: Int32Array;
  readonly blockStart: Int32Array;
  readonly blockWeight: Float64Array;
}

/** Slot q's registers are among slot p's (both lists ascending, so in the same order). */
function within(ptr: Int32Array, index: Int32Array, q: number, p: number): boolean {
  let j = ptr[p]!;
  for (let i = ptr[q]!; i < ptr[q + 1]!; i++, j++) {
    while (j < ptr[p + 1]! && index[j]! < index[i]!) j++;
    if (j === ptr[p + 1]! || index[j] !== index[i]) return false;
  }
  return true;
}

/**
 * Conversion d joins a block whose slot k reads the registers of slot `cover[k]` when each of
 * its slots' registers are among the cover's or the other way round (the cover then moves to
 * d's slot): an array's output column reads its state columns' rows without their input row.
 */
function joins(ptr: Int32Array, index: Int32Array, cover: Int32Array, d: number): boolean {
  const terms = cover.length;
  for (let k = 0; k < terms; k++) {
    const q = d * terms + k;
    if (!within(ptr, index, q, cover[k]!) && !within(ptr, index, cover[k]!, q)) return false;
  }
  for (let k = 0; k < terms; k++) {
    const q = d * terms + k;
    if (ptr[q + 1]! - ptr[q]! > ptr[cover[k]! + 1]! - ptr[cover[k]!]!) cover[k] = q;
  }
  return true;
}

/**
 * DeviceTable's blocks: from each conversion c, the conversions after it that join it (at
 * most 8) are read as one block of the narrowest kernel width that holds them. A slot reads
 * the registers of its widest lane's slot; a lane without one of them reads it with weight 0,
 * and the lanes beyond the block's conversions read zero weights and store nothing. Adding
 * 0 x code to a sum changes no value (at most the sign of a zero sum, which reaches no code),
 * so each conversion gets the codes it would get alone. A run of 6 in 8 lanes: an 8-lane entry
 * costs about what a 4-lane one does, while a 4-lane and a 2-lane block cost both.
 */
function blocks(
  ptr: Int32Array,
  index: Int32Array,
  weight: Float64Array,
  terms: number,
  count: number,
): Pick<
  DeviceTable,
  "blockWidth" | "blockLanes" | "blockStart" | "blockWeight" | "blockIndexStart" | "blockIndexEnd"
> {
  const blockWidth = new Uint8Array(count).fill(1);
  const blockLanes = new Uint8Array(count).fill(1);
  const blockStart = new Int32Array(count).fill(-1);
  const blockIndexStart = new Int32Array(count * terms);
  const blockIndexEnd = new Int32Array(count * terms);
  const blockWeight = float64s();
  const widest = KERNEL_LANES[0];
  const cover = new Int32Array(terms);
  for (let c = 0; c < count; ) {
    for (let k = 0; k < terms; k++) cover[k] = c * terms + k;
    let width = 1;
    while (width < widest && c + width < count && joins(ptr, index, cover, c + width)) width++;
    let lanes = 1;
    for (const l of KERNEL_LANES) if (width > 1 && l >= width) lanes = l;
    blockWidth[c] = width;
    blockLanes[c] = lanes;
    blockStart[c] = blockWeight.length;
    for (let k = 0; k < terms; k++) {
      const p = cover[k]!;
      blockIndexStart[c * terms + k] = ptr[p]!;
      blockIndexEnd[c * terms + k] = ptr[p + 1]!;
      // Each lane's weights in the cover's register order, 0 where it has none.
      const at = Array.from({ length: lanes }, (_, i) =>
        i < width ? ptr[(c + i) * terms + k]! : 0,
      );
      for (let j = ptr[p]!; j < ptr[p + 1]!; j++) {
        for (let i = 0; i < lanes; i++) {
          const q = (c + i) * terms + k;
          const has = i < width && at[i]! < ptr[q + 1]! && index[at[i]!] === index[j];
          blockWeight.push(has ? weight[at[i]!++]! : 0);
        }
      }
    }
    c += width;
  }
  return {
    blockWidth,
    blockLanes,
    blockStart,
    blockWeight: blockWeight.done(),
    blockIndexStart,
    blockIndexEnd,
  };
}

/** Where the read noise of a table's term slots comes from (DeviceTable.noiseSegment). */
interface ReadNoiseLayout {
  /** Per array: the engine-wide index of its first segment's sum V^2. */
  readonly segmentBase: Int32Array;
  /** Read-noise sigma in level spacings (0: no read noise). */
  readonly sigma: number;
}

/**
 * Scratch of programTable, one term slot at a time: per register the sum of polarity x g over
 * the rows carrying it, in row order, and the sum of their polarities; the registers touched,
 * each listed once (a typed scratch, not a map per slot: a big chip has 100,000 slots a run).
 */
class RowWeights {
  private readonly weight: Float64Array;
  private readonly polarities: Float64Array;
  private readonly touched: Int32Array;
  /** The slot that last touched each register (1-based). */
  private readonly mark: Int32Array;
  private slot = 1;
  private count = 0;

  constructor(registers: number) {
    this.weight = new Float64Array(registers);
    this.polarities = new Float64Array(registers);
    this.touched = new Int32Array(registers);
    this.mark = new Int32Array(registers);
  }

  add(register: number, polarity: number, g: number): void {
    if (this.mark[register] !== this.slot) {
      this.mark[register] = this.slot;
      this.touched[this.count++] = register;
      this.weight[register] = 0;
      this.polarities[register] = 0;
    }
    this.weight[register]! += polarity * g;
    this.polarities[register]! += polarity;
  }

  /**
   * The slot's registers ascending with their nonzero totals w + (factorSum x gMinUnits) x
   * polarities (the gMin currents: 0 for a +v/-v pair, exactly, so that no rounding enters the
   * ideal case); the scratch moves to the next slot.
   */
  take(gMinCurrent: number, index: Growable<Int32Array>, weight: Growable<Float64Array>): void {
    sortAscending(this.touched, this.count);
    for (let i = 0; i < this.count; i++) {
      const register = this.touched[i]!;
      const total = this.weight[register]! + gMinCurrent * this.polarities[register]!;
      if (total === 0) continue;
      index.push(register);
      weight.push(total);
    }
    this.count = 0;
    this.slot++;
  }
}

/** Effective weights of every conversion of `table` from the programmed arrays. */
function programTable(
  table: ConversionTable,
  device: (k: number) => ArrayDevice,
  image: ChipImage,
  layout: ChipLayout,
  gMinUnits: number,
  readNoise: ReadNoiseLayout,
): DeviceTable {
  const slots = table.count * table.terms;
  const ptr = new Int32Array(slots + 1);
  const constant = new Float64Array(slots);
  const noiseSegment = new Int32Array(slots);
  const noiseWeight = new Float64Array(slots);
  const adcOffset = new Float64Array(table.count);
  const index = int32s();
  const weight = float64s();
  const scratch = new RowWeights(layout.registers);
  const wireSlot: number[] = [];
  const wireFactor: number[] = [];
  for (let c = 0; c < table.count; c++) {
    const k = table.array[c]!;
    const d = device(k);
    const a = image.arrays[k]!;
    adcOffset[c] = d.adcOffset[table.adc[c]!]!;
    wireSlot.length = 0;
    wireFactor.length = 0;
    let factorSquares = 0;
    let factorSum = 0;
    for (let w = table.wirePtr[c]!; w < table.wirePtr[c + 1]!; w++) {
      wireSlot.push(d.slot.get(table.wireCol[w]!)!);
      wireFactor.push(table.wireFactor[w]!);
      factorSquares += table.wireFactor[w]! ** 2;
      factorSum += table.wireFactor[w]!;
    }
    for (let q = c * table.terms; q < (c + 1) * table.terms; q++) {
      const range = d.segment.get(table.termSignal[q]!);
      if (table.termSignal[q]! >= 0 && range !== undefined) {
        noiseSegment[q] = readNoise.segmentBase[k]! + rangeId(d, table.termSignal[q]!);
        noiseWeight[q] = table.gain[q]! ** 2 * factorSquares * readNoise.sigma ** 2;
        let offsetCurrent = 0;
        for (let r = range[0]; r < range[1]; r++) {
          const row = d.rows[r]!;
          let g = 0;
          for (let i = 0; i < wireSlot.length; i++)
            g += wireFactor[i]! * d.cells[wireSlot[i]! * d.rows.length + r]!;
          const register = layout.offset[a.row.signal[row]!]! + a.row.element[row]!;
          scratch.add(register, a.row.polarity[row]!, g);
          offsetCurrent += (g + factorSum * gMinUnits) * d.dacOffset[r]!;
        }
        scratch.take(factorSum * gMinUnits, index, weight);
        constant[q] = offsetCurrent;
      }
      ptr[q + 1] = index.length;
    }
  }
  const indexes = index.done();
  const weights = weight.done();
  return {
    ptr,
    index: indexes,
    weight: weights,
    constant,
    noiseSegment,
    noiseWeight,
    adcOffset,
    ...blocks(ptr, indexes, weights, table.terms, table.count),
  };
}

/** A table's blocks as the kernel reads them: per term slot, its entries, constants and gains. */
function kernelBlocks(table: ConversionTable, dt: DeviceTable): Block[] {
  const { terms, gain } = table;
  const { constant } = dt;
  const out: Block[] = [];
  for (let c = 0; c < table.count; c += dt.blockWidth[c]!) {
    const [width, lanes] = [dt.blockWidth[c]!, dt.blockLanes[c]!];
    // A padding lane's constant and gain are 0; the kernel stores nothing of it.
    const laneValues = (v: ArrayLike<number>, q: number) =>
      Array.from({ length: lanes }, (_, i) => (i < width ? v[q + i * terms]! : 0));
    let weightStart = dt.blockStart[c]!;
    const slots = [];
    for (let q = c * terms; q < (c + 1) * terms; q++) {
      const [indexStart, indexEnd] = [dt.blockIndexStart[q]!, dt.blockIndexEnd[q]!];
      const entries = indexEnd - indexStart;
      slots.push({
        indexStart,
        indexEnd,
        weightStart,
        constants: laneValues(constant, q),
        gains: laneValues(gain, q),
      });
      weightStart += lanes * entries;
    }
    out.push({ conversion: c, width, lanes, slots });
  }
  return out;
}

/** The index of signal s's segment in array d (its order among the segments). */
function rangeId(d: ArrayShape, s: number): number {
  let i = 0;
  for (const key of d.segment.keys()) {
    if (key === s) return i;
    i++;
  }
  return -1;
}

/**
 * Every array's segments (engine-wide indexes) as sums of squared row voltages. A segment's
 * rows with V = p x code[e] + o (polarity, register, DAC offset) give
 *   sum_r V^2 = sum_e code[e] (n_e code[e] + b_e) + K,  n_e = rows on e, b_e = 2 sum p o, K = sum o^2,
 * one term per register instead of one per row (a +v/-v pair shares its register).
 */
interface SegmentSquares {
  /** Array k's segments are [segmentBase[k], segmentBase[k + 1]). */
  readonly segmentBase: Int32Array;
  /** Segment i's registers are [registerStart[i], registerStart[i + 1]) of the next three. */
  readonly registerStart: Int32Array;
  readonly register: Int32Array;
  readonly rowCount: Float64Array;
  readonly cross: Float64Array;
  /** Per segment: K. */
  readonly constant: Float64Array;
}

function segmentSquares(
  image: ChipImage,
  layout: ChipLayout,
  noise: NoiseParams,
  seed: number,
  run: number,
): SegmentSquares {
  const register: number[] = [];
  const rowCount: number[] = [];
  const cross: number[] = [];
  const constant: number[] = [];
  const registerStart = [0];
  const segmentBase = [0];
  image.arrays.forEach((a, k) => {
    const shape = arrayShape(image, k);
    const dacOffset = converterOffsets(image, k, shape.rows, noise, seed, run).dacOffset;
    for (const [start, end] of shape.segment.values()) {
      const byRegister = new Map<number, { n: number; b: number }>();
      let sum = 0;
      for (let i = start; i < end; i++) {
        const r = shape.rows[i]!;
        const e = layout.offset[a.row.signal[r]!]! + a.row.element[r]!;
        const o = dacOffset[i]!;
        const t = byRegister.get(e) ?? { n: 0, b: 0 };
        byRegister.set(e, { n: t.n + 1, b: t.b + 2 * a.row.polarity[r]! * o });
        sum += o * o;
      }
      for (const [e, { n, b }] of byRegister) {
        register.push(e);
        rowCount.push(n);
        cross.push(b);
      }
      registerStart.push(register.length);
      constant.push(sum);
    }
    segmentBase.push(constant.length);
  });
  return {
    segmentBase: Int32Array.from(segmentBase),
    registerStart: Int32Array.from(registerStart),
    register: Int32Array.from(register),
    rowCount: Float64Array.from(rowCount),
    cross: Float64Array.from(cross),
    constant: Float64Array.from(constant),
  };
}

/**
 * The programmed chip's reads: effective conductance x voltage sums, read noise, converter
 * offsets. With two samples it is a LockstepEngine: `second` is the other sample's registers
 * and read noise for its own stream, and readTwo reads both, each weight loaded once.
 */
export class DeviceEngine implements LockstepEngine {
  readonly registers: Int32Array;
  private readonly sums: Float64Array;
  private readonly tables = new Map<ConversionTable, DeviceTable>();
  private readonly codes = new Map<ConversionTable, Int32Array>();
  /** The register file and the primaries' blocks of 4 in WebAssembly (device-kernel.ts). */
  private readonly kernel: BlockKernel;
  private readonly packed = new Map<ConversionTable, PackedTable>();
  private readonly segments: SegmentSquares;
  private readonly ranges = new Map<ReadGroup, Int32Array>();
  /** Per segment (engine-wide): sum of the squared row voltages of the current read. */
  private readonly squares: Float64Array;
  private readonly readSigma: number;
  private readonly gMinUnits: number;
  /** The array programmed last: tables are built array by array, one array's cells at a time. */
  private last: { index: number; device: ArrayDevice } | null = null;
  /** Per sample: its read-noise stream (keyed by the sample's index in the batch). */
  private readonly readNoise: Rng[];
  /** The second sample as an engine for its stream (null: one sample). */
  readonly second: ReadEngine | null;
  /** Scratch: the analog values of a table's conversions, and their read-noise deviates. */
  private analogScratch = new Float64Array(0);
  private deviates = new Float64Array(0);
  private readonly blockSums = new Float64Array(Math.max(...KERNEL_LANES));

  constructor(
    private readonly image: ChipImage,
    private readonly layout: ChipLayout,
    groups: Iterable<ReadGroup>,
    private readonly noise: NoiseParams,
    private readonly seed: number,
    private readonly run: number,
    /** Samples the kernel holds registers for (2: two samples read in lockstep, readTwo). */
    sampleCount = 1,
  ) {
    const { levels, gMinUs, gMaxUs } = image.target.params;
    const dG = (gMaxUs - gMinUs) / (levels - 1);
    this.gMinUnits = gMinUs / dG;
    this.readSigma = (noise.read * gMaxUs) / dG;
    this.sums = new Float64Array(layout.registers);
    this.readNoise = Array.from({ length: sampleCount }, () => new Rng(seed, Purpose.read, run, 0));
    this.segments = segmentSquares(image, layout, noise, seed, run);
    // Mirror columns change nothing: their tables are built only if a probe asks for them, and
    // read in JavaScript; the primaries' are packed in the kernel's memory once, here.
    const primaries = [...groups].map((g) => g.primaries);
    const sources = primaries.map((t) => ({
      ...this.table(t),
      count: t.count,
      terms: t.terms,
      limit: t.limit,
      blocks: kernelBlocks(t, this.table(t)),
    }));
    this.kernel = new BlockKernel(layout.registers, this.segments, sources, sampleCount);
    this.registers = this.kernel.registers;
    this.squares = this.kernel.squares;
    this.second = sampleCount === 2 ? this.secondSample() : null;
    primaries.forEach((t, i) => {
      const packed = this.kernel.pack(sources[i]!);
      this.packed.set(t, packed);
      this.tables.set(t, { ...sources[i]!, index: packed.index, blockWeight: packed.blockWeight });
    });
    this.last = null;
  }

  /** The second sample's registers and read-noise stream; its reads are readTwo's. */
  private secondSample(): ReadEngine {
    return {
      registers: this.kernel.samples[1]!.registers,
      beginSample: (sample) => this.beginSample(sample, 1),
      read: () => {
        throw new Error("the second sample of a lockstep engine is read by readTwo only");
      },
    };
  }

  private device(k: number): ArrayDevice {
    if (this.last?.index !== k) {
      this.last = {
        index: k,
        device: programArray(this.image, k, this.noise, this.seed, this.run),
      };
    }
    return this.last.device;
  }

  private table(table: ConversionTable): DeviceTable {
    let dt = this.tables.get(table);
    if (dt === undefined) {
      dt = programTable(table, (k) => this.device(k), this.image, this.layout, this.gMinUnits, {
        segmentBase: this.segments.segmentBase,
        sigma: this.readSigma,
      });
      this.tables.set(table, dt);
      this.codes.set(table, new Int32Array(table.count));
    }
    return dt;
  }

  beginSample(sample: number, s = 0): void {
    this.readNoise[s] = new Rng(this.seed, Purpose.read, this.run, sample);
  }

  /**
   * Multiply-adds of one read of `table`: its effective weights. Once programming error is
   * drawn every erased cell of a driven row conducts, so this counts every driven register of
   * each term, not only the programmed cells (the bench reports it beside the ideal chip's).
   */
  multiplyAdds(table: ConversionTable): number {
    return this.table(table).weight.length;
  }

  read(group: ReadGroup, probe: ReadProbe | null): void {
    if (this.readSigma > 0) this.rowSquares(group);
    const primaries = this.convert(group.primaries);
    if (probe !== null)
      probe.conversions(group, this.registers, primaries, this.convert(group.mirrors));
    commit(group, primaries, this.registers, this.sums);
    probe?.committed(group, this.registers);
  }

  readTwo(group: ReadGroup): void {
    const table = group.primaries;
    const packed = this.packed.get(table)!;
    const noisy = this.readSigma > 0;
    if (noisy) this.rowSquares(group, true);
    this.kernel.runTwo(packed);
    for (let s = 0; s < 2; s++) {
      if (noisy) this.kernel.gaussians(this.readNoise[s]!, table.count, s);
      const codes = this.kernel.codes(packed, noisy, s);
      commit(group, codes, this.kernel.samples[s]!.registers, this.sums);
    }
  }

  /** The sums of squared row voltages over the group's segments (its read noise), of both samples with `two`. */
  private rowSquares(group: ReadGroup, two = false): void {
    const ranges = this.segmentRanges(group);
    for (let i = 0; i < ranges.length; i += 2) {
      if (two) this.kernel.rowSquaresTwo(ranges[i]!, ranges[i + 1]!);
      else this.kernel.rowSquares(ranges[i]!, ranges[i + 1]!);
    }
  }

  /**
   * The segments of the group's arrays as [from, to) pairs, adjacent ones merged: their sums of
   * V^2 (V = polarity x code + DAC offset) are what the read noise of this read needs.
   */
  private segmentRanges(group: ReadGroup): Int32Array {
    let ranges = this.ranges.get(group);
    if (ranges === undefined) {
      const { segmentBase } = this.segments;
      const out: number[] = [];
      for (const k of group.arrays) {
        const [from, to] = [segmentBase[k]!, segmentBase[k + 1]!];
        if (out.length > 0 && out[out.length - 1] === from) out[out.length - 1] = to;
        else out.push(from, to);
      }
      ranges = Int32Array.from(out);
      this.ranges.set(group, ranges);
    }
    return ranges;
  }

  private convert(table: ConversionTable): Int32Array {
    const dt = this.table(table);
    const packed = this.packed.get(table);
    if (packed === undefined) return this.convertInScript(table, dt);
    const noisy = this.readSigma > 0;
    this.kernel.run(packed);
    if (noisy) this.kernel.gaussians(this.readNoise[0]!, table.count);
    return this.kernel.codes(packed, noisy);
  }

  /** The analog values of the conversions read alone (no block). */
  private singles(table: ConversionTable, dt: DeviceTable, analog: Float64Array): void {
    for (let c = 0; c < table.count; c += dt.blockWidth[c]!)
      if (dt.blockWidth[c] === 1) analog[c] = this.analog(table, dt, c);
  }

  /**
   * convert() in JavaScript, for the tables the kernel does not hold (mirrors, read for a
   * trace): the same operations in the same order as the kernel's.
   */
  private convertInScript(table: ConversionTable, dt: DeviceTable): Int32Array {
    const out = this.codes.get(table)!;
    const analog = this.analogs(table.count);
    for (let c = 0; c < table.count; c += dt.blockWidth[c]!)
      if (dt.blockWidth[c]! > 1) this.convertBlock(table, dt, c, analog);
    this.singles(table, dt, analog);
    if (this.readSigma > 0) this.addReadNoise(table, dt, analog);
    const { adcOffset } = dt;
    const { limit } = table;
    for (let c = 0; c < table.count; c++) out[c] = adcCode(analog[c]! + adcOffset[c]!, limit[c]!);
    return out;
  }

  /** A scratch vector of n analog values. */
  private analogs(n: number): Float64Array {
    if (this.analogScratch.length < n) this.analogScratch = new Float64Array(n);
    return this.analogScratch;
  }

  /**
   * Read noise: conversion c gets one Gaussian of variance sum over its term slots of
   * weight x sum V^2 of the slot's segment; the draws are taken in conversion order.
   */
  private addReadNoise(table: ConversionTable, dt: DeviceTable, analog: Float64Array): void {
    const { noiseSegment, noiseWeight } = dt;
    const { terms, count } = table;
    const squares = this.squares;
    if (this.deviates.length < count) this.deviates = new Float64Array(count);
    const deviates = this.deviates;
    this.readNoise[0]!.gaussians(deviates, count);
    if (terms === 2) {
      // The common case (a state term and an input term) without the inner loop.
      for (let c = 0, q = 0; c < count; c++, q += 2) {
        const variance =
          noiseWeight[q]! * squares[noiseSegment[q]!]! +
          noiseWeight[q + 1]! * squares[noiseSegment[q + 1]!]!;
        analog[c]! += Math.sqrt(variance) * deviates[c]!;
      }
      return;
    }
    for (let c = 0; c < count; c++) {
      let variance = 0;
      for (let q = c * terms; q < (c + 1) * terms; q++)
        variance += noiseWeight[q]! * squares[noiseSegment[q]!]!;
      analog[c]! += Math.sqrt(variance) * deviates[c]!;
    }
  }

  /** Conversion c's analog value without read noise: its terms' sums times their gains. */
  private analog(table: ConversionTable, dt: DeviceTable, c: number): number {
    const { ptr, index, weight, constant } = dt;
    const { terms, gain } = table;
    const registers = this.registers;
    let analog = 0;
    for (let q = c * terms; q < (c + 1) * terms; q++) {
      let s = constant[q]!;
      const end = ptr[q + 1]!;
      for (let j = ptr[q]!; j < end; j++) s += weight[j]! * registers[index[j]!]!;
      analog += gain[q]! * s;
    }
    return analog;
  }

  /**
   * Conversions c..c+w-1 (a block: the same registers in every term slot) in one pass over the
   * registers, w sums side by side, each from its constant and in entry order, so that each
   * analog value is analog()'s and the kernel's (device-kernel.ts). Tables the kernel does not
   * hold (mirrors, read for a trace) come here.
   */
  private convertBlock(
    table: ConversionTable,
    dt: DeviceTable,
    c: number,
    analog: Float64Array,
  ): void {
    const { index, constant, blockWeight } = dt;
    const { terms, gain } = table;
    const [width, lanes] = [dt.blockWidth[c]!, dt.blockLanes[c]!];
    const registers = this.registers;
    const sums = this.blockSums;
    for (let i = 0; i < width; i++) analog[c + i] = 0;
    let at = dt.blockStart[c]!;
    for (let q = c * terms; q < (c + 1) * terms; q++) {
      for (let i = 0; i < width; i++) sums[i] = constant[q + i * terms]!;
      for (let j = dt.blockIndexStart[q]!; j < dt.blockIndexEnd[q]!; j++, at += lanes) {
        const r = registers[index[j]!]!;
        for (let i = 0; i < width; i++) sums[i]! += blockWeight[at + i]! * r;
      }
      for (let i = 0; i < width; i++) analog[c + i]! += gain[q + i * terms]! * sums[i]!;
    }
  }
}
