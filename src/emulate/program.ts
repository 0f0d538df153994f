// Runs a digital program (src/ir/hardware.ts DigitalOp[]) on one sample. The SSM and
// crossbar ops are delegated to hooks: the emulator runs them on the arrays, calibration runs
// them in float; everything else is the periphery of periphery.ts.

import type { DigitalOp } from "../ir/hardware.js";
import {
  add,
  type Buffer,
  batchNorm,
  fakeQuant,
  gelu,
  glu,
  layerNorm,
  linear,
  meanPool,
  relu,
} from "./periphery.js";

export type SsmOp = Extract<DigitalOp, { op: "ssm" }>;
export type CrossbarLinearOp = Extract<DigitalOp, { op: "crossbar-linear" }>;

export interface ProgramHooks {
  ssm(op: SsmOp, input: Buffer): Buffer;
  crossbarLinear(op: CrossbarLinearOp, input: Buffer): Buffer;
  /** Called with every buffer an op writes (calibration statistics, traces). */
  observe?(op: DigitalOp, output: Buffer): void;
}

function get(buffers: Map<string, Buffer>, name: string): Buffer {
  const b = buffers.get(name);
  if (b === undefined)
    throw new Error(`digital program reads buffer '${name}' before it is written`);
  return b;
}

function step(op: DigitalOp, buffers: Map<string, Buffer>, hooks: ProgramHooks): Buffer {
  const x = get(buffers, op.input);
  switch (op.op) {
    case "crossbar-linear":
      return hooks.crossbarLinear(op, x);
    case "fake-quant":
      return fakeQuant(op, x);
    case "mean-pool":
      return meanPool(x);
    case "ssm":
      return hooks.ssm(op, x);
    default:
      return rowOp(op, x, op.op === "add" ? get(buffers, op.other) : null);
  }
}

/** The ops whose output row at step t depends on the input rows at step t only. */
export type RowOp = Exclude<
  DigitalOp,
  { op: "crossbar-linear" | "fake-quant" | "mean-pool" | "ssm" }
>;

export const ROW_OPS: ReadonlySet<DigitalOp["op"]> = new Set<RowOp["op"]>([
  "linear",
  "layer-norm",
  "batch-norm",
  "gelu",
  "relu",
  "glu",
  "add",
]);

/** A row op on rows x (and, for add, the same steps of its other input). */
export function rowOp(op: RowOp, x: Buffer, other: Buffer | null): Buffer {
  switch (op.op) {
    case "linear":
      return linear(op, x);
    case "layer-norm":
      return layerNorm(op, x);
    case "batch-norm":
      return batchNorm(op, x);
    case "gelu":
      return gelu(x);
    case "relu":
      return relu(x);
    case "glu":
      return glu(x);
    case "add":
      return add(x, other!);
  }
}

/** Per op index: the buffers whose last reader it is (their memory can go after it). */
function lastReads(program: readonly DigitalOp[]): string[][] {
  const last = new Map<string, number>();
  program.forEach((op, i) => {
    last.set(op.input, i);
    if (op.op === "add") last.set(op.other, i);
  });
  const freed: string[][] = program.map(() => []);
  for (const [name, i] of last) if (name !== "logits") freed[i]!.push(name);
  return freed;
}

/**
 * Runs the program on `input` [length, dIn]; returns the buffer named `logits`. A buffer is
 * dropped after its last reader, so that a sample holds the live [L, H] buffers only (two or
 * three), not one per op.
 */
export function runProgram(
  program: readonly DigitalOp[],
  input: Buffer,
  hooks: ProgramHooks,
): Buffer {
  const buffers = new Map<string, Buffer>([["input", input]]);
  const freed = lastReads(program);
  program.forEach((op, i) => {
    const out = step(op, buffers, hooks);
    for (const name of freed[i]!) buffers.delete(name);
    buffers.set(op.output, out);
    hooks.observe?.(op, out);
  });
  return get(buffers, "logits");
}
