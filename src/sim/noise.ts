// The device's non-idealities (docs/simulator.md §4): programming error per cell (drawn once per
// programming), read noise (per read), stuck-at-on/off cells, ADC and DAC offsets (drawn once
// per converter and programming). Defaults come from the target; `--noise` overrides them.

import { fail } from "../diag/error.js";
import type { TargetDescription } from "../target/types.js";

export interface NoiseParams {
  /** Programming error: Gaussian sigma relative to gMax, per cell and programming. */
  readonly programming: number;
  /** Read noise: Gaussian sigma relative to gMax, per cell and read. */
  readonly read: number;
  /** Probability that a cell is stuck at gMax (on) or gMin (off). */
  readonly stuckOn: number;
  readonly stuckOff: number;
  /** Converter offsets: Gaussian sigma in LSB, per converter and programming. */
  readonly adcOffsetLsb: number;
  readonly dacOffsetLsb: number;
}

export const NO_NOISE: NoiseParams = {
  programming: 0,
  read: 0,
  stuckOn: 0,
  stuckOff: 0,
  adcOffsetLsb: 0,
  dacOffsetLsb: 0,
};

export function targetNoise(target: TargetDescription): NoiseParams {
  const n = target.noise;
  return {
    programming: n.programmingSigma,
    read: n.readSigma,
    stuckOn: n.stuckOnRate,
    stuckOff: n.stuckOffRate,
    adcOffsetLsb: n.adcOffsetLsb,
    dacOffsetLsb: n.dacOffsetLsb,
  };
}

export function isNoiseless(p: NoiseParams): boolean {
  return Object.values(p).every((v) => v === 0);
}

type Setter = (p: Mutable<NoiseParams>, v: number) => void;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `--noise` keys. `stuck` is the total stuck rate, split evenly between on and off. */
const KEYS: Readonly<Record<string, { set: Setter; rate: boolean }>> = {
  prog: { set: (p, v) => (p.programming = v), rate: false },
  read: { set: (p, v) => (p.read = v), rate: false },
  stuck: {
    set: (p, v) => {
      p.stuckOn = v / 2;
      p.stuckOff = v / 2;
    },
    rate: true,
  },
  "stuck-on": { set: (p, v) => (p.stuckOn = v), rate: true },
  "stuck-off": { set: (p, v) => (p.stuckOff = v), rate: true },
  adc: { set: (p, v) => (p.adcOffsetLsb = v), rate: false },
  dac: { set: (p, v) => (p.dacOffsetLsb = v), rate: false },
};

export const NOISE_KEYS = Object.keys(KEYS);

/**
 * `--noise SPEC`: `target` (the target's parameters), `none` (ideal), or `key=value,...`
 * overriding the target's parameters key by key (keys: prog, read, stuck, stuck-on,
 * stuck-off, adc, dac).
 */
export function parseNoise(spec: string, base: NoiseParams): NoiseParams {
  const text = spec.trim();
  if (text === "target") return base;
  if (text === "none" || text === "ideal") return NO_NOISE;
  const out: Mutable<NoiseParams> = { ...base };
  const bad = (reason: string): never => fail("QS4D-E604", { spec, reason });
  for (const item of text.split(",")) {
    const match = /^\s*([a-z-]+)\s*=\s*([^\s=]+)\s*$/.exec(item);
    if (match === null) bad(`'${item}' is not key=value`);
    const [, key, raw] = match as unknown as [string, string, string];
    const entry = KEYS[key];
    if (entry === undefined) bad(`unknown key '${key}' (keys: ${NOISE_KEYS.join(", ")})`);
    const value = Number(raw);
    if (!/^[0-9.eE+-]+$/.test(raw) || !Number.isFinite(value) || value < 0) {
      bad(`${key}=${raw} is not a non-negative number`);
    }
    if (entry!.rate && value > 1) bad(`${key}=${raw} is a probability, at most 1`);
    entry!.set(out, value);
  }
  if (out.stuckOn + out.stuckOff > 1) bad("stuck-on + stuck-off exceeds 1");
  return out;
}
