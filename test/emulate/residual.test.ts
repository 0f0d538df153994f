// The residual state update and the wide state, end to end through layout-imssa and the
// emulator, against an independent implementation of docs/chip-arithmetic.md written here:
//   x_k = clamp(x_{k-1} + 2^sh clamp(rhe((0 + ds/2^sh (dr xr - di xi)) + bs/2^sh (br u_k)),
//               -limit, limit), -Qx, Qx)                    (and the imaginary column alike)
//   y_{k-1} = clamp(rhe((0 + M_C sum(Cr xr - Ci xi)) + M_D (D u_{k-1})), -Qy, Qy)
// where the registers on the right are those before read k.

import { describe, expect, it } from "vitest";
import { lowerModel } from "../../src/driver/lower.js";
import type { SsmOp } from "../../src/emulate/program.js";
import { ArrayEngine } from "../../src/emulate/ssm.js";
import type { Model } from "../../src/ir/model.js";
import { dataOf } from "../../src/ir/tensor.js";
import { integerSsm } from "../../src/passes/lib/integer-ssm.js";
import { residualUpdate } from "../../src/passes/lib/residual.js";
import { loadTarget } from "../../src/target/load.js";
import { random, syntheticInputs, syntheticModel } from "../passes/synthetic.js";

const rhe = (v: number) => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const clamp = (v: number, q: number) => Math.min(q, Math.max(-q, v));

/** The layer's output codes by the formulas above, from the IR's codes and gains. */
function reference(model: Model, layer: number, uq: Int32Array, L: number): Int32Array {
  const hw = model.hardware!;
  const s = integerSsm(model.layers[layer]!.ssm, layer, true, hw.params.adcBits);
  const r = s.residual;
  const { H, M } = s;
  const x = new Float64Array(2 * H * M);
  const y = new Int32Array(L * H);
  for (let t = 0; t <= L; t++) {
    const next = x.slice();
    for (let h = 0; h < H; h++) {
      let sc = 0;
      for (let n = 0; n < M; n++) {
        const k = 2 * (h * M + n);
        sc += s.c[k]! * x[k]! - s.c[k + 1]! * x[k + 1]!;
      }
      const u1 = t > 0 ? uq[(t - 1) * H + h]! : 0;
      if (t > 0)
        y[(t - 1) * H + h] = clamp(rhe(0 + s.mC[h]! * sc + s.mD[h]! * (s.d![h]! * u1)), s.yLimit);
      const u = t < L ? uq[t * H + h]! : 0;
      for (let n = 0; n < M; n++) {
        const m = h * M + n;
        const k = 2 * m;
        const [xr, xi] = [x[k]!, x[k + 1]!];
        if (r === null) {
          const [ar, ai, br, bi] = [s.a[k]!, s.a[k + 1]!, s.b[k]!, s.b[k + 1]!];
          next[k] = clamp(rhe(0 + s.mA[h]! * (ar * xr - ai * xi) + s.mB[h]! * (br * u)), s.xLimit);
          next[k + 1] = clamp(
            rhe(0 + s.mA[h]! * (ai * xr + ar * xi) + s.mB[h]! * (bi * u)),
            s.xLimit,
          );
          continue;
        }
        const step = 2 ** r.shift[m]!;
        const [gx, gu] = [r.deltaScale[m]! / step, r.bbarScale[m]! / step];
        const [dr, di, br, bi] = [r.delta[k]!, r.delta[k + 1]!, r.bbar[k]!, r.bbar[k + 1]!];
        const cr = clamp(rhe(0 + gx * (dr * xr - di * xi) + gu * (br * u)), r.limit);
        const ci = clamp(rhe(0 + gx * (di * xr + dr * xi) + gu * (bi * u)), r.limit);
        next[k] = clamp(xr + cr * step, s.xLimit);
        next[k + 1] = clamp(xi + ci * step, s.xLimit);
      }
    }
    x.set(next);
  }
  return y;
}

function lowered(stateUpdate: string) {
  const model = syntheticModel({ channels: 3, state: 8, layers: 1, length: 40, seed: 5 });
  const calib = syntheticInputs(model, 4);
  return lowerModel(model, {
    target: loadTarget("imssa-64"),
    calibration: calib,
    options: { "state-update": stateUpdate, "allow-loss": "true" },
  });
}

