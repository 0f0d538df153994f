import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import type { Model, SsmContinuous } from "../../src/ir/model.js";
import { dataOf, f64 } from "../../src/ir/tensor.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import { type DiscretizeReport, discretize } from "../../src/passes/discretize.js";
import { syntheticModel } from "./synthetic.js";

type C = [number, number];
const div = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const cexp = (z: C): C => [Math.exp(z[0]) * Math.cos(z[1]), Math.exp(z[0]) * Math.sin(z[1])];

function withMethod(model: Model, method: "zoh" | "bilinear"): Model {
  return {
    ...model,
    layers: model.layers.map((l) => ({ ...l, ssm: { ...l.ssm, discretization: method } })),
  };
}

function run(model: Model) {
  const report: DiscretizeReport = { layers: [] };
  return { model: discretize(model, report), report };
}

describe("discretize", () => {
  for (const method of ["zoh", "bilinear"] as const) {
    it(`${method}: lambda and Bbar of every mode by the textbook formula`, () => {
      const source = withMethod(syntheticModel({ channels: 3, state: 8, seed: 3 }), method);
      const { model } = run(source);
      expect(verifyModel(model).filter((d) => d.severity === "error")).toEqual([]);
      const c = source.layers[0]!.ssm.form as SsmContinuous;
      const d = model.layers[0]!.ssm.form;
      if (d.kind !== "discrete") throw new Error("not discrete");
      const [logDt, aRe, aIm] = [dataOf(c.logDt), dataOf(c.aRe), dataOf(c.aIm)];
      for (let k = 0; k < 12; k++) {
        const dt = Math.exp(logDt[Math.floor(k / 4)]!);
        const a: C = [aRe[k]!, aIm[k]!];
        const z: C = [dt * a[0], dt * a[1]];
        let lambda: C;
        let bbar: C;
        if (method === "zoh") {
          lambda = cexp(z);
          bbar = div([lambda[0] - 1, lambda[1]], a);
        } else {
          const den: C = [1 - z[0] / 2, -z[1] / 2];
          lambda = div([1 + z[0] / 2, z[1] / 2], den);
          bbar = div([dt, 0], den);
        }
        expect(dataOf(d.lambdaRe)[k]).toBeCloseTo(lambda[0], 13);
        expect(dataOf(d.lambdaIm)[k]).toBeCloseTo(lambda[1], 13);
        expect(dataOf(d.bbarRe)[k]).toBeCloseTo(bbar[0], 13);
        expect(dataOf(d.bbarIm)[k]).toBeCloseTo(bbar[1], 13);
      }
      expect(d.cRe).toBe(c.cRe);
    });
  }

  it("takes the A -> 0 limit without cancellation: Bbar -> dt", () => {
    const source = syntheticModel({ channels: 1, state: 2, seed: 5 });
    const form = source.layers[0]!.ssm.form as SsmContinuous;
    const tiny = { ...form, aRe: f64([1, 1], [-1e-13]), aIm: f64([1, 1], [0]) };
    const layer = { ...source.layers[0]!, ssm: { ...source.layers[0]!.ssm, form: tiny } };
    const { model } = run({ ...source, layers: [layer] });
    const d = model.layers[0]!.ssm.form;
    if (d.kind !== "discrete") throw new Error("not discrete");
    const dt = Math.exp(dataOf(form.logDt)[0]!);
    expect(dataOf(d.bbarRe)[0]! / dt).toBeCloseTo(1, 12);
    expect(dataOf(d.bbarIm)[0]).toBe(0);
  });

  it("rejects a mode on or outside the unit circle with the layer, channel and mode", () => {
    const source = syntheticModel({ channels: 2, state: 4, seed: 9 });
    const form = source.layers[0]!.ssm.form as SsmContinuous;
    const aRe = Float64Array.from(dataOf(form.aRe));
    aRe[3] = 0; // channel 1, mode 1: A = 0 + i pi, |lambda| = 1
    const layer = {
      ...source.layers[0]!,
      ssm: { ...source.layers[0]!.ssm, form: { ...form, aRe: f64([2, 2], aRe) } },
    };
    try {
      run({ ...source, layers: [layer] });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(Qs4dError);
      const d = (e as Qs4dError).diagnostic;
      expect(d.code).toBe("QS4D-E405");
      expect(d.message).toContain("channel 1, mode 1");
    }
  });

  it("reports the largest |lambda| per layer", () => {
    const { report } = run(syntheticModel({ channels: 2, state: 4, layers: 2 }));
    expect(report.layers.map((l) => l.layer)).toEqual([0, 1]);
    for (const l of report.layers) expect(l.maxMagnitude).toBeLessThan(1);
  });
});
