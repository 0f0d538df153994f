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
// table its codes, pair records, and runs of records sharing gains and limit (pairRuns).

import { type KernelTable, PAIR_RECORD } from "./conversions.js";
import {
  addressOf,
  advance,
  align,
  clampRound,
  F64,
  functionCode,
  I32,
  memoryModule,
  op,
  WasmArena,
  wasm,
  whileNot,
} from "./wasm.js";

// (func $pairs (param $rec $run $runEnd $ends $regs $out i32)
//   (local $c $end i32) (local $g1 $g2 $l f64))
const REC = 0;
const RUN = 1;
const RUN_END = 2;
const ENDS = 3;
const REGS = 4;
const OUT = 5;
const C = 6;
const END = 7;
const G1 = 8;
const G2 = 9;
const L = 10;

const RECORD_BYTES = PAIR_RECORD * 4;
/** A run's gains and limit: three f64. */
const RUN_BYTES = 24;

/** `base + (i << 2)`: the byte address of int32 element i. */
const element = (base: number[], i: number[]): number[] => addressOf(base, i, 2);

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

/** `g x (w_a x r_a + w_b x r_b)` for the term at `at` (its two entries), g in local `gain`. */
function term(at: number, gain: number): number[] {
  return [
    ...op.get(gain),
    ...product(at, at + 4),
    ...product(at + 8, at + 12),
    ...op.f64Add,
    ...op.f64Mul,
  ];
}

/** `local = f64.load(RUN + offset)`. */
function runField(local: number, offset: number): number[] {
  return [...op.get(RUN), ...op.f64Load(offset), ...op.set(local)];
}

function pairsFunction(): number[] {
  const record = [
    ...op.get(REC),
    ...op.i32Load(0),
    ...op.set(C),
    // out[c] = i32(nearest(min(max(a, -l), l)))
    ...element(op.get(OUT), op.get(C)),
    ...term(4, G1),
    ...term(20, G2),
    ...op.f64Add,
    ...clampRound(L),
    ...op.i32Store,
    ...advance(REC, RECORD_BYTES),
  ];
  const run = [
    ...runField(G1, 0),
    ...runField(G2, 8),
    ...runField(L, 16),
    ...op.get(ENDS),
    ...op.i32Load(0),
    ...op.set(END),
    ...whileNot([...op.get(REC), ...op.get(END), ...op.i32GeU], record),
    ...advance(RUN, RUN_BYTES),
    ...advance(ENDS, 4),
  ];
  return functionCode(
    [
      [2, I32],
      [3, F64],
    ],
    [...whileNot([...op.get(RUN), ...op.get(RUN_END), ...op.i32GeU], run)],
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

/**
 * A table's pair records cut into runs of consecutive records with the same two gains and
 * limit (an SSM channel's state elements share them): per run its gains and limit, and the
 * index of the record after it. The kernel then loads them once per run, not per record.
 */
function pairRuns(t: KernelTable): { values: Float64Array; ends: Int32Array } {
  const { pairs, pairGain } = t.ideal;
  const values: number[] = [];
  const ends: number[] = [];
  const records = pairs.length / PAIR_RECORD;
  for (let i = 0; i < records; i++) {
    const g1 = pairGain[2 * i]!;
    const g2 = pairGain[2 * i + 1]!;
    const limit = t.limit[pairs[i * PAIR_RECORD]!]!;
    const n = values.length;
    const same =
      n > 0 &&
      Object.is(values[n - 3], g1) &&
      Object.is(values[n - 2], g2) &&
      values[n - 1] === limit;
    if (same) ends[ends.length - 1] = i + 1;
    else {
      values.push(g1, g2, limit);
      ends.push(i + 1);
    }
  }
  return { values: Float64Array.from(values), ends: Int32Array.from(ends) };
}

/** A table's pair records in the kernel's memory, and the view its codes go to. */
export interface PackedPairs {
  /** Every conversion's code of the table: the pairs' from run(), the others' from JavaScript. */
  readonly codes: Int32Array;
  readonly records: Int32Array;
  /** Per run (pairRuns): its gains and limit, and the byte address of its records' end. */
  readonly runs: Float64Array;
  readonly runEnds: Int32Array;
}

type PairsFunction = (
  rec: number,
  run: number,
  runEnd: number,
  ends: number,
  regs: number,
  out: number,
) => void;

/** The pair kernel of one ideal engine: its register file and packed tables in one memory. */
export class PairKernel {
  readonly registers: Int32Array;
  private readonly arena: WasmArena;
  private readonly pairsOf: PairsFunction;
  /** Each table's runs, cut once: they size the memory, then pack() copies them. */
  private readonly runs = new Map<KernelTable, ReturnType<typeof pairRuns>>();

  constructor(registerCount: number, tables: readonly KernelTable[]) {
    for (const t of tables) this.runs.set(t, pairRuns(t));
    const bytes = tables.reduce(
      (n, t) => n + tableBytes(t, this.runs.get(t)!),
      align(registerCount * 4),
    );
    this.arena = new WasmArena(bytes);
    const { exports } = new wasm.Instance(pairModule(), { env: { memory: this.arena.memory } });
    this.pairsOf = exports.pairs as PairsFunction;
    this.registers = this.arena.i32(registerCount);
  }

  /** Copies a table's pair records into the kernel's memory (every table before the first run). */
  pack(t: KernelTable): PackedPairs {
    const runs = this.runs.get(t);
    if (runs === undefined)
      throw new Error("PairKernel.pack: a table the kernel was not sized for");
    const { values, ends } = runs;
    const records = this.arena.copy(t.ideal.pairs);
    const runEnds = this.arena.copy(ends);
    for (let r = 0; r < ends.length; r++) runEnds[r] = records.byteOffset + ends[r]! * RECORD_BYTES;
    return {
      codes: this.arena.i32(t.count),
      records,
      runs: this.arena.copy(values),
      runEnds,
    };
  }

  /** The codes of the table's pair conversions, into its `codes` view (returned). */
  run(p: PackedPairs): Int32Array {
    const runs = p.runs.byteOffset;
    const regs = this.registers.byteOffset;
    const { records, runEnds, codes } = p;
    this.pairsOf(
      records.byteOffset,
      runs,
      runs + p.runs.byteLength,
      runEnds.byteOffset,
      regs,
      codes.byteOffset,
    );
    return codes;
  }
}

function tableBytes(t: KernelTable, runs: ReturnType<typeof pairRuns>): number {
  return (
    align(t.count * 4) +
    align(t.ideal.pairs.byteLength) +
    align(runs.values.byteLength) +
    align(runs.ends.byteLength)
  );
}
