// How many steps a wide value takes through the converters (docs/chip-arithmetic.md §2): a
// readout wider than the ADC is converted in several steps, a signal wider than the DAC is
// driven in several passes.

import type { ChipImage } from "../emit/chip-image.js";

/** Bits of a non-negative integer limit: the smallest m with 2^m - 1 >= limit. */
export function limitBits(limit: number): number {
  return limit <= 0 ? 0 : 32 - Math.clz32(limit);
}

/**
 * DAC passes of a row driven by a signal of this limit: ceil(m / (dacBits - 1)), at least 1
 * (docs/chip-arithmetic.md §2, "Signals wider than the DAC").
 */
export function dacPasses(limit: number, dacBits: number): number {
  return Math.max(1, Math.ceil(limitBits(limit) / Math.max(1, dacBits - 1)));
}

/**
 * ADC steps of a conversion with this readout limit: ceil(m / (adcBits - 1)), at least 1
 * (docs/chip-arithmetic.md §2, "Readouts wider than the ADC").
 */
export function convertSteps(limit: number, adcBits: number): number {
  return Math.max(1, Math.ceil(limitBits(limit) / Math.max(1, adcBits - 1)));
}

const passCache = new WeakMap<ChipImage, Int32Array>();

/**
 * Per signal: the DAC passes of the reads that drive it, i.e. of the read group (the readouts
 * writing one op's signals) whose terms it is among: its widest term signal's passes. All rows
 * of a read are driven in each of its passes (a narrow signal's upper digits are 0). 1 for a
 * signal that drives nothing.
 */
export function drivePasses(image: ChipImage): Int32Array {
  const known = passCache.get(image);
  if (known !== undefined) return known;
  const passes = new Int32Array(image.signals.length).fill(1);
  const { dacBits } = image.target.params;
  for (const op of image.program) {
    // The signals an array op's read writes (stream.ts writtenSignals).
    if (op.op !== "ssm" && op.op !== "crossbar-linear") continue;
    const wanted = new Set(op.op === "ssm" ? [op.stateSignal, op.outputSignal] : [op.outputSignal]);
    const driven = new Set<number>();
    for (const a of image.arrays) {
      for (let i = 0; i < a.readouts; i++) {
        if (!wanted.has(a.readout.signal[i]!)) continue;
        for (let k = 0; k < a.terms; k++) {
          const s = a.term.signal[i * a.terms + k]!;
          if (s >= 0) driven.add(s);
        }
      }
    }
    const p = Math.max(1, ...[...driven].map((s) => dacPasses(image.signals[s]!.limit, dacBits)));
    for (const s of driven) passes[s] = Math.max(passes[s]!, p);
  }
  passCache.set(image, passes);
  return passes;
}

/**
 * What a DAC offset o adds to a row's accumulated charge over P passes: pass j's charge has
 * weight 2^((dacBits - 1) j) and every pass carries o, so sum_j 2^((dacBits - 1) j) x o.
 */
export function passWeight(passes: number, dacBits: number): number {
  const base = 2 ** Math.max(1, dacBits - 1);
  let w = 0;
  for (let j = 0; j < passes; j++) w += base ** j;
  return w;
}
