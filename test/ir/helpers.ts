// Models built in code for the IR tests, a bit-exact canonical view for comparing them, and a
// fast-check generator of random (not necessarily valid) IR.

import fc from "fast-check";
import type {
  Layer,
  Linear,
  Model,
  Norm,
  Quantizer,
  Ssm,
  SsmForm,
  SsmRole,
} from "../../src/ir/model.js";
import { SSM_ROLES } from "../../src/ir/model.js";
import { type DType, f32, f64, numel, type Tensor, tensor } from "../../src/ir/tensor.js";

// ---- a valid model ------------------------------------------------------------------------------

function ramp(shape: number[], start: number, step: number): Tensor {
  return f32(
    shape,
    Array.from({ length: numel(shape) }, (_, i) => start + i * step),
  );
}

export interface SampleOptions {
  readonly form?: SsmForm["kind"];
  readonly dIn?: number;
  readonly channels?: number;
  readonly modes?: number;
  readonly classes?: number;
  readonly layers?: number;
}

export function linear(inF: number, outF: number): Linear {
  return {
    inFeatures: inF,
    outFeatures: outF,
    weight: ramp([outF, inF], -0.5, 0.125),
    bias: ramp([outF], 0, 0.25),
    weightQuant: null,
  };
}

function form(kind: SsmForm["kind"], h: number, m: number, length: number): SsmForm {
  const hm = [h, m];
  if (kind === "continuous") {
    return {
      kind,
      logDt: ramp([h], -4, 0.5),
      aRe: ramp(hm, -0.5, -0.25),
      aIm: ramp(hm, 0, 0.75),
      bRe: null,
      bIm: null,
      cRe: ramp(hm, 0.5, -0.125),
      cIm: ramp(hm, -0.25, 0.0625),
    };
  }
  if (kind === "discrete") {
    // |lambda| = sqrt(0.6^2 + 0.6^2) ~ 0.85 < 1
    return {
      kind,
      lambdaRe: f64(hm, new Array(h * m).fill(0.6)),
      lambdaIm: f64(hm, new Array(h * m).fill(-0.6)),
      bbarRe: ramp(hm, 0.1, 0.01),
      bbarIm: ramp(hm, 0, 0.01),
      cRe: ramp(hm, 1, -0.5),
      cIm: ramp(hm, 0.25, 0.125),
    };
  }
  return { kind, k: ramp([h, length], 1, -0.125) };
}

export function sampleModel(options: SampleOptions = {}): Model {
  const kind = options.form ?? "continuous";
  const dIn = options.dIn ?? 1;
  const h = options.channels ?? 2;
  const m = kind === "kernel" ? 0 : (options.modes ?? 2);
  const classes = options.classes ?? 3;
  const length = 8;
  const norm: Norm = { kind: "layer", weight: ramp([h], 1, 0), bias: ramp([h], 0, 0), eps: 1e-5 };
  const layer = (i: number): Layer => {
    const ssm: Ssm = {
      channels: h,
      modes: m,
      discretization: "zoh",
      form: form(kind, h, m, length),
      d: ramp([h], 1, -0.5 - i),
      quant: {},
    };
    return {
      norm,
      normPosition: "post",
      ssm,
      activation: "gelu",
      mixing: { kind: "glu", linear: linear(h, 2 * h) },
      residual: true,
      outputQuant: null,
    };
  };
  return {
    name: "sample",
    config: { dIn, channels: h, state: 2 * m, classes, length },
    quantScheme: "none",
    encoder: linear(dIn, h),
    layers: Array.from({ length: options.layers ?? 1 }, (_, i) => layer(i)),
    pooling: "mean",
    decoder: linear(h, classes),
    meta: {},
    hardware: null,
  };
}

// ---- bit-exact comparison -----------------------------------------------------------------------

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "dtype" in x && "shape" in x && "data" in x;
}

/** The model as plain data with every tensor's data as hex bytes (NaN, -0 and all bits kept). */
export function canonical(x: unknown): unknown {
  if (isTensor(x)) {
    const bytes =
      x.data === null ? null : Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength);
    return {
      dtype: x.dtype,
      shape: [...x.shape],
      bytes: bytes?.toString("hex") ?? null,
      digest: x.digest ?? null,
    };
  }
  if (typeof x === "number") return Object.is(x, -0) ? "-0" : Number.isNaN(x) ? "NaN" : x;
  if (Array.isArray(x)) return x.map(canonical);
  if (typeof x === "object" && x !== null) {
    const entries = Object.entries(x).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.map(([k, v]) => [k, canonical(v)]);
  }
  return x;
}

// ---- random IR ----------------------------------------------------------------------------------

const FLOAT_DTYPES: readonly DType[] = ["f32", "f64"];

function tensorArb(dtype: DType, shape: number[]): fc.Arbitrary<Tensor> {
  const n = numel(shape);
  const element: fc.Arbitrary<number> =
    dtype === "f32"
      ? fc.float()
      : dtype === "f64"
        ? fc.double()
        : dtype === "i8"
          ? fc.integer({ min: -128, max: 127 })
          : dtype === "i16"
            ? fc.integer({ min: -32768, max: 32767 })
            : fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  return fc
    .array(element, { minLength: n, maxLength: n })
    .map((values) => tensor(dtype, shape, values));
}

function floatTensor(shape: number[]): fc.Arbitrary<Tensor> {
  return fc.constantFrom(...FLOAT_DTYPES).chain((d) => tensorArb(d, shape));
}

const scalar = fc.double();

