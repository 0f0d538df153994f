// The rows a per-sample quantizer holds until its sequence ends (its scale is a statistic of the
// whole sequence, needed before the first row can be quantized): packed 4 bytes per value in
// blocks of HELD_BLOCK_ROWS rows, the first blocks in memory up to a budget (2 MB per op) and
// every later block in a temporary file, written once and read back once per sample. Memory
// therefore does not grow with L; the disk holds 4 bytes per value beyond the budget (8 MB for
// H = 128 at L = 16384; the page cache usually keeps it) and the file is gone when the process
// ends. Spilling measured no slower than holding (one sample of L = 262144: 5.17 s against
// 5.25 s). Recomputing the rows instead (replay) keeps the disk out of it but costs 1.5-1.7x
// the time of every per-sample model (docs/simulator.md §9).

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fail } from "../diag/error.js";

/** Rows per block. */
export const HELD_BLOCK_ROWS = 1024;

/** What one op may hold in memory before its blocks go to the disk. */
export const HOLD_BUDGET_BYTES = 2 * 2 ** 20;

export class HeldRows {
  private readonly blocks: Float32Array[] = [];
  /** Blocks kept in memory; the later ones are spilled. */
  private readonly resident: number;
  /** The block being filled beyond the resident ones, and a spilled block read back. */
  private staging: Float32Array | null = null;
  private loaded: Float32Array | null = null;
  private spill: SpillFile | null = null;
  private count = 0;
  private max = 0;

  constructor(
    private readonly width: number,
    budgetBytes = HOLD_BUDGET_BYTES,
  ) {
    this.resident = Math.max(1, Math.floor(budgetBytes / (HELD_BLOCK_ROWS * width * 4)));
  }

  push(x: Float32Array): void {
    const b = Math.floor(this.count / HELD_BLOCK_ROWS);
    const block = b < this.resident ? this.residentBlock(b) : this.stagingBlock();
    block.set(x, (this.count % HELD_BLOCK_ROWS) * this.width);
    for (let i = 0; i < x.length; i++) this.max = Math.max(this.max, Math.abs(x[i]!));
    this.count++;
    if (b >= this.resident && this.count % HELD_BLOCK_ROWS === 0) {
      this.spill ??= new SpillFile();
      this.spill.write(b - this.resident, block);
    }
  }

  /** max |x| over every value held (the per-sample quantizers' statistic). */
  maxAbs(): number {
    return this.max;
  }

  /** Rows held beyond the memory budget, on disk (0 until the budget is reached). */
  spilledRows(): number {
    return Math.max(0, this.count - this.resident * HELD_BLOCK_ROWS);
  }

  /** Calls `visit` with each row in order (a view, valid during the call) and its index. */
  forEach(visit: (row: Float32Array, t: number) => void): void {
    const full = Math.floor(this.count / HELD_BLOCK_ROWS);
    for (let t = 0; t < this.count; t++) {
      const b = Math.floor(t / HELD_BLOCK_ROWS);
      const at = (t % HELD_BLOCK_ROWS) * this.width;
      let block: Float32Array;
      if (b < this.resident) block = this.blocks[b]!;
      else if (b === full)
        block = this.staging!; // the last block, not full: never written
      else {
        if (at === 0) this.load(b - this.resident);
        block = this.loaded!;
      }
      visit(block.subarray(at, at + this.width), t);
    }
  }

  /** Empties it for the next sample; blocks and the file are kept and reused. */
  clear(): void {
    this.count = 0;
    this.max = 0;
  }

  private residentBlock(b: number): Float32Array {
    if (b === this.blocks.length) this.blocks.push(this.newBlock());
    return this.blocks[b]!;
  }

  private stagingBlock(): Float32Array {
    this.staging ??= this.newBlock();
    return this.staging;
  }

  private load(spilled: number): void {
    this.loaded ??= this.newBlock();
    this.spill!.read(spilled, this.loaded);
  }

  private newBlock(): Float32Array {
    return new Float32Array(HELD_BLOCK_ROWS * this.width);
  }
}

/**
 * A temporary file of fixed-size blocks, removed from its folder as soon as it is open (POSIX
 * keeps it until the descriptor closes, so nothing is left behind even if the process is
 * killed); where removing an open file is refused, it is removed when the process exits.
 */
class SpillFile {
  private readonly fd: number;

  constructor() {
    const dir = spillDir();
    const path = join(dir, "held-rows.f32");
    try {
      this.fd = openSync(path, "w+");
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      spillFailed(dir, error);
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      process.once("exit", () => {
        closeSync(this.fd);
        rmSync(dir, { recursive: true, force: true });
      });
    }
  }

  write(index: number, block: Float32Array): void {
    const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
    try {
      writeSync(this.fd, bytes, 0, bytes.length, index * bytes.length);
    } catch (error) {
      spillFailed(tmpdir(), error);
    }
  }

  read(index: number, into: Float32Array): void {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    const got = readSync(this.fd, bytes, 0, bytes.length, index * bytes.length);
    if (got !== bytes.length)
      spillFailed(tmpdir(), new Error(`read ${got} of ${bytes.length} bytes`));
  }
}

function spillDir(): string {
  try {
    return mkdtempSync(join(tmpdir(), "qs4dc-held-"));
  } catch (error) {
    return spillFailed(tmpdir(), error);
  }
}

function spillFailed(dir: string, error: unknown): never {
  const reason = error instanceof Error ? error.message : String(error);
  return fail("QS4D-E612", { dir, reason, budget: `${HOLD_BUDGET_BYTES / 2 ** 20} MB` });
}
