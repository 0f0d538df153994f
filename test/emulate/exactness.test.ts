// The proof that lowering loses nothing where nothing has to be lost: on a target that holds
// the model's grids, the emulated chip computes the qs4d-symmetric-v1 integer semantics
// exactly. Checked against the golden traces and logits of the training export.

import { describe, expect, it } from "vitest";
import { lowerModel } from "../../src/driver/lower.js";
import { emulate, emulateLayerCodes } from "../../src/emulate/index.js";
import type { Model } from "../../src/ir/model.js";
import { builtinTarget, loadTarget, targetDigest } from "../../src/target/load.js";
import { argmax, fixtureModel, goldenF32, goldenI8, inputs } from "../passes/fixtures.js";

const NAME = "digits-qat8-h32n16-l2";
const [TRACES, H, L] = [4, 32, 64];

function lowered(target: string): Model {
  const custom = [SLICED, DIFFERENTIAL].find((t) => t.name === target);
  const loaded =
    custom === undefined
      ? loadTarget(target)
      : { description: custom, digest: targetDigest(custom), origin: "test" };
  const result = lowerModel(fixtureModel(NAME), { target: loaded });
  expect(result.model.hardware!.params.slices).toBe(target === SLICED.name ? 2 : 1);
  return result.model;
}

/** 16-level cells: the 8-bit codes are bit-sliced over two cells each. */
const SLICED = (() => {
  const base = builtinTarget("imssa-64")!;
  return {
    ...base,
    name: "sliced-16",
    array: { rows: 256, cols: 256, count: null },
    cell: { ...base.cell, levels: 16 },
    outputColumns: 2 as const,
  };
})();

const DIFFERENTIAL = {
  ...builtinTarget("ideal")!,
  name: "differential",
  encoding: "differential-columns" as const,
};

describe.each(["ideal", "imssa-64", "sliced-16", "differential"])("exactness on %s", (target) => {
  const model = lowered(target);

  it("every layer's SSM output integers equal the golden trace, given the golden inputs", () => {
    for (const layer of [0, 1]) {
      const u = goldenI8(NAME, `trace_layer${layer}_u_q.i8`);
      const y = goldenI8(NAME, `trace_layer${layer}_y_q.i8`);
      let mismatches = 0;
      for (let b = 0; b < TRACES; b++) {
        const codes = emulateLayerCodes(
          model,
          layer,
          Int32Array.from(u.subarray(b * H * L, (b + 1) * H * L)),
          L,
        );
        for (let i = 0; i < H * L; i++) if (codes[i] !== y[b * H * L + i]) mismatches++;
      }
      expect(mismatches).toBe(0);
    }
  });

  it("end to end, the SSM input codes equal the golden trace and the logits the golden logits", () => {
    const n = target === "ideal" ? 360 : 40;
    const { inputs: x, shape } = inputs(NAME, 0, n);
    const result = emulate(model, x, shape, { trace: true });
    for (const layer of [0, 1]) {
      const golden = goldenI8(NAME, `trace_layer${layer}_u_q.i8`);
      const traced = result.traces![layer]!.uq.subarray(0, TRACES * H * L);
      expect(Array.from(traced)).toEqual(Array.from(golden));
    }
    // Float32 tolerance (1e-5 of the largest logit) per sample. The periphery's float32 ops
    // decide which side of a rounding boundary a u / su within an ulp of it lands on, so a
    // rare sample moves one u_q by one LSB (fixtures/models/README.md): at most 3, same argmax.
    const reference = goldenF32(NAME, "logits_quant_recurrent.f32");
    let scale = 0;
    for (let i = 0; i < n * 10; i++) scale = Math.max(scale, Math.abs(reference[i]!));
    const beyond: number[] = [];
    for (let b = 0; b < n; b++) {
      let d = 0;
      for (let c = 0; c < 10; c++)
        d = Math.max(d, Math.abs(result.logits[b * 10 + c]! - reference[b * 10 + c]!));
      if (d > 1e-5 * scale) beyond.push(b);
      expect(d).toBeLessThan(1e-2 * scale);
      expect(argmax(result.logits, b * 10, 10)).toBe(argmax(reference, b * 10, 10));
    }
    expect(beyond.length).toBeLessThanOrEqual(3);
  });
});
