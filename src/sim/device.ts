// The device model (docs/simulator.md §4): the chip as programmed, cell by cell, and its reads
// with noise. Units: conductances in level spacings dG = (gMax - gMin)/(levels - 1), so an ideal
// cell at level l is gMin/dG + l; voltages in DAC codes; the analog value in ADC LSBs as in
// docs/chip-arithmetic.md §2 (the term gains are the per-row-group DAC gain over the ADC LSB).
//
// A column's current is sum_r G[r][c] V[r] over every driven row of the term's signal, level-0
// cells included (on the ideal chip their gMin currents cancel between the +v/-v rows; with
// programming error, stuck cells or DAC offsets they no longer do). The sum is split as
// sum_r (l + e)[r][c] V[r] + (gMin/dG) sum_r V[r], which is exact when e = 0 and the DACs have no
// offset, so the device model without noise computes the ideal chip's codes bit for bit.
// Read noise (independent per cell and read, sigma relative to gMax) adds to a column a
// Gaussian of variance sigma^2 sum_r V[r]^2: one draw per conversion, exact in distribution.

import { fail } from "../diag/error.js";
import type { ChipImage } from "../emit/chip-image.js";
import { type ConversionTable, columnCells, type ReadGroup } from "./conversions.js";
import { adcCode, commit, type ReadEngine, type ReadProbe } from "./engine.js";
import type { ChipLayout } from "./layout.js";
import type { NoiseParams } from "./noise.js";
import { Purpose, Rng } from "./rng.js";

/** Beyond this many modelled cells (8 bytes each) the device model refuses to run. */
const MAX_DEVICE_CELLS = 64 * 1024 * 1024;

/** One array as programmed: driven rows grouped by signal, converted columns, cell values. */
export interface ArrayDevice {
  /** Driven rows in model order (grouped by signal, ascending row within a signal). */
  readonly rows: Int32Array;
  /** Per model row: flat register index and polarity of its DAC code. */
  readonly rowRegister: Int32Array;
  readonly rowPolarity: Int32Array;
  /** Signal -> its model rows [start, end). */
  readonly segment: ReadonlyMap<number, readonly [number, number]>;
  /** Converted columns, ascending; slot of a column in `cells`. */
  readonly columns: Int32Array;
  readonly slot: ReadonlyMap<number, number>;
  /** [columns x rows]: level + programming deviation, in level spacings. */
  readonly cells: Float64Array;
  readonly dacOffset: Float64Array;
  readonly adcOffset: Float64Array;
  /** Cells forced to gMax / gMin by this programming, and all modelled cells. */
  readonly stuckOn: number;
  readonly stuckOff: number;
}

/** The modelled part of each array: every driven row x every converted column. */
function arrayShape(image: ChipImage, k: number) {
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
  return { rows: Int32Array.from(rows), segment, columns: Int32Array.from([...columns].sort((x, y) => x - y)) };
}

/** Programs array k for Monte Carlo run `run`: draws are keyed by (seed, run, array). */
export function programArray(
  image: ChipImage,
  layout: ChipLayout,
  k: number,
  noise: NoiseParams,
  seed: number,
  run: number,
): ArrayDevice {
  const a = image.arrays[k]!;
  const { levels, gMinUs, gMaxUs } = image.target.params;
  const dG = (gMaxUs - gMinUs) / (levels - 1);
  const floor = -gMinUs / dG; // G = 0
  const sigma = (noise.programming * gMaxUs) / dG;
  const { rows, segment, columns } = arrayShape(image, k);
  const slot = new Map<number, number>();
  columns.forEach((c, i) => slot.set(c, i));
  const n = rows.length;
  const cells = new Float64Array(columns.length * n);
  const position = new Int32Array(a.rows).fill(-1);
  rows.forEach((r, i) => (position[r] = i));
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
  const stuckAny = noise.stuckOn + noise.stuckOff > 0;
  for (let i = 0; i < cells.length; i++) {
    if (sigma > 0) cells[i] = Math.max(floor, cells[i]! + sigma * programming.gaussian());
    if (!stuckAny) continue;
    const u = stuck.uniform();
    if (u < noise.stuckOn) {
      cells[i] = levels - 1;
      stuckOn++;
    } else if (u < noise.stuckOn + noise.stuckOff) {
      cells[i] = 0;
      stuckOff++;
    }
  }
  const converters = new Rng(seed, Purpose.converters, run, k);
  const dacOffset = new Float64Array(n);
  const adcOffset = new Float64Array(image.target.params.adcsPerArray);
  if (noise.dacOffsetLsb > 0) for (let i = 0; i < n; i++) dacOffset[i] = noise.dacOffsetLsb * converters.gaussian();
  if (noise.adcOffsetLsb > 0)
    for (let i = 0; i < adcOffset.length; i++) adcOffset[i] = noise.adcOffsetLsb * converters.gaussian();
  return {
    rows,
    rowRegister: Int32Array.from(rows, (r) => layout.offset[a.row.signal[r]!]! + a.row.element[r]!),
    rowPolarity: Int32Array.from(rows, (r) => a.row.polarity[r]!),
    segment,
    columns,
    slot,
    cells,
    dacOffset,
    adcOffset,
    stuckOn,
    stuckOff,
  };
}

/** Refuses a device model too large to hold (coded error with the numbers). */
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