function randomCodes(n: number, limit: number, seed: number): Int32Array {
  const rand = random(seed);
  return Int32Array.from({ length: n }, () => Math.round(rand() * limit));
}

describe("residual and wide state updates", () => {
  for (const scheme of ["residual", "plain"]) {
    it(`${scheme}: the emulator's output codes are the formulas', on random input codes`, () => {
      const { model } = lowered(scheme);
      const ssm = model.layers[0]!.ssm;
      expect(ssm.residual !== undefined).toBe(scheme === "residual");
      const hw = model.hardware!;
      const op = hw.program.find((o) => o.op === "ssm") as SsmOp;
      const state = hw.signals[op.stateSignal]!;
      expect(state.accumulate === true).toBe(scheme === "residual");
      // Wider than the ADC either way: the analysis takes a wide register for this model.
      expect(state.limit).toBeGreaterThan(2 ** (hw.params.adcBits - 1) - 1);
      const H = ssm.channels;
      const L = 40;
      const uLimit = hw.signals[op.inputSignal]!.limit;
      for (const seed of [1, 2, 3]) {
        const uq = randomCodes(L * H, uLimit, seed);
        const got = new ArrayEngine(hw).runCodes(op, uq, L);
        expect(Array.from(got)).toEqual(Array.from(reference(model, 0, uq, L)));
      }
    });
  }
});

describe("residualUpdate", () => {
  const base = {
    H: 1,
    M: 2,
    // A slow mode (|lambda| = 0.9995, memory ~2000 steps) and a fast rotating one.
    lambda: Float64Array.of(0.9995 * Math.cos(0.01), 0.9995 * Math.sin(0.01), 0.3, 0.8),
    bbar: Float64Array.of(0.05, -0.02, 3.1, 0.4),
    bbarGrid: null,
    xLimit: 32767,
    uLimit: 127,
    convLimit: 127,
    maxCode: 16383,
  };

  it("keeps lambda - 1 on each mode's own grid and sizes each mode's ADC step", () => {
    const r = residualUpdate(base);
    const delta = dataOf(r.delta);
    const scale = dataOf(r.deltaScale);
    const shift = dataOf(r.shift);
    for (let n = 0; n < 2; n++) {
      const [dr, di] = [base.lambda[2 * n]! - 1, base.lambda[2 * n + 1]!];
      // Relative precision of lambda - 1: half a code of the mode's own scale.
      expect(Math.abs(delta[2 * n]! * scale[n]! - dr)).toBeLessThanOrEqual(scale[n]! / 2 + 1e-15);
      expect(Math.abs(delta[2 * n + 1]! * scale[n]! - di)).toBeLessThanOrEqual(scale[n]! / 2);
      expect(Math.hypot(1 + delta[2 * n]! * scale[n]!, delta[2 * n + 1]! * scale[n]!)).toBeLessThan(
        1,
      );
    }
    // The slow mode's increment is small: a fine step; the fast one's is about x itself.
    expect(shift[0]!).toBeLessThan(shift[1]!);
    expect(2 ** shift[1]! * 127).toBeGreaterThanOrEqual(32767 * Math.sqrt(2 * (1 - 0.3)));
    expect(r.limit).toBe(127);
    // A multi-step conversion (limit 16383) resolves the same increments 2^7 times finer.
    const wide = dataOf(residualUpdate({ ...base, convLimit: 16383 }).shift);
    expect(Array.from(wide)).toEqual(Array.from(shift, (v) => Math.max(0, v - 7)));
  });

  it("keeps a model's Bbar grid when the cells hold it", () => {
    const codes = Int32Array.of(3, -1, 20, 2);
    const r = residualUpdate({ ...base, bbarGrid: { codes, scales: Float64Array.of(0.25) } });
    expect(Array.from(dataOf(r.bbar))).toEqual([3, -1, 20, 2]);
    expect(Array.from(dataOf(r.bbarScale))).toEqual([0.25, 0.25]);
  });
});
