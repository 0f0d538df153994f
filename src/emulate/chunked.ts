// Runs a digital program on one sample a chunk of steps at a time, so that its buffers hold a
// chunk's rows, not the whole sequence. The row ops compute each output row from the input
// rows of its step; the others are stages the caller gives: `mean-pool` (a running sum), `ssm`
// (state carried from chunk to chunk; a lagged output gives its rows one step late and `finish`
// the last) and the per-sample quantizers (HoldingStage: their scale is a statistic of the whole
// sequence, so they hold their input, beyond a memory budget on disk, and give their output
// when it ends). Rows wait in a queue per reader (on disk beyond a budget too, for a branch that
// waits on a holding stage), so that an op with two inputs (`add`) takes the steps both have.
// Chunks go through the program one at a time, each op taking at most CHUNK_ROWS rows per pass:
// memory does not grow with L. The ops compute each row as the whole-sequence program does: the
// same numbers bit for bit.

import { fail } from "../diag/error.js";
import type { DigitalOp } from "../ir/hardware.js";
import { SPILL_BUDGET_BYTES, type SpillFailure, SpillQueue } from "../util/spill-queue.js";
import { type Buffer, makeBuffer, maxAbs } from "./periphery.js";
import { ROW_OPS, type RowOp, rowOp } from "./program.js";

/** Steps per chunk of a streamed sample: its buffers hold this many rows, not L. */
export const CHUNK_ROWS = 512;

/** An op that keeps state across chunks: the rows it completes, then the rest at the end. */
export interface Stage {
  push(x: Buffer): Buffer;
  /** The rest of the output, after the last push, in pieces of at most CHUNK_ROWS rows. */
  finish(): Iterable<Buffer>;
}

/** Spill failures of the emulator and calibration (QS4D-E354), naming the budget in use. */
function spillFailed(budgetBytes: number): SpillFailure {
  return (dir, reason) => fail("QS4D-E354", { dir, reason, budget: `${budgetBytes / 2 ** 20} MB` });
}

/**
 * A per-sample quantizer's op: holds every input row (SpillQueue: memory up to a budget, the
 * rest in a temporary file) and the largest |x| among them; at the end `body.run` takes the
 * held rows a chunk at a time with that maximum, then `body.end` gives what is left (the
 * flush of a lagged SSM).
 */
export class HoldingStage implements Stage {
  private held: SpillQueue | null = null;
  private max = 0;

  constructor(
    private readonly body: {
      run(x: Buffer, sequenceMax: number): Buffer;
      end?(): Buffer;
    },
    private readonly chunkRows = CHUNK_ROWS,
    private readonly budgetBytes = SPILL_BUDGET_BYTES,
  ) {}

  push(x: Buffer): Buffer {
    this.held ??= new SpillQueue(x.cols, spillFailed(this.budgetBytes), this.budgetBytes);
    this.held.push(x.data, x.rows);
    this.max = Math.max(this.max, maxAbs(x.data));
    return makeBuffer(0, x.cols);
  }

  *finish(): Iterable<Buffer> {
    const held = this.held;
    while (held !== null && held.rows > 0) {
      const x = makeBuffer(Math.min(this.chunkRows, held.rows), held.width);
      held.take(x.rows, x.data);
      yield this.body.run(x, this.max);
    }
    if (this.body.end !== undefined) yield this.body.end();
  }
}

/**
 * Rows waiting for one reader, in step order: the pieces pushed, in memory up to a budget, then
 * (while any are there) in a SpillQueue, so that a branch waiting on a holding stage does not
 * hold its whole sequence in memory.
 */
class RowQueue {
  constructor(private readonly budgetBytes: number) {}

  private pieces: Buffer[] = [];
  private inMemory = 0;
  private spilled: SpillQueue | null = null;
  rows = 0;
  private cols = 0;

  push(b: Buffer): void {
    if (b.rows === 0) return;
    this.cols = b.cols;
    this.rows += b.rows;
    const bytes = (this.inMemory + b.rows) * b.cols * 4;
    if ((this.spilled?.rows ?? 0) > 0 || bytes > this.budgetBytes) {
      this.spilled ??= new SpillQueue(b.cols, spillFailed(this.budgetBytes), this.budgetBytes);
      this.spilled.push(b.data, b.rows);
      return;
    }
    this.pieces.push(b);
    this.inMemory += b.rows;
  }

  /** The first n rows, removed. */
  take(n: number): Buffer {
    if (this.pieces.length === 1 && this.pieces[0]!.rows === n) {
      this.rows = 0;
      this.inMemory = 0;
      return this.pieces.pop()!;
    }
    const out = makeBuffer(n, this.cols);
    let at = 0;
    while (at < n && this.pieces.length > 0) {
      const piece = this.pieces[0]!;
      const k = Math.min(piece.rows, n - at);
      out.data.set(piece.data.subarray(0, k * this.cols), at * this.cols);
      at += k;
      if (k === piece.rows) this.pieces.shift();
      else
        this.pieces[0] = {
          rows: piece.rows - k,
          cols: this.cols,
          data: piece.data.subarray(k * this.cols),
        };
    }
    this.inMemory -= at;
    if (at < n) this.spilled!.take(n - at, out.data, at * this.cols);
    this.rows -= n;
    return out;
  }
}

