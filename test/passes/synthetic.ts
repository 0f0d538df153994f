// Float S4D models built in code (any H, N, layer count), for tests that need shapes the
// shared models do not have (N = 28 as in the IMSSA demo, tiny models for exhaustive checks).

import type { Layer, Linear, Model } from "../../src/ir/model.js";
import { f32, f64 } from "../../src/ir/tensor.js";

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

const fill = (rand: () => number, n: number, scale = 1, offset = 0) =>
  Array.from({ length: n }, () => offset + scale * rand());

function linear(rand: () => number, out: number, inp: number): Linear {
  return {
    inFeatures: inp,
    outFeatures: out,
    weight: f32([out, inp], fill(rand, out * inp, 1 / Math.sqrt(inp))),
    bias: f32([out], fill(rand, out, 0.1)),
    weightQuant: null,
  };
}

export interface SyntheticOptions {
  readonly channels: number;
  /** d_state N (real): N/2 complex modes. */
  readonly state: number;
  readonly layers?: number;
  readonly length?: number;
  readonly seed?: number;
}

export function syntheticModel(o: SyntheticOptions): Model {
  const rand = random(o.seed ?? 1);
  const H = o.channels;
  const M = o.state / 2;
  const hm = [H, M];
  const layer = (): Layer => ({
    norm: {
      kind: "layer",
      weight: f32([H], fill(rand, H, 0.1, 1)),
      bias: f32([H], fill(rand, H, 0.1)),
      eps: 1e-5,
    },
    normPosition: "post",
    ssm: {
      channels: H,
      modes: M,
      discretization: "zoh",
      form: {
        kind: "continuous",
        logDt: f32([H], fill(rand, H, 1.1, -4.6)),
        aRe: f64(hm, fill(rand, H * M, 0.2, -0.5)),
        aIm: f32(
          hm,
          Array.from({ length: H * M }, (_, i) => Math.PI * (i % M)),
        ),
        bRe: null,
        bIm: null,
        cRe: f32(hm, fill(rand, H * M, 0.7)),
        cIm: f32(hm, fill(rand, H * M, 0.7)),
      },
      d: f32([H], fill(rand, H)),
      quant: {},
    },
    activation: "gelu",
    mixing: { kind: "glu", linear: linear(rand, 2 * H, H) },
    residual: true,
    outputQuant: null,
  });
  return {
    name: `synthetic-h${H}n${o.state}`,
    config: { dIn: 1, channels: H, state: o.state, classes: 3, length: o.length ?? 16 },
    quantScheme: "none",
    encoder: linear(rand, H, 1),
    layers: Array.from({ length: o.layers ?? 1 }, layer),
    pooling: "mean",
    decoder: linear(rand, 3, H),
    meta: {},
    hardware: null,
  };
}

/** Random inputs [batch, length, 1] for calibration. */
export function syntheticInputs(model: Model, batch: number, seed = 7) {
  const rand = random(seed);
  const L = model.config.length!;
  return { inputs: Float64Array.from(fill(rand, batch * L)), shape: [batch, L, 1] };
}
