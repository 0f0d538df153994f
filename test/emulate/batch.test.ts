// The emulator's batch on worker threads (src/emulate/batch.ts): the logits and the per-layer
// codes of 1, 2 and 3 threads are the one thread's, bit for bit, on a model with static input
// scales and one with per-sample ones; a refusal on a worker comes back with its diagnostic.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { lowerModel } from "../../src/driver/lower.js";
import { emulateBatch } from "../../src/emulate/batch.js";
import { type EmulateResult, emulate } from "../../src/emulate/index.js";
import { loadTarget } from "../../src/target/load.js";
import { fixtureModel, inputs } from "../passes/fixtures.js";

const lowered = (name: string) =>
  lowerModel(fixtureModel(name), {
    target: loadTarget("imssa-64"),
    calibration: null,
    options: { "allow-loss": "true" },
  }).model;

const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

function identical(a: EmulateResult, b: EmulateResult): boolean {
  return (
    a.batch === b.batch &&
    same(a.logits, b.logits) &&
    a.traces!.length === b.traces!.length &&
    a.traces!.every((t, i) => t.layer === b.traces![i]!.layer && same(t.uq, b.traces![i]!.uq)) &&
    a.traces!.every((t, i) => same(t.yq, b.traces![i]!.yq))
  );
}

describe("the emulator's batch on worker threads", () => {
  for (const name of ["digits-qat8-h32n16-l2", "qs4d-digits-qat-h32n16-l2"]) {
    it(`${name}: 1, 2 and 3 threads give the one thread's logits and codes`, async () => {
      const model = lowered(name);
      const x = inputs(name, 0, 5);
      const one = emulate(model, x.inputs, x.shape, { trace: true });
      expect(one.traces!.length).toBeGreaterThan(0);
      for (const threads of [1, 2, 3]) {
        const spread = await emulateBatch(model, x.inputs, x.shape, { trace: true, threads });
        expect(identical(spread, one), `${threads} threads`).toBe(true);
      }
    });
  }

  it("a refusal on a worker comes back with its diagnostic (QS4D-E350: not lowered)", async () => {
    const name = "digits-qat8-h32n16-l2";
    const x = inputs(name, 0, 2);
    const error = await emulateBatch(fixtureModel(name), x.inputs, x.shape, { threads: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Qs4dError);
    expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E350");
  });
});