/** Per-conversion device data of one table: wire slots and term segments resolved. */
interface DeviceTable {
  readonly table: ConversionTable;
  readonly wireSlot: Int32Array;
  /** [count * terms]: model-row segment of each term (start, end), -1 when unused. */
  readonly segStart: Int32Array;
  readonly segEnd: Int32Array;
  readonly factorSum: Float64Array;
  readonly factorSquares: Float64Array;
}

function deviceTable(table: ConversionTable, devices: readonly ArrayDevice[]): DeviceTable {
  const wireSlot = new Int32Array(table.wireCol.length);
  const segStart = new Int32Array(table.count * table.terms).fill(-1);
  const segEnd = new Int32Array(table.count * table.terms).fill(-1);
  const factorSum = new Float64Array(table.count);
  const factorSquares = new Float64Array(table.count);
  for (let c = 0; c < table.count; c++) {
    const d = devices[table.array[c]!]!;
    for (let w = table.wirePtr[c]!; w < table.wirePtr[c + 1]!; w++) {
      wireSlot[w] = d.slot.get(table.wireCol[w]!)!;
      factorSum[c]! += table.wireFactor[w]!;
      factorSquares[c]! += table.wireFactor[w]! ** 2;
    }
    for (let k = 0; k < table.terms; k++) {
      const q = c * table.terms + k;
      const seg = d.segment.get(table.termSignal[q]!);
      if (table.termSignal[q]! >= 0 && seg !== undefined) [segStart[q], segEnd[q]] = seg;
    }
  }
  return { table, wireSlot, segStart, segEnd, factorSum, factorSquares };
}

/** The programmed chip's reads: conductance x voltage sums, read noise, converter offsets. */
export class DeviceEngine implements ReadEngine {
  readonly registers: Int32Array;
  private readonly sums: Float64Array;
  private readonly voltage: Float64Array[];
  private readonly tables = new Map<ConversionTable, DeviceTable>();
  private readonly codes = new Map<ConversionTable, Int32Array>();
  private readonly gMinUnits: number;
  private readonly readSigma: number;
  private readNoise: Rng;

  constructor(
    image: ChipImage,
    layout: ChipLayout,
    readonly devices: readonly ArrayDevice[],
    noise: NoiseParams,
    private readonly seed: number,
    private readonly run: number,
  ) {
    const { levels, gMinUs, gMaxUs } = image.target.params;
    const dG = (gMaxUs - gMinUs) / (levels - 1);
    this.gMinUnits = gMinUs / dG;
    this.readSigma = (noise.read * gMaxUs) / dG;
    this.registers = new Int32Array(layout.registers);
    this.sums = new Float64Array(layout.registers);
    this.voltage = devices.map((d) => new Float64Array(d.rows.length));
    this.readNoise = new Rng(seed, Purpose.read, run, 0);
  }

  beginSample(sample: number): void {
    this.readNoise = new Rng(this.seed, Purpose.read, this.run, sample);
  }

  read(group: ReadGroup, probe: ReadProbe | null): void {
    for (const k of group.arrays) this.drive(k);
    const primaries = this.convert(group.primaries);
    if (probe !== null) probe.conversions(group, this.registers, primaries, this.convert(group.mirrors));
    commit(group, primaries, this.registers, this.sums);
    probe?.committed(group, this.registers);
  }

  /** Row voltages of array k from the registers: polarity x code + the DAC's offset. */
  private drive(k: number): void {
    const d = this.devices[k]!;
    const v = this.voltage[k]!;
    for (let i = 0; i < v.length; i++) {
      v[i] = d.rowPolarity[i]! * this.registers[d.rowRegister[i]!]! + d.dacOffset[i]!;
    }
  }

  private convert(table: ConversionTable): Int32Array {
    let dt = this.tables.get(table);
    if (dt === undefined) {
      dt = deviceTable(table, this.devices);
      this.tables.set(table, dt);
      this.codes.set(table, new Int32Array(table.count));
    }
    const out = this.codes.get(table)!;
    for (let c = 0; c < table.count; c++) out[c] = this.conversion(dt, c);
    return out;
  }

  private conversion(dt: DeviceTable, c: number): number {
    const { table, wireSlot, segStart, segEnd } = dt;
    const k = table.array[c]!;
    const d = this.devices[k]!;
    const v = this.voltage[k]!;
    const n = v.length;
    let analog = 0;
    let variance = 0;
    for (let q = c * table.terms; q < (c + 1) * table.terms; q++) {
      const start = segStart[q]!;
      if (start < 0) continue;
      const end = segEnd[q]!;
      let s = 0;
      for (let w = table.wirePtr[c]!; w < table.wirePtr[c + 1]!; w++) {
        const base = wireSlot[w]! * n;
        let dot = 0;
        for (let r = start; r < end; r++) dot += d.cells[base + r]! * v[r]!;
        s += table.wireFactor[w]! * dot;
      }
      let sumV = 0;
      let sumV2 = 0;
      for (let r = start; r < end; r++) {
        sumV += v[r]!;
        sumV2 += v[r]! * v[r]!;
      }
      s += this.gMinUnits * dt.factorSum[c]! * sumV;
      const g = table.gain[q]!;
      analog += g * s;
      variance += g * g * sumV2;
    }
    if (this.readSigma > 0) {
      analog += this.readSigma * Math.sqrt(variance * dt.factorSquares[c]!) * this.readNoise.gaussian();
    }
    analog += d.adcOffset[table.adc[c]!]!;
    return adcCode(analog, table.limit[c]!);
  }
}
