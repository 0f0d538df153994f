// The emulator in chunks of steps (src/emulate/chunked.ts): its logits are the whole-sequence
// run's bit for bit for any chunk size (one step, sizes that cut the sequence unevenly, and more
// than the sequence), with a lagged SSM output, split channels, the residual state update and a
// second layer in the pipe; per-sample quantizers (qs4d-max) hold their input, on disk beyond a
// budget, and give the same logits and traces.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { lowerModel } from "../../src/driver/lower.js";
import { HoldingStage, runChunked, type Stage } from "../../src/emulate/chunked.js";
import { emulate } from "../../src/emulate/index.js";
import { type Buffer, makeBuffer } from "../../src/emulate/periphery.js";
import type { DigitalOp } from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { builtinTarget, loadTarget, targetDigest } from "../../src/target/load.js";
import type { LoadedTarget, TargetDescription } from "../../src/target/types.js";
import { SPILL_BLOCK_ROWS } from "../../src/util/spill-queue.js";
import { fixtureModel, inputs } from "../passes/fixtures.js";

/** imssa-64 with some fields changed: `outputMode` and `dPlacement` variants. */
function variant(change: Partial<TargetDescription>): LoadedTarget {
  const description = { ...builtinTarget("imssa-64")!, name: "imssa-64-variant", ...change };
  return { description, digest: targetDigest(description), origin: "test" } as LoadedTarget;
}

/** A fixture lowered for `target` with calibration data (static scales). */
function calibrated(
  name: string,
  target: string | LoadedTarget,
  options: Record<string, string> = {},
): Model {
  const calibration = inputs(name, 0, 4);
  return lowerModel(fixtureModel(name), {
    target: typeof target === "string" ? loadTarget(target) : target,
    calibration,
    options: { "allow-loss": "true", ...options },
  }).model;
}

