// Held rows beyond the memory budget go to a temporary file (src/sim/held-rows.ts over
// src/util/spill-queue.ts): they come
// back in order and unchanged, the file leaves nothing behind, and a simulation whose
// per-sample quantizers spill computes the same logits as one that holds everything.

import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { HeldRows } from "../../src/sim/held-rows.js";
import { NO_NOISE, parseNoise } from "../../src/sim/noise.js";
import { prepareChip, runSamples } from "../../src/sim/simulate.js";
import { SPILL_BLOCK_ROWS as HELD_BLOCK_ROWS } from "../../src/util/spill-queue.js";
import { compiled, goldenInputs } from "./helpers.js";

const heldDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith("qs4dc-held-")).length;

/** Row t of a test sequence: distinct values, the sample's sign. */
function row(t: number, width: number, sample: number): Float32Array {
  return Float32Array.from({ length: width }, (_, i) => (sample % 2 ? -1 : 1) * (t * width + i));
}

function replay(held: HeldRows, width: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (const [x, t] of held.rows()) {
    expect(t).toBe(rows.length);
    expect(x.length).toBe(width);
    rows.push(Float32Array.from(x));
  }
  return rows;
}

describe("HeldRows", () => {
  it("gives back every row in order past a one-block budget, sample after sample", () => {
    const width = 3;
    const dirs = heldDirs();
    const held = new HeldRows(width, 1); // one block in memory, the rest on disk
    // Full blocks, a partial last block, exactly full blocks, then a short sample.
    for (const [sample, length] of [3.5, 4, 0.25, 2.75].map((b, s) => [s, b * HELD_BLOCK_ROWS])) {
      held.clear();
      for (let t = 0; t < length!; t++) held.push(row(t, width, sample!));
      // Full blocks after the first go to the file; the one being filled stays in memory.
      const full = Math.floor((length! - 1) / HELD_BLOCK_ROWS);
      expect(held.spilledRows()).toBe(Math.max(0, full - 1) * HELD_BLOCK_ROWS);
      expect(held.maxAbs()).toBe(length! * width - 1);
      const rows = replay(held, width);
      expect(rows.length).toBe(length);
      for (const [t, x] of rows.entries()) expect([...x]).toEqual([...row(t, width, sample!)]);
    }
    // The file was removed from its folder as soon as it was open.
    expect(heldDirs()).toBe(dirs);
  });

  it("refuses with QS4D-E612 when the temporary folder cannot take the file", () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = "/nonexistent/qs4dc-test";
    try {
      const held = new HeldRows(2, 1);
      let error: unknown;
      try {
        for (let t = 0; t <= 2 * HELD_BLOCK_ROWS; t++) held.push(row(t, 2, 0));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Qs4dError);
      expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E612");
      expect((error as Qs4dError).exitCode).toBe(2);
      expect((error as Qs4dError).message).toContain("/nonexistent/qs4dc-test");
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("keeps everything in memory within the budget", () => {
    const held = new HeldRows(4, 3 * HELD_BLOCK_ROWS * 4 * 4);
    for (let t = 0; t <= 3 * HELD_BLOCK_ROWS; t++) held.push(row(t, 4, 0));
    expect(held.spilledRows()).toBe(0);
    for (let t = 3 * HELD_BLOCK_ROWS + 1; t <= 4 * HELD_BLOCK_ROWS; t++) held.push(row(t, 4, 0));
    expect(held.spilledRows()).toBe(HELD_BLOCK_ROWS);
  });
});

describe("per-sample quantizers past the hold budget", () => {
  it("compute the logits of the held run, ideal and with read noise", () => {
    const name = "qs4d-digits-qat-h32n16-l2";
    const chip = prepareChip(compiled(name, "imssa-64").chip);
    const x = goldenInputs(name, 0, 2);
    // Each sample's 64 steps tiled 40 times: 2560 rows per op, 1.5 blocks spilled at one block.
    const length = x.length * 40;
    const data = new Float32Array(x.batch * length * x.dIn);
    for (let b = 0; b < x.batch; b++)
      for (let k = 0; k < 40; k++)
        data.set(
          x.data.subarray(b * x.length * x.dIn, (b + 1) * x.length * x.dIn),
          (b * length + k * x.length) * x.dIn,
        );
    const long = { data, batch: x.batch, length, dIn: x.dIn };
    for (const noise of [NO_NOISE, parseNoise("read=0.002,prog=0.001", NO_NOISE)]) {
      const options = { noise, seed: 2, run: 0 };
      const held = runSamples(chip, long, 0, 2, options);
      const spilled = runSamples(chip, long, 0, 2, { ...options, holdBudget: 1 });
      expect([...spilled]).toEqual([...held]);
    }
  });
});