/** Sums the rows it is given, column by column in step order; the mean row at the end. */
class MeanPoolStage implements Stage {
  private sum = new Float64Array(0);
  private rows = 0;
  private cols = 0;

  push(x: Buffer): Buffer {
    if (this.rows === 0) {
      this.cols = x.cols;
      this.sum = new Float64Array(x.cols);
    }
    for (let c = 0; c < this.cols; c++) {
      let acc = this.sum[c]!;
      for (let t = 0; t < x.rows; t++) acc += x.data[t * this.cols + c]!;
      this.sum[c] = acc;
    }
    this.rows += x.rows;
    return makeBuffer(0, this.cols);
  }

  *finish(): Iterable<Buffer> {
    const out = makeBuffer(1, this.cols);
    for (let c = 0; c < this.cols; c++) out.data[c] = this.sum[c]! / this.rows;
    yield out;
  }
}

/** An op of the program as runChunked runs it. */
interface Running {
  readonly op: DigitalOp;
  readonly x: RowQueue;
  readonly other: RowQueue | null;
  readonly stage: Stage | null;
  /** The stage's rest once its inputs have ended, and whether the op has given everything. */
  rest: Iterator<Buffer> | null;
  done: boolean;
}

/**
 * Runs `program` on `input` [L, dIn] (L > 0) in chunks of `chunkRows` steps; `stage` makes
 * the stage of each op that is neither a row op nor `mean-pool` (SSMs, per-sample quantizers)
 * for this sample. A queue holds up to `budgetBytes` in memory, the rest on disk. Returns the
 * rows of the buffer named `logits`.
 */
export function runChunked(
  program: readonly DigitalOp[],
  input: Buffer,
  chunkRows: number,
  stage: (op: DigitalOp) => Stage,
  budgetBytes = SPILL_BUDGET_BYTES,
): Buffer {
  const queues = new Map<string, RowQueue[]>();
  const readerQueue = (name: string): RowQueue => {
    const q = new RowQueue(budgetBytes);
    if (!queues.has(name)) queues.set(name, []);
    queues.get(name)!.push(q);
    return q;
  };
  const ended = new Set<string>();
  const logits: Buffer[] = [];
  const ops: Running[] = program.map((op) => ({
    op,
    x: readerQueue(op.input),
    other: op.op === "add" ? readerQueue(op.other) : null,
    stage: ROW_OPS.has(op.op) ? null : op.op === "mean-pool" ? new MeanPoolStage() : stage(op),
    rest: null,
    done: false,
  }));
  const emit = (name: string, b: Buffer) => {
    if (b.rows === 0) return;
    if (name === "logits") logits.push(b);
    for (const q of queues.get(name) ?? []) q.push(b);
  };
  // One pass: each op, in program order, takes at most a chunk, or gives a piece of its rest.
  const pass = (): boolean => {
    let moved = false;
    for (const r of ops) {
      if (r.done) continue;
      const available = r.other === null ? r.x.rows : Math.min(r.x.rows, r.other.rows);
      const n = Math.min(available, chunkRows);
      if (n > 0) {
        const rows = r.x.take(n);
        const other = r.other?.take(n) ?? null;
        emit(
          r.op.output,
          r.stage === null ? rowOp(r.op as RowOp, rows, other) : r.stage.push(rows),
        );
        moved = true;
      } else if (inputsEnded(r, ended)) {
        moved = true;
        r.rest ??= (r.stage?.finish() ?? [])[Symbol.iterator]();
        const piece = r.rest.next();
        if (piece.done === true) {
          r.done = true;
          ended.add(r.op.output);
        } else emit(r.op.output, piece.value);
      }
    }
    return moved;
  };
  for (let t = 0; t < input.rows; t += chunkRows) {
    const end = Math.min(input.rows, t + chunkRows);
    emit("input", {
      rows: end - t,
      cols: input.cols,
      data: input.data.subarray(t * input.cols, end * input.cols),
    });
    if (end === input.rows) ended.add("input");
    while (pass());
  }
  const out = new RowQueue(Number.POSITIVE_INFINITY);
  for (const b of logits) out.push(b);
  if (out.rows === 0) throw new Error("digital program never writes buffer 'logits'");
  return out.take(out.rows);
}

/** Every input of the op has ended and the op has taken all its rows. */
function inputsEnded(r: Running, ended: ReadonlySet<string>): boolean {
  const x = ended.has(r.op.input) && r.x.rows === 0;
  return (
    x && (r.other === null || (ended.has((r.op as { other: string }).other) && r.other.rows === 0))
  );
}
