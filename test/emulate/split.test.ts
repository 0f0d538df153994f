// Channels split over several arrays (layout-imssa, when a channel block is larger than one
// array): the emulated chip against an independent integer reference of the split arithmetic
// (docs/chip-arithmetic.md §3, "Channels split over arrays"), written here from the model's
// own integers and multipliers (weights.json, fixtures/models/README.md): the state
// recurrence is the unsplit one, exactly; each part converts its partial y on a grid 2^f finer
// (D in the first part), and y is the parts' codes summed and rounded once.

import { describe, expect, it } from "vitest";
import { roundHalfEven } from "../../src/arith/numeric.js";
import { lowerModel } from "../../src/driver/lower.js";
import { emulate, emulateLayerCodes } from "../../src/emulate/index.js";
import type { Model } from "../../src/ir/model.js";
import type { TileReport } from "../../src/passes/tile.js";
import { builtinTarget, targetDigest } from "../../src/target/load.js";
import type { TargetDescription } from "../../src/target/types.js";
import {
  accuracy,
  fixtureModel,
  goldenF32,
  goldenI8,
  goldenI32,
  inputs,
  weightsJson,
} from "../passes/fixtures.js";

const NAME = "digits-qat8-h32n16-l2";
const [TRACES, H, L, M] = [4, 32, 64, 8];
/** 16 x 16 arrays hold 3 modes beside a channel's u rows and y columns: parts of 3, 3, 2. */
const PARTS = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7],
];

function small(encoding: TargetDescription["encoding"]): TargetDescription {
  return {
    ...builtinTarget("ideal")!,
    name: `ideal-16-${encoding}`,
    array: { rows: 16, cols: 16, count: null },
    adc: { bits: "model", perArray: 16 },
    encoding,
  };
}

function lower(t: TargetDescription) {
  return lowerModel(fixtureModel(NAME), {
    target: { description: t, digest: targetDigest(t), origin: "test" },
  });
}

const clamp = (v: number, q: number) => Math.min(q, Math.max(-q, v));

/**
 * The parts' fine conversion (chip-arithmetic §3) of the 8-bit y on the `model` ADC of the
 * ideal target (as wide, 7 bits a step): the one requantize chose for the layer, which must be
 * one or two steps more than y's one (14 or 21 bits: 7 for y, 2 of headroom, f fraction bits).
 */
function fineGrid(model: Model, layer: number): { f: number; limit: number } {
  const f = model.layers[layer]!.ssm.splitFraction!;
  expect([14 - 7 - 2, 21 - 7 - 2]).toContain(f);
  return { f, limit: 2 ** (7 + 2 + f) - 1 };
}

/**
 * README "Quantized forward semantics" steps 2-4, with y summed over PARTS: each part's
 * partial converted on a grid 2^f finer (f = 0: the plain one-rounding-per-part sum, the
 * coarse alternative the test compares with). [H, L] codes.
 */
function splitReference(
  layer: number,
  u: Int8Array,
  fine: { f: number; limit: number } | null,
): Int32Array {
  const q = weightsJson(NAME).quantization as {
    tensors: Record<string, { int: number[] }>;
    multipliers: Record<string, { M_A: number; M_B: number[]; M_C: number; M_D: number }>;
    bits: Record<string, number>;
  };
  const t = (name: string) => q.tensors[`layers.${layer}.${name}`]!.int;
  const [A, B, C, D] = [t("kernel.dA"), t("kernel.dB"), t("kernel.C"), t("D")];
  const { M_A, M_B, M_C, M_D } = q.multipliers[`layers.${layer}`]!;
  const [Qx, Qy] = [2 ** (q.bits.x! - 1) - 1, 2 ** (q.bits.y! - 1) - 1];
  const { f, limit } = fine ?? { f: 0, limit: Qy };
  const y = new Int32Array(H * L);
  for (let h = 0; h < H; h++) {
    const xr = new Float64Array(M);
    const xi = new Float64Array(M);
    for (let k = 0; k < L; k++) {
      const uq = u[h * L + k]!;
      for (let n = 0; n < M; n++) {
        const i = 2 * (h * M + n);
        const ar = A[i]! * xr[n]! - A[i + 1]! * xi[n]!;
        const ai = A[i]! * xi[n]! + A[i + 1]! * xr[n]!;
        const tr = M_A * ar + M_B[h]! * (B[i]! * uq);
        const ti = M_A * ai + M_B[h]! * (B[i + 1]! * uq);
        xr[n] = clamp(roundHalfEven(tr), Qx);
        xi[n] = clamp(roundHalfEven(ti), Qx);
      }
      let sum = 0;
      PARTS.forEach((modes, p) => {
        let acc = 0;
        for (const n of modes)
          acc += C[2 * (h * M + n)]! * xr[n]! - C[2 * (h * M + n) + 1]! * xi[n]!;
        const a = p === 0 ? M_C * acc + M_D * (D[h]! * uq) : M_C * acc;
        sum += clamp(roundHalfEven(a * 2 ** f), limit);
      });
      y[h * L + k] = clamp(roundHalfEven(sum / 2 ** f), Qy);
    }
  }
  return y;
}

