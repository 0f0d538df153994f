// Energy by component (docs/simulator.md §6), counted from the same events the timing model
// schedules, priced with the target's energy table (each coefficient keeps its source), and the
// efficiency beside the NVIDIA Jetson Nano (472 GFLOPS FP16 at 5-10 W, its data sheet).

import type { ChipImage } from "../emit/chip-image.js";
import type { ReadGroup } from "./conversions.js";
import type { Timing } from "./timing.js";

export interface EventCounts {
  /** Per sample. */
  readonly arrayReads: number;
  readonly dacConversions: number;
  readonly adcConversions: number;
  readonly registerAccesses: number;
  readonly digitalOps: number;
  /** Nonzero effective weights used by the stored conversions: the analog MACs. */
  readonly analogMacs: number;
  /** Every cell of every array read (rows x cols per array read). */
  readonly cellOps: number;
}

export interface Component {
  readonly events: number;
  readonly picojoulesEach: number;
  readonly picojoules: number;
  readonly source: string;
}

export interface Energy {
  readonly perSample: Readonly<Record<"adc" | "dac" | "array" | "digital" | "register", Component>>;
  readonly totalPicojoulesPerSample: number;
  readonly picojoulesPerStep: number;
  /** 2 per analog MAC + the digital operations. */
  readonly opsPerSample: number;
  readonly topsPerWatt: number;
  /** Average power at the batch's throughput. */
  readonly watts: number;
  readonly jetsonNano: JetsonReference;
}

export interface JetsonReference {
  readonly gflops: number;
  readonly watts: readonly [number, number];
  readonly topsPerWatt: readonly [number, number];
  /** The same operations at the Jetson's peak rate and power, per sample. */
  readonly picojoulesPerSample: readonly [number, number];
  readonly source: string;
}

export const JETSON_NANO = {
  gflops: 472,
  watts: [5, 10] as const,
  source: "NVIDIA Jetson Nano: 472 GFLOPS (FP16) at 5-10 W (NVIDIA Jetson Nano data sheet)",
};

/** Events of one sample: every read of every array op, and the digital ops of the timing model. */
export function countEvents(
  image: ChipImage,
  groups: ReadonlyMap<number, ReadGroup>,
  timing: Timing,
): EventCounts {
  let arrayReads = 0;
  let dac = 0;
  let adc = 0;
  let registers = 0;
  let macs = 0;
  let cells = 0;
  for (const [opIndex, group] of groups) {
    const stage = timing.stages.find((s) => s.ops.includes(opIndex))!;
    const reads = stage.items;
    // A read is P passes (signals wider than the DAC): each drives every row and reads the arrays.
    const passes = group.passes;
    const driven = drivenRegisters(image, group);
    arrayReads += reads * passes * group.arrays.length;
    dac += reads * passes * driven.rows;
    // One conversion per conversion step (a readout wider than the ADC takes several).
    adc += reads * (sum(group.primaries.adcSteps) + sum(group.mirrors.adcSteps));
    const written = group.written.reduce((n, w) => n + w.length, 0);
    // The accumulate commit reads each accumulated register before writing it back.
    registers += reads * (driven.registers + written + group.accumulated);
    macs += reads * group.primaries.ideal.entries;
    for (const k of group.arrays)
      cells += reads * passes * image.arrays[k]!.rows * image.arrays[k]!.cols;
  }
  return {
    arrayReads,
    dacConversions: dac,
    adcConversions: adc,
    registerAccesses: registers,
    digitalOps: timing.digitalOps,
    analogMacs: macs,
    cellOps: cells,
  };
}

function sum(values: Int32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Rows driven by the group's term signals (one DAC each) and the distinct registers they read. */
function drivenRegisters(image: ChipImage, group: ReadGroup): { rows: number; registers: number } {
  const signals = new Set<number>();
  for (const s of group.primaries.termSignal) if (s >= 0) signals.add(s);
  let rows = 0;
  const registers = new Set<string>();
  for (const k of group.arrays) {
    const a = image.arrays[k]!;
    for (let r = 0; r < a.rows; r++) {
      if (!signals.has(a.row.signal[r]!)) continue;
      rows++;
      registers.add(`${a.row.signal[r]}:${a.row.element[r]}`);
    }
  }
  return { rows, registers: registers.size };
}

export function chipEnergy(image: ChipImage, events: EventCounts, timing: Timing): Energy {
  const e = image.target.description.energy;
  const part = (events: number, c: { value: number; source: string }): Component => ({
    events,
    picojoulesEach: c.value,
    picojoules: events * c.value,
    source: c.source,
  });
  const perSample = {
    adc: part(events.adcConversions, e.adcConversionPj),
    dac: part(events.dacConversions, e.dacConversionPj),
    array: part(events.arrayReads, e.arrayReadPj),
    digital: part(events.digitalOps, e.digitalOpPj),
    register: part(events.registerAccesses, e.registerAccessPj),
  };
  const total = Object.values(perSample).reduce((s, c) => s + c.picojoules, 0);
  const ops = 2 * events.analogMacs + events.digitalOps;
  const seconds = (timing.sampleIntervalCycles * timing.cycleNs) / 1e9;
  const jetsonSeconds = ops / (JETSON_NANO.gflops * 1e9);
  return {
    perSample,
    totalPicojoulesPerSample: total,
    picojoulesPerStep: total / timing.length,
    opsPerSample: ops,
    topsPerWatt: ops / total,
    watts: seconds > 0 ? (total * 1e-12) / seconds : 0,
    jetsonNano: {
      gflops: JETSON_NANO.gflops,
      watts: JETSON_NANO.watts,
      topsPerWatt: [JETSON_NANO.gflops / 1000 / 10, JETSON_NANO.gflops / 1000 / 5],
      picojoulesPerSample: [jetsonSeconds * 5 * 1e12, jetsonSeconds * 10 * 1e12],
      source: JETSON_NANO.source,
    },
  };
}
