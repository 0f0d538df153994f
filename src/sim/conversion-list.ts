// The conversions of a read group, gathered from chip.bin's arrays in one pass over their
// readouts (conversions.ts compiles its tables from them). A conversion is a slice-0 readout
// plus the columns of its higher slices (weight levels^j): one ADC conversion per output, however
// many slices its weights have. The lists are flat typed arrays, not an object per conversion: a
// big chip has a hundred thousand conversions and preparing it is on every command's way.

import { fail } from "../diag/error.js";
import type { ChipArray, ChipImage } from "../emit/chip-image.js";
import { float64s, int32s } from "../util/growable.js";
import { convertSteps } from "./steps.js";

/** Conversion c reads readout `readout[c]` of array `array[c]`. */
export interface ConversionList {
  readonly count: number;
  readonly array: Int32Array;
  readonly readout: Int32Array;
  /** Columns summed before the ADC: conversion c's are [wirePtr[c], wirePtr[c + 1]). */
  readonly wirePtr: Int32Array;
  readonly wireCol: Int32Array;
  /** Column sign x levels^slice. */
  readonly wireFactor: Float64Array;
}

export interface GroupConversions {
  /** Polarity +1 readouts, by array then readout. */
  readonly primaries: ConversionList;
  /** Polarity -1 readouts (row-polarity mirror columns), by array then readout. */
  readonly mirrors: ConversionList;
  /** Arrays with at least one conversion, ascending. */
  readonly arrays: number[];
  /** Per array of `arrays`: conversion steps on its busiest ADC (ReadGroup.adcRounds). */
  readonly adcRounds: Int32Array;
}

type Readouts = ChipArray["readout"];

class ListBuilder {
  private readonly array = int32s();
  private readonly readout = int32s();
  private readonly wirePtr = int32s();
  private readonly wireCol = int32s();
  private readonly wireFactor = float64s();

  constructor() {
    this.wirePtr.push(0);
  }

  open(k: number, r: number): void {
    this.array.push(k);
    this.readout.push(r);
  }

  /** Readout i's columns into the open conversion: colPlus x factor, colMinus x -factor. */
  wires(ro: Readouts, i: number, factor: number): void {
    this.wireCol.push(ro.colPlus[i]!);
    this.wireFactor.push(factor);
    if (ro.colMinus[i]! < 0) return;
    this.wireCol.push(ro.colMinus[i]!);
    this.wireFactor.push(-factor);
  }

  close(): void {
    this.wirePtr.push(this.wireCol.length);
  }

  done(): ConversionList {
    return {
      count: this.array.length,
      array: this.array.done(),
      readout: this.readout.done(),
      wirePtr: this.wirePtr.done(),
      wireCol: this.wireCol.done(),
      wireFactor: this.wireFactor.done(),
    };
  }
}

/** ADCs per array up to which the tally is a dense table, not a map. */
const DENSE_ADCS = 1 << 16;

/** Conversion steps per ADC of one array at a time; `most` reads the busiest and clears. */
class AdcTally {
  // A hostile chip may name 2^24 ADCs per array: a map then, not a dense table.
  private readonly dense: Int32Array | null;
  private readonly sparse = new Map<number, number>();
  private readonly used: number[] = [];

  constructor(adcsPerArray: number) {
    this.dense = adcsPerArray <= DENSE_ADCS ? new Int32Array(adcsPerArray) : null;
  }

  add(adc: number, steps: number): void {
    const dense = this.dense;
    if (dense === null) this.sparse.set(adc, (this.sparse.get(adc) ?? 0) + steps);
    else {
      if (dense[adc] === 0) this.used.push(adc);
      dense[adc]! += steps;
    }
  }

  most(): number {
    let most = 0;
    for (const steps of this.sparse.values()) most = Math.max(most, steps);
    for (const adc of this.used) {
      most = Math.max(most, this.dense![adc]!);
      this.dense![adc] = 0;
    }
    this.sparse.clear();
    this.used.length = 0;
    return most;
  }
}

/** The conversions of every array writing a signal with wanted[signal] === 1. */
export function groupConversions(image: ChipImage, wanted: Uint8Array): GroupConversions {
  const { adcBits, adcsPerArray } = image.target.params;
  const primaries = new ListBuilder();
  const mirrors = new ListBuilder();
  const tally = new AdcTally(adcsPerArray);
  const arrays: number[] = [];
  const rounds: number[] = [];
  image.arrays.forEach((a, k) => {
    const ro = a.readout;
    const slices = higherSlices(image, k, wanted);
    let any = false;
    for (let i = 0; i < a.readouts; i++) {
      if (wanted[ro.signal[i]!] !== 1 || ro.slice[i] !== 0) continue;
      any = true;
      // An unplaced chip has no ADC assignment: the readouts are spread over the ADCs.
      tally.add(
        ro.adc[i]! >= 0 ? ro.adc[i]! : i % adcsPerArray,
        convertSteps(ro.limit[i]!, adcBits),
      );
      const list = ro.polarity[i]! > 0 ? primaries : mirrors;
      list.open(k, i);
      list.wires(ro, i, 1);
      for (const j of slices?.get(i) ?? [])
        list.wires(ro, j, image.target.params.levels ** ro.slice[j]!);
      list.close();
    }
    if (!any) return;
    arrays.push(k);
    rounds.push(tally.most());
  });
  return {
    primaries: primaries.done(),
    mirrors: mirrors.done(),
    arrays,
    adcRounds: Int32Array.from(rounds),
  };
}

/**
 * Array k's readouts of slices above 0 writing wanted signals, by the slice-0 readout of the same
 * (signal, element, polarity) they add to, in readout order; null when it has none (the usual chip).
 */
function higherSlices(
  image: ChipImage,
  k: number,
  wanted: Uint8Array,
): Map<number, number[]> | null {
  const ro = image.arrays[k]!.readout;
  const count = image.arrays[k]!.readouts;
  let sliced = false;
  for (let i = 0; i < count && !sliced; i++)
    sliced = wanted[ro.signal[i]!] === 1 && ro.slice[i] !== 0;
  if (!sliced) return null;
  // (signal, element, polarity) as one number: signals and elements are below 2^24 (chip-read).
  const key = (i: number) =>
    (ro.signal[i]! * 2 ** 24 + ro.element[i]!) * 2 + (ro.polarity[i]! > 0 ? 1 : 0);
  const slice0 = new Map<number, number>();
  for (let i = 0; i < count; i++)
    if (wanted[ro.signal[i]!] === 1 && ro.slice[i] === 0) slice0.set(key(i), i);
  const bySlice0 = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    if (wanted[ro.signal[i]!] !== 1 || ro.slice[i] === 0) continue;
    const into = slice0.get(key(i));
    if (into === undefined) {
      fail("QS4D-E607", {
        file: image.file,
        reason: `array ${k} readout ${i} is slice ${ro.slice[i]} of an output with no slice 0`,
      });
    }
    if (ro.shift[i] !== ro.shift[into]) {
      fail("QS4D-E607", {
        file: image.file,
        reason: `array ${k} readout ${i} (slice ${ro.slice[i]}) has shift ${ro.shift[i]}, its slice 0 (readout ${into}) ${ro.shift[into]}`,
      });
    }
    const list = bySlice0.get(into);
    if (list === undefined) bySlice0.set(into, [i]);
    else list.push(i);
  }
  return bySlice0;
}
