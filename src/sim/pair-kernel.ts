// The ideal chip's small conversions in WebAssembly (docs/simulator.md §4): the pair records of
// an IdealKernel (conversions.ts), most of an SSM read's conversions, one scalar pass over them.
// Each record does what engine.ts's idealCodes does in JavaScript: S_1 = w_1 x r_1 + w_2 x r_2
// and S_2 likewise, a = g_1 x S_1 + g_2 x S_2, each product and sum rounded once in binary64
// (WebAssembly has no fused multiply-add), then the code: a clamped to [-limit, limit], rounded
// half to even (f64.nearest). So the codes are the JavaScript loop's, bit for bit (tested in
// test/sim/pair-kernel.test.ts); the kernel is faster because no load checks its bounds or
// its element type.
//
// Memory: one WebAssembly.Memory per ideal engine, sized once: the register file, then per
// table its codes, pair records, gains and limits.

import { type KernelTable, PAIR_RECORD } from "./conversions.js";
import {
  align,
  F64,
  functionCode,
  I32,
  memoryModule,
  op,
  WasmArena,
  wasm,
  whileNot,
} from "./wasm.js";

// (func $pairs (param $rec $end $regs $gain $limit $out i32) (local $c i32) (local $l f64))
const REC = 0;
const END = 1;
const REGS = 2;
const GAIN = 3;
const LIMIT = 4;
const OUT = 5;
const C = 6;
const L = 7;

const RECORD_BYTES = PAIR_RECORD * 4;

/** `base + (i << 2)`: the byte address of int32 element i. */
function element(base: number[], i: number[]): number[] {
  return [...base, ...i, ...op.i32Const(2), ...op.i32Shl, ...op.i32Add];
}

/** `f64(w) x f64(registers[r])`, r and w at byte offsets of the record. */
function product(registerAt: number, weightAt: number): number[] {
  return [
    ...op.get(REC),
    ...op.i32Load(weightAt),
    ...op.f64ConvertI32S,
    ...element(op.get(REGS), [...op.get(REC), ...op.i32Load(registerAt)]),
    ...op.i32Load(0),
    ...op.f64ConvertI32S,
    ...op.f64Mul,
  ];
}

/** `g x (w_a x r_a + w_b x r_b)` for the term at `at` (its two entries) and gain offset. */
function term(at: number, gainAt: number): number[] {
  return [
    ...op.get(GAIN),
    ...op.f64Load(gainAt),
    ...product(at, at + 4),
    ...product(at + 8, at + 12),
    ...op.f64Add,
    ...op.f64Mul,
  ];
}

function pairsFunction(): number[] {
  const record = [
    ...op.get(REC),
    ...op.i32Load(0),
    ...op.set(C),
    ...element(op.get(LIMIT), op.get(C)),
    ...op.i32Load(0),
    ...op.f64ConvertI32S,
    ...op.set(L),
    // out[c] = i32(nearest(min(max(a, -l), l)))
    ...element(op.get(OUT), op.get(C)),
    ...term(4, 0),
    ...term(20, 8),
    ...op.f64Add,
    ...op.get(L),
    ...op.f64Neg,
    ...op.f64Max,
    ...op.get(L),
    ...op.f64Min,
    ...op.f64Nearest,
    ...op.i32TruncF64S,
    ...op.i32Store,
    ...op.get(REC),
    ...op.i32Const(RECORD_BYTES),
    ...op.i32Add,
    ...op.set(REC),
    ...op.get(GAIN),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(GAIN),
  ];
  return functionCode(
    [
      [1, I32],
      [1, F64],
    ],
    [...whileNot([...op.get(REC), ...op.get(END), ...op.i32GeU], record)],
  );
}

let compiled: object | null = null;

function pairModule(): object {
  const all = [I32, I32, I32, I32, I32, I32];
  compiled ??= new wasm.Module(
    memoryModule([all], [{ type: 0, name: "pairs", body: pairsFunction() }]),
  );
  return compiled;
}

/** A table's pair records in the kernel's memory, and the view its codes go to. */
export interface PackedPairs {
  /** Every conversion's code of the table: the pairs' from run(), the others' from JavaScript. */
  readonly codes: Int32Array;
  readonly records: Int32Array;
  readonly gains: Float64Array;
  readonly limits: Int32Array;
}

type PairsFunction = (
  rec: number,
  end: number,
  regs: number,
  gain: number,
  limit: number,
  out: number,
) => void;

/** The pair kernel of one ideal engine: its register file and packed tables in one memory. */
export class PairKernel {
  readonly registers: Int32Array;
  private readonly arena: WasmArena;
  private readonly pairsOf: PairsFunction;

  constructor(registerCount: number, tables: readonly KernelTable[]) {
    const bytes = tables.reduce((n, t) => n + tableBytes(t), align(registerCount * 4));
    this.arena = new WasmArena(bytes);
    const { exports } = new wasm.Instance(pairModule(), { env: { memory: this.arena.memory } });
    this.pairsOf = exports.pairs as PairsFunction;
    this.registers = this.arena.i32(registerCount);
  }

  /** Copies a table's pair records into the kernel's memory (every table before the first run). */
  pack(t: KernelTable): PackedPairs {
    return {
      codes: this.arena.i32(t.count),
      records: this.arena.copy(t.ideal.pairs),
      gains: this.arena.copy(t.ideal.pairGain),
      limits: this.arena.copy(t.limit),
    };
  }

  /** The codes of the table's pair conversions, into its `codes` view (returned). */
  run(p: PackedPairs): Int32Array {
    const rec = p.records.byteOffset;
    const end = rec + p.records.byteLength;
    const regs = this.registers.byteOffset;
    this.pairsOf(rec, end, regs, p.gains.byteOffset, p.limits.byteOffset, p.codes.byteOffset);
    return p.codes;
  }
}

function tableBytes(t: KernelTable): number {
  return (
    align(t.count * 4) +
    align(t.ideal.pairs.byteLength) +
    align(t.ideal.pairGain.byteLength) +
    align(t.limit.byteLength)
  );
}
