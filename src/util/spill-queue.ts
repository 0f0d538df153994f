// A first-in first-out queue of float32 rows whose memory does not grow with the number of rows
// it holds: rows are packed in blocks of SPILL_BLOCK_ROWS, the blocks in memory up to a budget
// and every further block in a temporary file (written once, read back once), in queue order
// whichever holds it. The executors hold rows this way where a statistic of the whole sequence
// is needed before the first row can go on (a per-sample quantizer's max over the sequence),
// and where a branch waits for such an op (a residual add). Beyond the budget the disk holds
// 4 bytes per value; the page cache usually keeps it, and the file is gone when the process ends.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Rows per block. */
export const SPILL_BLOCK_ROWS = 1024;

/** What one queue may hold in memory before its blocks go to the disk. */
export const SPILL_BUDGET_BYTES = 2 * 2 ** 20;

/** Raised when the temporary file cannot be made, written or read: each user's own diagnostic. */
export type SpillFailure = (dir: string, reason: string) => never;

/** A block: in memory, or the index of its slot in the file. */
type Block = Float32Array | number;

export class SpillQueue {
  /**
   * Blocks in queue order: the head is read from, the last one (in memory) written to. Full
   * blocks stay in memory up to `residentMax`, beyond it they go to the file as they fill.
   */
  private readonly blocks: Block[] = [];
  /** Rows already taken from the head block, and rows in the queue. */
  private headRow = 0;
  private count = 0;
  private readonly residentMax: number;
  private resident = 0;
  /** Memory blocks given back, and the head block read back from the file. */
  private readonly free: Float32Array[] = [];
  private loaded: { slot: number; block: Float32Array } | null = null;
  private file: SpillFile | null = null;
  private slots = 0;

  constructor(
    readonly width: number,
    private readonly failure: SpillFailure,
    budgetBytes = SPILL_BUDGET_BYTES,
  ) {
    this.residentMax = Math.max(1, Math.floor(budgetBytes / (SPILL_BLOCK_ROWS * width * 4)));
  }

  /** Rows in the queue. */
  get rows(): number {
    return this.count;
  }

  /** Rows of the queue in the file (whole blocks; 0 until the budget is reached). */
  get spilledRows(): number {
    return this.blocks.filter((b) => typeof b === "number").length * SPILL_BLOCK_ROWS;
  }

  /** Appends `n` rows (data[0 .. n x width)). */
  push(data: Float32Array, n = data.length / this.width): void {
    let at = 0;
    while (at < n) {
      const fill = (this.headRow + this.count) % SPILL_BLOCK_ROWS;
      const block = fill === 0 ? this.newTail() : (this.blocks.at(-1) as Float32Array);
      const k = Math.min(n - at, SPILL_BLOCK_ROWS - fill);
      block.set(data.subarray(at * this.width, (at + k) * this.width), fill * this.width);
      this.count += k;
      at += k;
    }
  }

  /** Removes the first `n` rows into out[offset ..]. */
  take(n: number, out: Float32Array, offset = 0): void {
    if (n > this.count) throw new Error(`SpillQueue: take ${n} of ${this.count} rows`);
    let at = 0;
    while (at < n) {
      const block = this.headBlock();
      const k = Math.min(n - at, SPILL_BLOCK_ROWS - this.headRow, this.count);
      const from = this.headRow * this.width;
      out.set(block.subarray(from, from + k * this.width), offset + at * this.width);
      this.headRow += k;
      this.count -= k;
      at += k;
      if (this.headRow === SPILL_BLOCK_ROWS || this.count === 0) this.dropHead();
    }
  }

  /** Empties it (the file's space is reused). */
  clear(): void {
    while (this.blocks.length > 0) this.dropHead();
    this.headRow = 0;
    this.count = 0;
    this.slots = 0;
  }

  /** Starts a block at the tail; the previous tail, full, goes to the file beyond the budget. */
  private newTail(): Float32Array {
    const last = this.blocks.length - 1;
    if (last > 0 && this.resident > this.residentMax) {
      const full = this.blocks[last] as Float32Array;
      this.file ??= new SpillFile(this.failure);
      this.file.write(this.slots, full);
      this.blocks[last] = this.slots++;
      this.resident--;
      this.free.push(full);
    }
    const block = this.free.pop() ?? new Float32Array(SPILL_BLOCK_ROWS * this.width);
    this.blocks.push(block);
    this.resident++;
    return block;
  }

  private headBlock(): Float32Array {
    const head = this.blocks[0]!;
    if (typeof head !== "number") return head;
    if (this.loaded?.slot !== head) {
      const block = this.loaded?.block ?? new Float32Array(SPILL_BLOCK_ROWS * this.width);
      this.file!.read(head, block);
      this.loaded = { slot: head, block };
    }
    return this.loaded.block;
  }

  private dropHead(): void {
    const head = this.blocks.shift()!;
    if (typeof head !== "number") {
      this.free.push(head);
      this.resident--;
    } else if (this.loaded?.slot === head) {
      // Its slot is written again after the queue empties: the copy here goes stale.
      this.loaded = { slot: -1, block: this.loaded.block };
    }
    this.headRow = 0;
    if (this.blocks.length === 0) this.slots = 0;
  }
}

/**
 * A temporary file of fixed-size blocks, removed from its folder as soon as it is open (POSIX
 * keeps it until the descriptor closes, so nothing is left behind even if the process is
 * killed); where removing an open file is refused, it is removed when the process exits.
 */
class SpillFile {
  private readonly fd: number;

  constructor(private readonly failure: SpillFailure) {
    const dir = this.folder();
    try {
      this.fd = openSync(join(dir, "rows.f32"), "w+");
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      failure(dir, reason(error));
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

  write(slot: number, block: Float32Array): void {
    const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
    try {
      writeSync(this.fd, bytes, 0, bytes.length, slot * bytes.length);
    } catch (error) {
      this.failure(tmpdir(), reason(error));
    }
  }

  read(slot: number, into: Float32Array): void {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    const got = readSync(this.fd, bytes, 0, bytes.length, slot * bytes.length);
    if (got !== bytes.length) this.failure(tmpdir(), `read ${got} of ${bytes.length} bytes`);
  }

  private folder(): string {
    try {
      return mkdtempSync(join(tmpdir(), "qs4dc-held-"));
    } catch (error) {
      return this.failure(tmpdir(), reason(error));
    }
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
