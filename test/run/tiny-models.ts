// Small models built in code, for unit tests that must not depend on any importer.

import type {
  Activation,
  Layer,
  Linear,
  Model,
  Norm,
  QuantScheme,
  Ssm,
  SsmForm,
} from "../../src/ir/model.js";
import { f32, f64, type Tensor } from "../../src/ir/tensor.js";

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function values(rand: () => number, n: number, scale = 1, offset = 0): number[] {
  return Array.from({ length: n }, () => offset + scale * rand());
}

export function linear(out: number, inp: number, w: number[], b: number[] | null): Linear {
  return {
    inFeatures: inp,
    outFeatures: out,
    weight: f32([out, inp], w),
    bias: b === null ? null : f32([out], b),
    weightQuant: null,
  };
}

export interface TinyOptions {
  readonly seed?: number;
  readonly dIn?: number;
  readonly channels?: number;
  readonly modes?: number;
  readonly classes?: number;
  readonly layers?: number;
  readonly norm?: "layer" | "batch" | "none";
  readonly normPosition?: "pre" | "post";
  readonly activation?: Activation;
  readonly mixing?: "glu" | "relu" | "linear" | "none";
  readonly residual?: boolean;
  readonly discretization?: "zoh" | "bilinear";
  /** continuous S4D (B = 1), continuous with an explicit B (S4 naming), discrete, kernel-only. */
  readonly ssm?: "s4d" | "s4" | "discrete" | "kernel";
  /** Kernel length of a kernel-only SSM. */
  readonly taps?: number;
}

function ssmForm(rand: () => number, o: Required<TinyOptions>): SsmForm {
  const n = o.channels * o.modes;
  const c = () => f64([o.channels, o.modes], values(rand, n, 0.7));
  switch (o.ssm) {
    case "kernel":
      return {
        kind: "kernel",
        k: f32([o.channels, o.taps], values(rand, o.channels * o.taps, 0.5)),
      };
    case "discrete": {
      // |lambda| in (0.5, 0.95)
      const r = values(rand, n, 0.225, 0.725);
      const th = values(rand, n, 2);
      return {
        kind: "discrete",
        lambdaRe: f64(
          [o.channels, o.modes],
          r.map((v, i) => v * Math.cos(th[i]!)),
        ),
        lambdaIm: f64(
          [o.channels, o.modes],
          r.map((v, i) => v * Math.sin(th[i]!)),
        ),
        bbarRe: c(),
        bbarIm: c(),
        cRe: c(),
        cIm: c(),
      };
    }
    default: {
      const withB = o.ssm === "s4";
      return {
        kind: "continuous",
        logDt: f32([o.channels], values(rand, o.channels, 1.1, Math.log(0.01))),
        aRe: f64([o.channels, o.modes], values(rand, n, 0.3, -0.5)),
        aIm: f64([o.channels, o.modes], values(rand, n, 3)),
        bRe: withB ? c() : null,
        bIm: withB ? c() : null,
        cRe: c(),
        cIm: c(),
      };
    }
  }
}

function norm(rand: () => number, o: Required<TinyOptions>): Norm | null {
  const h = o.channels;
  if (o.norm === "none") return null;
  const weight = f32([h], values(rand, h, 0.3, 1));
  const bias = f32([h], values(rand, h, 0.2));
  if (o.norm === "layer") return { kind: "layer", weight, bias, eps: 1e-5 };
  const mean = f32([h], values(rand, h, 0.3));
  const variance = f32([h], values(rand, h, 0.4, 1));
  return { kind: "batch", weight, bias, mean, variance, eps: 1e-5 };
}

function layer(rand: () => number, o: Required<TinyOptions>): Layer {
  const h = o.channels;
  const ssm: Ssm = {
    channels: h,
    modes: o.ssm === "kernel" ? 0 : o.modes,
    discretization: o.discretization,
    form: ssmForm(rand, o),
    d: f32([h], values(rand, h)),
    quant: {},
  };
  const rows = o.mixing === "glu" ? 2 * h : h;
  return {
    norm: norm(rand, o),
    normPosition: o.normPosition,
    ssm,
    activation: o.activation,
    mixing:
      o.mixing === "none"
        ? null
        : {
            kind: o.mixing,
            linear: linear(rows, h, values(rand, rows * h, 0.6), values(rand, rows, 0.1)),
          },
    residual: o.residual,
    outputQuant: null,
  };
}

export function tinyModel(options: TinyOptions = {}): Model {
  const o: Required<TinyOptions> = {
    seed: 1,
    dIn: 1,
    channels: 3,
    modes: 2,
    classes: 2,
    layers: 2,
    norm: "layer",
    normPosition: "post",
    activation: "gelu",
    mixing: "glu",
    residual: true,
    discretization: "zoh",
    ssm: "s4d",
    taps: 8,
    ...options,
  };
  const rand = random(o.seed);
  const h = o.channels;
  return {
    name: "tiny",
    config: { dIn: o.dIn, channels: h, state: 2 * o.modes, classes: o.classes, length: null },
    quantScheme: "none",
    encoder: linear(h, o.dIn, values(rand, h * o.dIn), values(rand, h, 0.1)),
    layers: Array.from({ length: o.layers }, () => layer(rand, o)),
    pooling: "mean",
    decoder: linear(o.classes, h, values(rand, o.classes * h), values(rand, o.classes, 0.1)),
    meta: {},
    hardware: null,
  };
}

/**
 * One channel, one layer, identity encoder and decoder, no norm, activation or mixing: the
 * logits are the mean over time of the SSM output, which a test can compute by hand.
 */
export function bareSsmModel(ssm: Ssm, scheme: QuantScheme = "none"): Model {
  const h = ssm.channels;
  const eye = (n: number): Tensor =>
    f32(
      [n, n],
      Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)),
    );
  const identity = (n: number): Linear => ({
    inFeatures: n,
    outFeatures: n,
    weight: eye(n),
    bias: null,
    weightQuant: null,
  });
  return {
    name: "bare",
    config: { dIn: h, channels: h, state: 2 * ssm.modes, classes: h, length: null },
    quantScheme: scheme,
    encoder: identity(h),
    layers: [
      {
        norm: null,
        normPosition: "pre",
        ssm,
        activation: "none",
        mixing: null,
        residual: false,
        outputQuant: null,
      },
    ],
    pooling: "mean",
    decoder: identity(h),
    meta: {},
    hardware: null,
  };
}
