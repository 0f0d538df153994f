// The executor on small models built in code: hand-derived outputs, the conv twin against the
// recurrence over many architectures, and the coded errors of bad inputs and models.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import type { Model, Ssm } from "../../src/ir/model.js";
import { f32, f64 } from "../../src/ir/tensor.js";
import { runConvolution } from "../../src/run/conv.js";
import { runModel } from "../../src/run/index.js";
import { buildPlan } from "../../src/run/plan.js";
import { runStreaming } from "../../src/run/stream.js";
import { bareSsmModel, random, type TinyOptions, tinyModel, values } from "./tiny-models.js";

/** float64 logits of both forms. */
function run64(model: Model, input: Float64Array, batch: number, length: number) {
  const plan = buildPlan(model, { quantize: true, length });
  return {
    recurrent: runStreaming(plan, input, batch, null),
    conv: runConvolution(plan, input, batch, null),
  };
}

function relDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let m = 0;
  a.forEach((v, i) => {
    d = Math.max(d, Math.abs(v - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  });
  return d / m;
}

type C = [number, number];
const mul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const div = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};

/** mean_t of y_t = 2 Re(C Bbar sum_{j<=t} lambda^(t-j) u_j) + D u_t, evaluated naively. */
function handLogit(lambda: C, bbar: C, c: C, d: number, u: number[]): number {
  let total = 0;
  for (let t = 0; t < u.length; t++) {
    let acc: C = [0, 0];
    let power: C = [1, 0];
    for (let j = t; j >= 0; j--) {
      acc = [acc[0] + power[0] * u[j]!, acc[1] + power[1] * u[j]!];
      power = mul(power, lambda);
    }
    total += 2 * mul(mul(c, bbar), acc)[0] + d * u[t]!;
  }
  return total / u.length;
}

interface ModeSpec {
  readonly logDt: number;
  readonly a: C;
  readonly c: C;
  readonly b?: C;
  readonly d: number;
  readonly discretization?: Ssm["discretization"];
}

function oneMode({ logDt, a, c, b, d, discretization = "zoh" }: ModeSpec): Ssm {
  return {
    channels: 1,
    modes: 1,
    discretization,
    form: {
      kind: "continuous",
      logDt: f64([1], [logDt]),
      aRe: f64([1, 1], [a[0]]),
      aIm: f64([1, 1], [a[1]]),
      bRe: b === undefined ? null : f64([1, 1], [b[0]]),
      bIm: b === undefined ? null : f64([1, 1], [b[1]]),
      cRe: f64([1, 1], [c[0]]),
      cIm: f64([1, 1], [c[1]]),
    },
    d: f64([1], [d]),
    quant: {},
  };
}

const U = [0.5, -1.25, 2, 0.75, 0, -0.5, 1];

