// realize-kernel: the system identification on synthetic kernels with known poles, and the pass
// on the kernel-only fixture, whose realized kernels are recomputed independently
// (src/run/kernel.ts, polar powers) and compared with the kernels the model carries.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { lowerModel } from "../../src/driver/lower.js";
import type { Model, SsmDiscrete } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import { applyQat } from "../../src/passes/apply-qat.js";
import { realizeKernel, roundingNoise } from "../../src/passes/lib/realize.js";
import { RHO_MAX } from "../../src/passes/lib/refine-poles.js";
import { type RealizeKernelReport, realizeKernels } from "../../src/passes/realize-kernel.js";
import { diagonalKernel } from "../../src/run/kernel.js";
import { loadTarget } from "../../src/target/load.js";
import { context, fixtureModel } from "./fixtures.js";

const NAME = "kernelonly-digits-h32n16-l2";

interface Mode {
  readonly re: number;
  readonly im: number;
  readonly wr: number;
  readonly wi: number;
}

/** k[l] = 2 Re(sum w lambda^l), in polar form (independent of the realization's recursion). */
function kernelOf(modes: readonly Mode[], L: number): Float64Array {
  const k = new Float64Array(L);
  for (const m of modes) {
    const rho = Math.hypot(m.re, m.im);
    const theta = Math.atan2(m.im, m.re);
    for (let l = 0; l < L; l++) {
      const r = rho ** l;
      k[l] = k[l]! + 2 * r * (m.wr * Math.cos(l * theta) - m.wi * Math.sin(l * theta));
    }
  }
  return k;
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(e / n);
}

const KNOWN: readonly Mode[] = [
  { re: 0.95 * Math.cos(0.3), im: 0.95 * Math.sin(0.3), wr: 0.4, wi: -0.2 },
  { re: 0.8 * Math.cos(1.9), im: 0.8 * Math.sin(1.9), wr: -0.3, wi: 0.5 },
  { re: 0.9, im: 0, wr: 0.25, wi: 0 },
];

describe("realizeKernel on synthetic kernels", () => {
  it("recovers known poles and residues of a float64 kernel exactly", () => {
    const k = kernelOf(KNOWN, 64);
    const r = realizeKernel(k, 4, roundingNoise(k, 52));
    expect(r.modes).toBe(3);
    expect(r.order).toBe(5); // two pairs and one real pole
    expect(r.error).toBeLessThan(1e-12);
    for (const m of KNOWN) {
      const n = Array.from(r.lamRe).findIndex(
        (re, i) => Math.hypot(re - m.re, r.lamIm[i]! - m.im) < 1e-9,
      );
      expect(n).toBeGreaterThanOrEqual(0);
      expect(Math.hypot(r.wRe[n]! - m.wr, r.wIm[n]! - m.wi)).toBeLessThan(1e-9);
    }
    // The unused budget is zero.
    expect([r.lamRe[3], r.lamIm[3], r.wRe[3], r.wIm[3]]).toEqual([0, 0, 0, 0]);
  });

  it("fits a float32-rounded kernel to its rounding noise, with stable poles", () => {
    const k = Float64Array.from(kernelOf(KNOWN, 64), (v) => Math.fround(v));
    const noise = roundingNoise(k, 23);
    expect(noise).toBeGreaterThan(1e-9);
    expect(noise).toBeLessThan(1e-7);
    const r = realizeKernel(k, 8, noise);
    expect(r.error).toBeLessThanOrEqual(2 * Math.max(noise, relativeError(k, kernelOf(KNOWN, 64))));
    expect(r.modes).toBeLessThanOrEqual(4);
    for (let n = 0; n < 8; n++) expect(Math.hypot(r.lamRe[n]!, r.lamIm[n]!)).toBeLessThan(1);
  });

  it("with fewer modes than the kernel has, returns the best fit it can and says how good", () => {
    const k = kernelOf(KNOWN, 64);
    const r = realizeKernel(k, 1, 0);
    expect(r.modes).toBe(1);
    expect(r.error).toBeGreaterThan(1e-3);
    const got = kernelOf([{ re: r.lamRe[0]!, im: r.lamIm[0]!, wr: r.wRe[0]!, wi: r.wIm[0]! }], 64);
    expect(relativeError(got, k)).toBeCloseTo(r.error, 10);
  });

  it("keeps a growing kernel's pole inside the unit circle and counts it", () => {
    const k = kernelOf([{ re: 1.02, im: 0, wr: 0.5, wi: 0 }], 32);
    const r = realizeKernel(k, 2, 0);
    expect(r.unstable).toBeGreaterThan(0);
    for (let n = 0; n < 2; n++)
      expect(Math.hypot(r.lamRe[n]!, r.lamIm[n]!)).toBeLessThanOrEqual(RHO_MAX);
    const got = kernelOf(
      [0, 1].map((n) => ({ re: r.lamRe[n]!, im: r.lamIm[n]!, wr: r.wRe[n]!, wi: r.wIm[n]! })),
      32,
    );
    expect(relativeError(got, k) / r.error).toBeCloseTo(1, 5);
  });

  it("realizes a zero kernel with no modes", () => {
    const r = realizeKernel(new Float64Array(16), 3, 0);
    expect([r.modes, r.error]).toEqual([0, 0]);
  });
});