function quantArb(): fc.Arbitrary<Quantizer> {
  const levels = fc.record({
    kind: fc.constant("levels" as const),
    levels: fc.integer({ min: -3, max: 1 << 20 }),
    scope: fc.constantFrom("tensor" as const, "sample" as const),
  });
  const affine = fc
    .record({
      bits: fc.integer({ min: 0, max: 40 }),
      scale: fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })),
      axis: fc.option(fc.integer({ min: 0, max: 3 })),
      zeroPoint: fc.integer({ min: -300, max: 300 }),
      signed: fc.boolean(),
      narrow: fc.boolean(),
      rounding: fc.constantFrom("half-even" as const, "half-away" as const),
      codes: fc.option(
        fc
          .tuple(
            fc.constantFrom<DType>("i8", "i16", "i32"),
            fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
          )
          .chain(([d, shape]) => tensorArb(d, shape)),
      ),
    })
    .map(
      ({ codes, ...q }): Quantizer =>
        codes === null ? { kind: "affine", ...q } : { kind: "affine", ...q, codes },
    );
  return fc.oneof(levels, affine);
}

function linearArb(inF: number, outF: number): fc.Arbitrary<Linear> {
  return fc.record({
    inFeatures: fc.constant(inF),
    outFeatures: fc.constant(outF),
    weight: floatTensor([outF, inF]),
    bias: fc.option(floatTensor([outF])),
    weightQuant: fc.option(quantArb()),
  });
}

function formArb(h: number, m: number): fc.Arbitrary<SsmForm> {
  const hm = [h, m];
  const continuous = fc
    .record({
      logDt: floatTensor([h]),
      aRe: floatTensor(hm),
      aIm: floatTensor(hm),
      b: fc.option(fc.tuple(floatTensor(hm), floatTensor(hm))),
      cRe: floatTensor(hm),
      cIm: floatTensor(hm),
    })
    .map(
      ({ b, ...rest }): SsmForm => ({
        kind: "continuous",
        ...rest,
        bRe: b === null ? null : b[0],
        bIm: b === null ? null : b[1],
      }),
    );
  const discrete = fc
    .record({
      lambdaRe: floatTensor(hm),
      lambdaIm: floatTensor(hm),
      bbarRe: floatTensor(hm),
      bbarIm: floatTensor(hm),
      cRe: floatTensor(hm),
      cIm: floatTensor(hm),
    })
    .map((t): SsmForm => ({ kind: "discrete", ...t }));
  const kernel = fc
    .integer({ min: 1, max: 5 })
    .chain((l) => floatTensor([h, l]))
    .map((k): SsmForm => ({ kind: "kernel", k }));
  return fc.oneof(continuous, discrete, kernel);
}

function ssmQuantArb(): fc.Arbitrary<Partial<Record<SsmRole, Quantizer>>> {
  return fc
    .subarray([...SSM_ROLES])
    .chain((roles) =>
      fc
        .tuple(...roles.map(() => quantArb()))
        .map((qs) => Object.fromEntries(roles.map((r, i) => [r, qs[i]]))),
    );
}

function normArb(h: number): fc.Arbitrary<Norm> {
  const layer = fc
    .record({ weight: floatTensor([h]), bias: floatTensor([h]), eps: scalar })
    .map((n): Norm => ({ kind: "layer", ...n }));
  const batch = fc
    .record({
      weight: floatTensor([h]),
      bias: floatTensor([h]),
      mean: floatTensor([h]),
      variance: floatTensor([h]),
      eps: scalar,
    })
    .map((n): Norm => ({ kind: "batch", ...n }));
  return fc.oneof(layer, batch);
}

function layerArb(h: number, m: number): fc.Arbitrary<Layer> {
  return fc.record({
    norm: fc.option(normArb(h)),
    normPosition: fc.constantFrom("pre" as const, "post" as const),
    ssm: fc.record({
      channels: fc.constant(h),
      modes: fc.constant(m),
      discretization: fc.constantFrom("zoh" as const, "bilinear" as const),
      form: formArb(h, m),
      d: floatTensor([h]),
      quant: ssmQuantArb(),
    }),
    activation: fc.constantFrom("gelu" as const, "relu" as const, "none" as const),
    mixing: fc.option(
      fc
        .constantFrom("glu" as const, "relu" as const, "linear" as const)
        .chain((kind) =>
          linearArb(h, kind === "glu" ? 2 * h : h).map((l) => ({ kind, linear: l })),
        ),
    ),
    residual: fc.boolean(),
    outputQuant: fc.option(quantArb()),
  });
}

/** Random IR of random sizes; values include -0, subnormals, inf and nan (no verifier here). */
export const modelArb: fc.Arbitrary<Model> = fc
  .record({
    dIn: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 3 }),
    m: fc.integer({ min: 0, max: 3 }),
    classes: fc.integer({ min: 1, max: 3 }),
    layers: fc.integer({ min: 0, max: 2 }),
  })
  .chain(({ dIn, h, m, classes, layers }) =>
    fc.record({
      name: fc.string({ unit: "binary", maxLength: 12 }),
      config: fc.record({
        dIn: fc.constant(dIn),
        channels: fc.constant(h),
        state: fc.constant(2 * m),
        classes: fc.constant(classes),
        length: fc.option(fc.integer({ min: 1, max: 1 << 16 })),
      }),
      quantScheme: fc.constantFrom(
        "none" as const,
        "qs4d-max" as const,
        "qs4d-symmetric-v1" as const,
        "qdq" as const,
        "grid" as const,
      ),
      encoder: linearArb(dIn, h),
      layers: fc.array(layerArb(h, m), { minLength: layers, maxLength: layers }),
      pooling: fc.constant("mean" as const),
      decoder: linearArb(h, classes),
      meta: fc.dictionary(
        fc.string({ unit: "binary", maxLength: 8 }),
        fc.string({ unit: "binary", maxLength: 16 }),
        {
          maxKeys: 4,
          noNullPrototype: true,
        },
      ),
      hardware: fc.constant(null),
    }),
  );