describe("one SSM mode, by hand", () => {
  const dt = 0.1;
  const a: C = [-0.5, 2];
  const c: C = [0.3, -0.2];

  for (const method of ["zoh", "bilinear"] as const) {
    it(`${method}: logits = mean_t y_t`, () => {
      const ssm = oneMode({ logDt: Math.log(dt), a, c, d: 0.4, discretization: method });
      const z: C = [dt * a[0], dt * a[1]];
      const lambda: C =
        method === "zoh"
          ? [Math.exp(z[0]) * Math.cos(z[1]), Math.exp(z[0]) * Math.sin(z[1])]
          : div([1 + z[0] / 2, z[1] / 2], [1 - z[0] / 2, -z[1] / 2]);
      const bbar =
        method === "zoh"
          ? div([lambda[0] - 1, lambda[1]], a)
          : div([dt, 0], [1 - z[0] / 2, -z[1] / 2]);
      const { recurrent, conv } = run64(bareSsmModel(ssm), Float64Array.from(U), 1, U.length);
      const expected = handLogit(lambda, bbar, c, 0.4, U);
      expect(Math.abs(recurrent[0]! - expected)).toBeLessThan(1e-14);
      expect(Math.abs(conv[0]! - expected)).toBeLessThan(1e-14);
    });
  }

  it("A = 0 (a ternary A_quant's trap) integrates instead of producing NaN", () => {
    const ssm = oneMode({ logDt: Math.log(dt), a: [0, 0], c, b: [2, 1], d: 0 });
    const { recurrent, conv } = run64(bareSsmModel(ssm), Float64Array.from(U), 1, U.length);
    // lambda = 1, Bbar = dt B: y_t = 2 Re(C dt B) * (u_0 + ... + u_t)
    const gain = 2 * mul(c, [dt * 2, dt * 1])[0];
    const expected =
      (gain * U.reduce((s, _, t) => s + U.slice(0, t + 1).reduce((x, y) => x + y), 0)) / U.length;
    expect(Math.abs(recurrent[0]! - expected)).toBeLessThan(1e-14);
    expect(Math.abs(conv[0]! - expected)).toBeLessThan(1e-14);
  });

  it("S4 naming: an explicit B acts exactly as C*B with B = 1", () => {
    const b: C = [0.8, -0.6];
    const withB = oneMode({ logDt: Math.log(dt), a, c, b, d: 0.4 });
    const folded = oneMode({ logDt: Math.log(dt), a, c: mul(c, b), d: 0.4 });
    const x = Float64Array.from(U);
    const r1 = run64(bareSsmModel(withB), x, 1, U.length).recurrent[0]!;
    const r2 = run64(bareSsmModel(folded), x, 1, U.length).recurrent[0]!;
    expect(Math.abs(r1 - r2)).toBeLessThan(1e-15);
  });

  it("a kernel-only SSM is a causal FIR, also on inputs longer than its kernel", () => {
    const ssm: Ssm = {
      channels: 1,
      modes: 0,
      discretization: "zoh",
      form: { kind: "kernel", k: f32([1, 2], [1, 0.5]) },
      d: f32([1], [0.25]),
      quant: {},
    };
    // y = [1.25, 3, 4.75, 6.5] for u = [1, 2, 3, 4]
    const { recurrent, conv } = run64(bareSsmModel(ssm), Float64Array.from([1, 2, 3, 4]), 1, 4);
    expect(recurrent[0]).toBe(15.5 / 4);
    expect(conv[0]).toBe(15.5 / 4);
  });

  it("a discrete SSM runs its lambda and Bbar as given", () => {
    const lambda: C = [0.6, 0.5];
    const bbar: C = [0.3, 0.1];
    const ssm: Ssm = {
      channels: 1,
      modes: 1,
      discretization: "zoh",
      form: {
        kind: "discrete",
        lambdaRe: f64([1, 1], [lambda[0]]),
        lambdaIm: f64([1, 1], [lambda[1]]),
        bbarRe: f64([1, 1], [bbar[0]]),
        bbarIm: f64([1, 1], [bbar[1]]),
        cRe: f64([1, 1], [c[0]]),
        cIm: f64([1, 1], [c[1]]),
      },
      d: f64([1], [-0.3]),
      quant: {},
    };
    const { recurrent } = run64(bareSsmModel(ssm), Float64Array.from(U), 1, U.length);
    expect(Math.abs(recurrent[0]! - handLogit(lambda, bbar, c, -0.3, U))).toBeLessThan(1e-14);
  });
});

describe("the conv twin equals the recurrence (relative difference <= 1e-9)", () => {
  const architecture = fc.record({
    seed: fc.integer({ min: 1, max: 1 << 30 }),
    dIn: fc.integer({ min: 1, max: 2 }),
    channels: fc.integer({ min: 1, max: 4 }),
    modes: fc.integer({ min: 1, max: 3 }),
    layers: fc.integer({ min: 0, max: 2 }),
    norm: fc.constantFrom("layer", "batch", "none"),
    normPosition: fc.constantFrom("pre", "post"),
    activation: fc.constantFrom("gelu", "relu", "none"),
    mixing: fc.constantFrom("glu", "relu", "linear", "none"),
    residual: fc.boolean(),
    discretization: fc.constantFrom("zoh", "bilinear"),
    ssm: fc.constantFrom("s4d", "s4", "discrete", "kernel"),
    taps: fc.integer({ min: 1, max: 12 }),
  }) as fc.Arbitrary<TinyOptions>;

  it("over random architectures, sizes and lengths (up to three blocks of steps)", () => {
    fc.assert(
      fc.property(architecture, fc.integer({ min: 1, max: 80 }), (options, length) => {
        const model = tinyModel(options);
        const batch = 2;
        const input = Float64Array.from(
          values(random(options.seed! + 7), batch * length * options.dIn!, 2),
        );
        const { recurrent, conv } = run64(model, input, batch, length);
        return relDiff(conv, recurrent) <= 1e-9 && recurrent.every(Number.isFinite);
      }),
      { numRuns: 60 },
    );
  });
});