function realized(options: Record<string, string | number> = {}) {
  const ctx = context(null, { options });
  const model = realizeKernels(applyQat(fixtureModel(NAME), ctx), ctx);
  return { ...model, diagnostics: ctx.diagnostics };
}

/** The realized kernels [H, L] of layer i, recomputed by the reference executor's routine. */
function realizedKernel(model: Model, i: number, L: number): Float64Array {
  const ssm = model.layers[i]!.ssm;
  const f = ssm.form as SsmDiscrete;
  const v = (t: typeof f.lambdaRe) => Float64Array.from(dataOf(t));
  return diagonalKernel(
    {
      kind: "diagonal",
      channels: ssm.channels,
      modes: ssm.modes,
      lamRe: v(f.lambdaRe),
      lamIm: v(f.lambdaIm),
      bRe: v(f.bbarRe),
      bIm: v(f.bbarIm),
      cRe: v(f.cRe),
      cIm: v(f.cIm),
      d: Float64Array.from(dataOf(ssm.d)),
    },
    L,
  );
}

describe("realize-kernel on the kernel-only fixture", () => {
  const source = fixtureModel(NAME);
  const { model, report } = realized();

  it("turns every kernel into 8 stable discrete modes per channel, D unchanged", () => {
    expect(verifyModel(model).filter((d) => d.severity === "error")).toEqual([]);
    expect(model.config.state).toBe(16);
    model.layers.forEach((layer, i) => {
      expect(layer.ssm.form.kind).toBe("discrete");
      expect(layer.ssm.modes).toBe(8);
      expect(layer.ssm.d).toBe(source.layers[i]!.ssm.d);
      const f = layer.ssm.form as SsmDiscrete;
      const re = dataOf(f.lambdaRe);
      const im = dataOf(f.lambdaIm);
      for (let j = 0; j < re.length; j++) expect(Math.hypot(re[j]!, im[j]!)).toBeLessThan(1);
    });
  });

  it("reproduces each channel's kernel to 1e-6 relative, as its report says", () => {
    let worst = 0;
    source.layers.forEach((layer, i) => {
      const form = layer.ssm.form;
      if (form.kind !== "kernel") throw new Error("the fixture is kernel-only");
      const k = dataOf(form.k);
      const H = layer.ssm.channels;
      const L = k.length / H;
      const got = realizedKernel(model, i, L);
      const channels = report.layers.find((l) => l.layer === i)!.channels;
      for (let h = 0; h < H; h++) {
        const e = relativeError(got.subarray(h * L, (h + 1) * L), k.subarray(h * L, (h + 1) * L));
        expect(e).toBeLessThan(1e-6);
        expect(Math.abs(e - channels[h]!.error)).toBeLessThan(1e-9);
        worst = Math.max(worst, e);
      }
    });
    expect(Math.abs(report.worst!.error - worst)).toBeLessThan(1e-9);
  });

  it("honours realize-modes and warns (W405) when the kernels need more modes", () => {
    const r = realized({ "realize-modes": 1, "realize-tolerance": 1e-4 });
    expect(r.model.config.state).toBe(2);
    expect(r.model.layers.every((l) => l.ssm.modes === 1)).toBe(true);
    const warnings = r.diagnostics.items.filter((d) => d.code === "QS4D-W405");
    expect(warnings.length).toBe(2);
    expect((r.report as RealizeKernelReport).worst!.error).toBeGreaterThan(1e-4);
  });

  it("rejects bad option values with E418", () => {
    for (const options of [{ "realize-modes": "2.5" }, { "realize-tolerance": "-1" }]) {
      try {
        realized(options);
        throw new Error("no error");
      } catch (e) {
        expect((e as Qs4dError).diagnostic.code).toBe("QS4D-E418");
      }
    }
  });

  it("without it, requantize refuses the kernel with E409 naming the pass to run", () => {
    try {
      lowerModel(source, {
        target: loadTarget("imssa-64"),
        passes: ["apply-qat", "discretize", "requantize"],
      });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(Qs4dError);
      expect((e as Qs4dError).diagnostic.code).toBe("QS4D-E409");
      expect((e as Qs4dError).diagnostic.hint).toContain("realize-kernel");
    }
  });
});
