// The reference executor's batch on worker threads (src/run/batch.ts): the logits and the
// per-layer codes of 1, 2 and 3 threads are runModel's in this thread, bit for bit, on models
// with static and per-sample quantizers and in both forms; a refusal on a worker comes back
// with its diagnostic; a bad input is named by its index in the whole batch.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { runBatch } from "../../src/run/batch.js";
import { type RunResult, runModel } from "../../src/run/index.js";
import { fixtureModel, inputs } from "../passes/fixtures.js";

const same = (a: ArrayLike<number> | null, b: ArrayLike<number> | null) =>
  a === null || b === null
    ? a === b
    : a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

function identical(a: RunResult, b: RunResult): boolean {
  const traces = (r: RunResult) => r.traces ?? [];
  return (
    a.batch === b.batch &&
    same(a.logits, b.logits) &&
    traces(a).length === traces(b).length &&
    traces(a).every((t, i) => {
      const u = traces(b)[i]!;
      return t.layer === u.layer && t.int8 === u.int8 && same(t.uq, u.uq) && same(t.yq, u.yq);
    })
  );
}

const error = (work: Promise<unknown>) =>
  work.then(
    () => null,
    (e: unknown) => e,
  );

describe("the reference executor's batch on worker threads", () => {
  const cases = [
    ["digits-qat8-h32n16-l2", "recurrent"],
    ["qs4d-digits-qat-h32n16-l2", "recurrent"],
    ["qs4d-digits-qat-h32n16-l2", "conv"],
  ] as const;
  for (const [name, form] of cases) {
    it(`${name}, ${form}: 1, 2 and 3 threads give runModel's logits and codes`, async () => {
      const model = fixtureModel(name);
      const x = inputs(name, 0, 5);
      const one = runModel(model, x.inputs, x.shape, { form, trace: true });
      expect(one.traces!.length).toBeGreaterThan(0);
      for (const threads of [1, 2, 3]) {
        const spread = await runBatch(model, x.inputs, x.shape, { form, trace: true, threads });
        expect(identical(spread, one), `${threads} threads`).toBe(true);
      }
    });
  }

  it("a refusal on a worker comes back with its diagnostic (QS4D-E304: no codes to trace)", async () => {
    const name = "digits-float-h32n16-l2";
    const x = inputs(name, 0, 2);
    const e = await error(
      runBatch(fixtureModel(name), x.inputs, x.shape, { trace: true, threads: 2 }),
    );
    expect(e).toBeInstanceOf(Qs4dError);
    expect((e as Qs4dError).diagnostic.code).toBe("QS4D-E304");
  });

  it("names a bad input value by its index in the whole batch (QS4D-E302)", async () => {
    const name = "digits-qat8-h32n16-l2";
    const x = inputs(name, 0, 4);
    const data = Float64Array.from(x.inputs);
    data[3 * x.shape[1]! + 7] = Number.NaN;
    const e = await error(runBatch(fixtureModel(name), data, x.shape, { threads: 2 }));
    expect((e as Qs4dError).diagnostic.code).toBe("QS4D-E302");
    expect((e as Qs4dError).message).toContain("3, 7");
  });
});