describe("runModel", () => {
  const model = tinyModel({ seed: 3 });
  const input = Float32Array.from(values(random(9), 2 * 10, 1.5));

  it("takes [batch, length] for d_in = 1, float32 or float64, and returns float32 logits", () => {
    const a = runModel(model, input, [2, 10, 1]);
    const b = runModel(model, Float64Array.from(input), [2, 10]);
    expect(a.logits).toBeInstanceOf(Float32Array);
    expect([a.batch, a.classes, a.length]).toEqual([2, 2, 10]);
    expect(Array.from(b.logits)).toEqual(Array.from(a.logits));
    expect(a.traces).toBeNull();
  });

  it("runs each sample on its own: logits do not depend on the batch", () => {
    const both = runModel(model, input, [2, 10]);
    const second = runModel(model, input.slice(10), [1, 10]);
    expect(Array.from(second.logits)).toEqual(Array.from(both.logits.slice(2)));
  });

  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (error) {
      if (error instanceof Qs4dError) return error.diagnostic.code;
      throw error;
    }
    throw new Error("no error raised");
  };

  it("rejects bad shapes (E300), dtypes (E301), non-finite values (E302), short data (E303)", () => {
    expect(code(() => runModel(model, input, [20]))).toBe("QS4D-E300");
    expect(code(() => runModel(model, input, [2, 5, 2]))).toBe("QS4D-E300");
    expect(code(() => runModel(model, new Float32Array(0), [0, 10]))).toBe("QS4D-E300");
    expect(code(() => runModel(tinyModel({ dIn: 2 }), input, [2, 10]))).toBe("QS4D-E300");
    expect(code(() => runModel(model, Int32Array.from(input), [2, 10]))).toBe("QS4D-E301");
    expect(code(() => runModel(model, [1, 2, 3], [1, 3]))).toBe("QS4D-E301");
    const nan = input.slice();
    nan[13] = Number.NaN;
    expect(code(() => runModel(model, nan, [2, 10, 1]))).toBe("QS4D-E302");
    expect(code(() => runModel(model, input, [3, 10]))).toBe("QS4D-E303");
  });

  it("rejects --trace on a model without quantized SSM integers (E304)", () => {
    expect(code(() => runModel(model, input, [2, 10], { trace: true }))).toBe("QS4D-E304");
  });

  it("rejects quantizers it cannot run honestly (E305, E306) and tensors without data (E307)", () => {
    const layer = model.layers[0]!;
    const withQuant = (quant: Ssm["quant"], scheme: Model["quantScheme"]): Model => ({
      ...model,
      quantScheme: scheme,
      layers: [{ ...layer, ssm: { ...layer.ssm, quant } }, ...model.layers.slice(1)],
    });
    const affine = {
      kind: "affine",
      bits: 8,
      scale: 0.1,
      axis: null,
      zeroPoint: 0,
      signed: true,
      narrow: true,
      rounding: "half-even",
    } as const;
    // qs4d-symmetric-v1 without its state and output quantizers
    expect(
      code(() =>
        runModel(
          withQuant(
            { lambda: affine, bbar: affine, c: affine, d: affine, u: affine },
            "qs4d-symmetric-v1",
          ),
          input,
          [2, 10],
        ),
      ),
    ).toBe("QS4D-E305");
    // a whole-batch max: batch dependent, not what eval and the golden files mean
    expect(
      code(() =>
        runModel(
          withQuant({ u: { kind: "levels", levels: 32, scope: "tensor" } }, "qs4d-max"),
          input,
          [2, 10],
        ),
      ),
    ).toBe("QS4D-E305");
    expect(code(() => runModel(withQuant({ lambda: affine }, "qdq"), input, [2, 10]))).toBe(
      "QS4D-E306",
    );
    // ... but --no-quant runs the float model
    expect(
      runModel(withQuant({ lambda: affine }, "qdq"), input, [2, 10], { quantize: false }).logits
        .length,
    ).toBe(4);
    const digestOnly: Model = {
      ...model,
      decoder: {
        ...model.decoder,
        weight: { dtype: "f32", shape: [2, 3], data: null, digest: "00" },
      },
    };
    expect(code(() => runModel(digestOnly, input, [2, 10]))).toBe("QS4D-E307");
  });
});
