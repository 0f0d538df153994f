// The rows a per-sample quantizer holds until its sequence ends (its scale is a statistic of the
// whole sequence, needed before the first row can be quantized): a SpillQueue (util/), in memory
// up to a budget (2 MB per op) and beyond it in a temporary file, written once and read back
// once per sample. Memory therefore does not grow with L; the disk holds 4 bytes per value
// beyond the budget (8 MB for H = 128 at L = 16384; the page cache usually keeps it) and the
// file is gone when the process ends. Spilling measured no slower than holding (one sample of
// L = 262144: 5.17 s against 5.25 s). Recomputing the rows instead (replay) keeps the disk out
// of it but costs 1.5-1.7x the time of every per-sample model (docs/simulator.md §9).

import { fail } from "../diag/error.js";
import { SPILL_BUDGET_BYTES, type SpillFailure, SpillQueue } from "../util/spill-queue.js";

/** What one op may hold in memory before its rows go to the disk. */
export const HOLD_BUDGET_BYTES = SPILL_BUDGET_BYTES;

export class HeldRows {
  private readonly queue: SpillQueue;
  private readonly row: Float32Array;
  private max = 0;

  constructor(width: number, budgetBytes = HOLD_BUDGET_BYTES) {
    this.queue = new SpillQueue(width, spillFailed(budgetBytes), budgetBytes);
    this.row = new Float32Array(width);
  }

  push(x: Float32Array): void {
    this.queue.push(x, 1);
    for (let i = 0; i < x.length; i++) this.max = Math.max(this.max, Math.abs(x[i]!));
  }

  /** max |x| over every value held (the per-sample quantizers' statistic). */
  maxAbs(): number {
    return this.max;
  }

  /** Rows held beyond the memory budget, on disk (0 until the budget is reached). */
  spilledRows(): number {
    return this.queue.spilledRows;
  }

  /**
   * Each row in order (a view, valid until the next) with its index; the rows are taken out
   * as they are visited. A generator, so that a stream's reads can suspend inside the loop.
   */
  *rows(): Generator<readonly [Float32Array, number], void, undefined> {
    for (let t = 0; this.queue.rows > 0; t++) {
      this.queue.take(1, this.row);
      yield [this.row, t];
    }
  }

  /** Empties it for the next sample; memory and the file are kept and reused. */
  clear(): void {
    this.queue.clear();
    this.max = 0;
  }
}

/** QS4D-E612, naming the budget in use. */
function spillFailed(budgetBytes: number): SpillFailure {
  return (dir, reason) => fail("QS4D-E612", { dir, reason, budget: `${budgetBytes / 2 ** 20} MB` });
}
