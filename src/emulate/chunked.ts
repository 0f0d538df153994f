// Runs a digital program on one sample a chunk of steps at a time, so that its buffers hold a
// chunk's rows, not the whole sequence. Only programs whose every op can work that way: the row
// ops (each output row from the input rows of its step), `mean-pool` (a running sum) and the
// stages the caller gives for `ssm` (state carried from chunk to chunk; an SSM with a lagged
// output gives its rows one step late, and `finish` gives the last). Rows wait in a queue per
// reader, so that an op with two inputs (`add`) takes the steps both have. The ops compute
// each row as the whole-sequence program does: the same numbers bit for bit.

import type { DigitalOp } from "../ir/hardware.js";
import { type Buffer, makeBuffer } from "./periphery.js";
import { ROW_OPS, type RowOp, rowOp, type SsmOp } from "./program.js";

/** Steps per chunk of a streamed sample: its buffers hold this many rows, not L. */
export const CHUNK_ROWS = 512;

/** An op that keeps state across chunks: the rows it completes, then the rest at the end. */
export interface Stage {
  push(x: Buffer): Buffer;
  finish(): Buffer;
}

/** Whether `program` can run in chunks, its SSMs as `streams` says. */
export function chunkable(program: readonly DigitalOp[], streams: (op: SsmOp) => boolean): boolean {
  return program.every(
    (op) => ROW_OPS.has(op.op) || op.op === "mean-pool" || (op.op === "ssm" && streams(op)),
  );
}

/** Rows waiting for one reader, in step order. */
class RowQueue {
  private pieces: Buffer[] = [];
  rows = 0;
  private cols = 0;

  push(b: Buffer): void {
    if (b.rows === 0) return;
    this.pieces.push(b);
    this.rows += b.rows;
    this.cols = b.cols;
  }

  /** The first n rows, removed. */
  take(n: number): Buffer {
    if (this.pieces.length === 1 && this.pieces[0]!.rows === n) {
      this.rows = 0;
      return this.pieces.pop()!;
    }
    const out = makeBuffer(n, this.cols);
    let at = 0;
    while (at < n) {
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

  finish(): Buffer {
    const out = makeBuffer(1, this.cols);
    for (let c = 0; c < this.cols; c++) out.data[c] = this.sum[c]! / this.rows;
    return out;
  }
}

/**
 * Runs `program` (chunkable) on `input` [L, dIn] (L > 0) in chunks of `chunkRows` steps;
 * `ssmStage` makes each SSM's stage for this sample. Returns the rows of the buffer named
 * `logits`.
 */
export function runChunked(
  program: readonly DigitalOp[],
  input: Buffer,
  chunkRows: number,
  ssmStage: (op: SsmOp) => Stage,
): Buffer {
  const queues = new Map<string, RowQueue[]>();
  const readerQueue = (name: string): RowQueue => {
    const q = new RowQueue();
    if (!queues.has(name)) queues.set(name, []);
    queues.get(name)!.push(q);
    return q;
  };
  const logits: Buffer[] = [];
  const ops = program.map((op) => {
    const x = readerQueue(op.input);
    const other = op.op === "add" ? readerQueue(op.other) : null;
    const stage =
      op.op === "ssm" ? ssmStage(op) : op.op === "mean-pool" ? new MeanPoolStage() : null;
    return { op, x, other, stage };
  });
  const emit = (name: string, b: Buffer) => {
    if (name === "logits") logits.push(b);
    for (const q of queues.get(name) ?? []) q.push(b);
  };
  const advance = (last: boolean) => {
    for (const { op, x, other, stage } of ops) {
      const n = other === null ? x.rows : Math.min(x.rows, other.rows);
      if (n > 0) {
        const rows = x.take(n);
        emit(
          op.output,
          stage === null ? rowOp(op as RowOp, rows, other?.take(n) ?? null) : stage.push(rows),
        );
      }
      if (last && stage !== null) emit(op.output, stage.finish());
    }
  };
  for (let t = 0; t < input.rows; t += chunkRows) {
    const end = Math.min(input.rows, t + chunkRows);
    emit("input", {
      rows: end - t,
      cols: input.cols,
      data: input.data.subarray(t * input.cols, end * input.cols),
    });
    advance(end === input.rows);
  }
  const out = new RowQueue();
  for (const b of logits) out.push(b);
  if (out.rows === 0) throw new Error("digital program never writes buffer 'logits'");
  return out.take(out.rows);
}
