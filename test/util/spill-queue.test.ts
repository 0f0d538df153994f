// The spilling FIFO (src/util/spill-queue.ts): any interleaving of pushes and takes gives the
// rows back in order and unchanged, whether they sat in memory or in the file, across clears.

import { describe, expect, it } from "vitest";
import { SPILL_BLOCK_ROWS, SpillQueue } from "../../src/util/spill-queue.js";
import { Rng } from "../fuzz/rng.js";

const never = (dir: string, reason: string): never => {
  throw new Error(`spill failed under ${dir}: ${reason}`);
};

/** Uniform draws in [0, 1) of a seeded stream (the fuzzer's). */
function random(seed: number): () => number {
  const rng = new Rng(seed, 0);
  return () => rng.next();
}

describe("SpillQueue", () => {
  it("random pushes and takes past a one-block budget: every row back, in order", () => {
    const width = 3;
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      const queue = new SpillQueue(width, never, 1);
      let pushed = 0;
      let taken = 0;
      let spilled = false;
      for (let round = 0; round < 3; round++) {
        for (let op = 0; op < 60; op++) {
          // Pushes outpace takes: the queue grows to several blocks, then drains.
          if (next() < (op < 40 ? 0.75 : 0.2)) {
            const n = Math.floor(next() * 400) + 1;
            const data = Float32Array.from({ length: n * width }, (_, i) => pushed * width + i);
            queue.push(data, n);
            pushed += n;
          } else if (queue.rows > 0) {
            const n = Math.min(queue.rows, Math.floor(next() * 500) + 1);
            const out = new Float32Array(n * width + 2).fill(-1);
            queue.take(n, out, 1);
            expect(out[0]).toBe(-1);
            expect(out[n * width + 1]).toBe(-1);
            for (let i = 0; i < n * width; i++) expect(out[1 + i]).toBe(taken * width + i);
            taken += n;
          }
          spilled ||= queue.spilledRows > 0;
          expect(queue.rows).toBe(pushed - taken);
        }
        if (round === 1) {
          queue.clear();
          taken = pushed;
        }
      }
      expect(spilled, `seed ${seed}`).toBe(true);
    }
  });

  it("keeps its budget's blocks in memory and the rest on disk", () => {
    const queue = new SpillQueue(2, never, 2 * SPILL_BLOCK_ROWS * 2 * 4);
    const rows = (n: number) => new Float32Array(n * 2);
    queue.push(rows(3 * SPILL_BLOCK_ROWS));
    expect(queue.spilledRows).toBe(0);
    queue.push(rows(1));
    expect(queue.spilledRows).toBe(SPILL_BLOCK_ROWS);
    expect(() => queue.take(3 * SPILL_BLOCK_ROWS + 2, new Float32Array(0))).toThrow(/take/);
  });
});