describe.each(["row-polarity", "differential-columns"] as const)(
  "split channels, %s",
  (encoding) => {
    const lowered = lower(small(encoding));
    const model: Model = lowered.model;

    it("splits every channel into parts of 3, 3 and 2 modes, reported by tile", () => {
      const tile = lowered.reports.get("tile") as TileReport;
      expect(tile.split.length).toBe(2 * H);
      expect(tile.split.every((s) => s.parts === 3)).toBe(true);
      for (const c of model.hardware!.crossbars)
        for (const p of c.placements) expect(p.block).toMatch(/^l\d\.h\d+\.p[012]$/);
    });

    it("computes the split arithmetic exactly: unsplit states, y = the parts' fine codes summed, rounded once", () => {
      const differ = { fine: 0, coarse: 0 };
      let worst = 0;
      let predicted = 0;
      for (const layer of [0, 1]) {
        const grid = fineGrid(model, layer);
        // Variance of the one-code moves, E|e| (lib/split.ts), per code of the layer.
        predicted += Math.sqrt(2 / Math.PI) * Math.sqrt(3 / 12) * 2 ** -grid.f * TRACES * H * L;
        const u = goldenI8(NAME, `trace_layer${layer}_u_q.i8`);
        const golden = goldenI8(NAME, `trace_layer${layer}_y_q.i8`);
        for (let b = 0; b < TRACES; b++) {
          const ub = u.subarray(b * H * L, (b + 1) * H * L);
          const codes = emulateLayerCodes(model, layer, Int32Array.from(ub), L);
          expect(Array.from(codes)).toEqual(Array.from(splitReference(layer, ub, grid)));
          const coarse = splitReference(layer, ub, null);
          for (let i = 0; i < H * L; i++) {
            const d = Math.abs(codes[i]! - golden[b * H * L + i]!);
            if (d > 0) differ.fine++;
            if (coarse[i] !== golden[b * H * L + i]) differ.coarse++;
            worst = Math.max(worst, d);
          }
        }
      }
      // The parts' fine codes carry rounding errors of at most 2^-(f+1) codes each, so y moves
      // by at most one code against the unsplit chip, and only where the sum lies within
      // 3 x 2^-(f+1) of a rounding boundary: at most a fraction 3 x 2^-f of codes for uniformly
      // spread fractions; the precision analysis predicts E|e| of them. One rounding per part
      // (the coarse sum) moves many more.
      const total = 2 * TRACES * H * L;
      const f = Math.min(fineGrid(model, 0).f, fineGrid(model, 1).f);
      expect(worst).toBeLessThanOrEqual(1);
      expect(differ.fine).toBeLessThan(3 * 2 ** -f * total);
      expect(differ.fine).toBeGreaterThan(predicted / 2);
      expect(differ.fine).toBeLessThan(predicted * 2);
      expect(differ.fine * 4).toBeLessThan(differ.coarse);
    });

    it("classifies like the unsplit chip (within 1 point of the QAT accuracy)", () => {
      const { inputs: x, shape } = inputs(NAME, 0, 120);
      const labels = goldenI32(NAME, "labels.i32").slice(0, 120);
      const reference = accuracy(
        goldenF32(NAME, "logits_quant_recurrent.f32").slice(0, 1200),
        labels,
        10,
      );
      expect(accuracy(emulate(model, x, shape).logits, labels, 10)).toBeGreaterThanOrEqual(
        reference - 0.01,
      );
    });
  },
);