describe("the emulator in chunks of steps", () => {
  const cases = [
    ["digits-qat8-h32n16-l2", "imssa-64", {}],
    ["digits-qat8-h32n16-l2", "imssa-64, D digital", { dPlacement: "digital" }],
    ["digits-float-h32n16-l2", "imssa-64, folded output", { outputMode: "folded" }],
    ["digits-float-h32n16-l2", "imssa-64, residual update", { "state-update": "residual" }],
    ["spoken-qat6-h32n32-l4", "ideal", {}],
  ] as const;
  for (const [name, label, change] of cases) {
    it(`${name} on ${label}: the whole-sequence logits in chunks of 1 (7 at L = 4000) to 10^6 steps`, () => {
      const params = Object.fromEntries(Object.entries(change).filter(([k]) => !k.includes("-")));
      const options = Object.fromEntries(Object.entries(change).filter(([k]) => k.includes("-")));
      const target = label === "ideal" ? "ideal" : variant(params);
      const model = calibrated(name, target, options);
      const program = model.hardware!.program;
      expect(program.every((op) => op.op !== "ssm" || op.inputQuant.kind === "static")).toBe(true);
      const ssm = program.find((op) => op.op === "ssm")!;
      if ("dPlacement" in change) expect(ssm.digitalD).not.toBeNull();
      if ("outputMode" in change) expect(ssm.outputMode).toBe("folded");
      const x = inputs(name, 4, name.startsWith("spoken") ? 5 : 6);
      const data = Float32Array.from(x.inputs);
      const whole = emulate(model, data, x.shape, { chunkRows: null }).logits;
      const sizes = name.startsWith("spoken") ? [7, 333, 1e6] : [1, 7, 100, 1e6];
      for (const chunkRows of sizes) {
        const chunked = emulate(model, data, x.shape, { chunkRows }).logits;
        expect([...chunked], `${chunkRows}`).toEqual([...whole]);
      }
    });
  }

  it("a per-sample model (qs4d-max): the whole-sequence logits and traces, held rows on disk or not", () => {
    const model = lowerModel(fixtureModel("qs4d-digits-qat-h32n16-l2"), {
      target: loadTarget("imssa-64"),
      options: { "allow-loss": "true" },
    }).model;
    const program = model.hardware!.program;
    expect(program.some((op) => op.op === "ssm" && op.inputQuant.kind === "sample")).toBe(true);
    const x = inputs("qs4d-digits-qat-h32n16-l2", 0, 1);
    // The sample repeated to 4500 steps: with a budget of 1 byte, the held rows beyond the
    // first two blocks of 1024 (util/spill-queue.ts) go to the temporary file.
    const L = 4500;
    const short = x.shape[1]!;
    const data = Float32Array.from({ length: L }, (_, i) => {
      const [b, t] = [Math.floor(i / L), i % L];
      return x.inputs[b * short + (t % short)]!;
    });
    const shape = [1, L, 1];
    const whole = emulate(model, data, shape, { chunkRows: null, trace: true });
    for (const [chunkRows, holdBudget] of [
      [64, 1],
      [512, undefined],
      [1e6, 1],
    ] as const) {
      const chunked = emulate(model, data, shape, {
        chunkRows,
        trace: true,
        ...(holdBudget === undefined ? {} : { holdBudget }),
      });
      expect([...chunked.logits], `${chunkRows}`).toEqual([...whole.logits]);
      chunked.traces!.forEach((t, i) => {
        expect(t.uq, `uq ${chunkRows}`).toEqual(whole.traces![i]!.uq);
        expect(t.yq, `yq ${chunkRows}`).toEqual(whole.traces![i]!.yq);
      });
    }
  });

  it("a holding stage refuses with QS4D-E354 when the temporary folder cannot take its rows", () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = "/nonexistent/qs4dc-test";
    try {
      const stage = new HoldingStage({ run: (x) => x }, 512, 1);
      const error = (() => {
        try {
          stage.push(makeBuffer(3 * SPILL_BLOCK_ROWS, 2));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(Qs4dError);
      expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E354");
      expect((error as Qs4dError).exitCode).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("an add takes the steps both inputs have, whichever input lags", () => {
    // input -> "late" (an SSM stand-in: 3 x u, one step late) and add in both orders, pooled.
    const ssm = { op: "ssm", input: "input", output: "late" } as unknown as DigitalOp;
    const program = [
      ssm,
      { op: "add", input: "input", other: "late", output: "a" },
      { op: "add", input: "late", other: "a", output: "b" },
      { op: "mean-pool", input: "b", output: "logits" },
    ] as unknown as DigitalOp[];
    const lateByOne = (): Stage => {
      let pending: Buffer | null = null;
      const tripled = (x: Buffer) => ({ ...x, data: x.data.map((v) => 3 * v) });
      return {
        push(x) {
          const all = pending === null ? x : concat(pending, x);
          pending = { rows: 1, cols: x.cols, data: all.data.slice((all.rows - 1) * x.cols) };
          return tripled({
            rows: all.rows - 1,
            cols: x.cols,
            data: all.data.slice(0, (all.rows - 1) * x.cols),
          });
        },
        finish: () => [tripled(pending!)],
      };
    };
    const L = 11;
    const input = makeBuffer(L, 2);
    for (let i = 0; i < input.data.length; i++) input.data[i] = i + 1;
    // b = 3u + (u + 3u) = 7u per step: the mean of 7u.
    const expected = [0, 1].map(
      (c) => (7 * [...Array(L).keys()].reduce((s, t) => s + input.data[2 * t + c]!, 0)) / L,
    );
    for (const chunkRows of [1, 2, 5, 11, 20]) {
      const out = runChunked(program, input, chunkRows, lateByOne);
      expect([...out.data], `${chunkRows}`).toEqual(expected.map(Math.fround));
    }
  });
});

function concat(a: Buffer, b: Buffer): Buffer {
  const out = makeBuffer(a.rows + b.rows, a.cols);
  out.data.set(a.data);
  out.data.set(b.data, a.data.length);
  return out;
}
