// The commit's common case in WebAssembly (docs/simulator.md §3): the elements one unshifted,
// replacing primary writes (a read group whose `singlesPlain` holds: nearly every state and
// output element) get their code clamped to their limit, as engine.ts storePlainSingles does in
// JavaScript, about four times faster (no bounds check per load). One module, instantiated on
// each engine's kernel memory, where the register file and the codes already are; the group's
// elements are packed there once as (code offset, register offset, limit) triples.
import type { ReadGroup } from "./conversions.js";
import {
  align,
  functionCode,
  I32,
  memoryModule,
  op,
  type WasmArena,
  wasm,
  whileNot,
} from "./wasm.js";

// (func $commit (param $at $end $codes $regs i32)), then the code and the limit.
const AT = 0;
const END = 1;
const CODES = 2;
const REGS = 3;
const V = 4;
const LIMIT = 5;

/** `v = select(v, bound, v <op> bound)`: max against -limit (op gt_s), min against limit (lt_s). */
function keep(bound: number[], compare: number[]): number[] {
  return [...op.get(V), ...bound, ...op.get(V), ...bound, ...compare, ...op.select, ...op.set(V)];
}

/** registers[dest] = min(max(codes[c], -limit), limit) per triple, in order. */
function commitFunction(): number[] {
  const negated = [...op.i32Const(0), ...op.get(LIMIT), ...op.i32Sub];
  const element = [
    ...op.get(CODES),
    ...op.get(AT),
    ...op.i32Load(0),
    ...op.i32Add,
    ...op.i32Load(0),
    ...op.set(V),
    ...op.get(AT),
    ...op.i32Load(8),
    ...op.set(LIMIT),
    ...keep(negated, op.i32GtS),
    ...keep(op.get(LIMIT), op.i32LtS),
    ...op.get(REGS),
    ...op.get(AT),
    ...op.i32Load(4),
    ...op.i32Add,
    ...op.get(V),
    ...op.i32Store,
    ...op.get(AT),
    ...op.i32Const(12),
    ...op.i32Add,
    ...op.set(AT),
  ];
  return functionCode(
    [[2, I32]],
    [...whileNot([...op.get(AT), ...op.get(END), ...op.i32GeU], element)],
  );
}

let compiled: object | null = null;

function commitModule(): object {
  compiled ??= new wasm.Module(
    memoryModule([[I32, I32, I32, I32]], [{ type: 0, name: "commit", body: commitFunction() }]),
  );
  return compiled;
}

type CommitFunction = (at: number, end: number, codes: number, regs: number) => void;

/** Bytes PlainCommit packs into a kernel's memory for these groups. */
export function plainCommitBytes(groups: readonly ReadGroup[]): number {
  return groups.reduce((n, g) => n + (g.singlesPlain ? align(g.commitSingle.length * 12) : 0), 0);
}

/** The plain commit of an engine's groups, on its kernel's memory (sized by plainCommitBytes). */
export class PlainCommit {
  private readonly commitOf: CommitFunction;
  private readonly packed = new Map<ReadGroup, readonly [number, number]>();
  private readonly buffer: ArrayBuffer;

  constructor(arena: WasmArena, groups: readonly ReadGroup[]) {
    this.buffer = arena.memory.buffer;
    const { exports } = new wasm.Instance(commitModule(), { env: { memory: arena.memory } });
    this.commitOf = exports.commit as CommitFunction;
    for (const g of groups) {
      if (!g.singlesPlain) continue;
      const singles = g.commitSingle;
      const triples = arena.i32(singles.length * 3);
      singles.forEach((c, k) => {
        triples.set([c * 4, g.primaries.dest[c]! * 4, g.commitLimit[c]!], 3 * k);
      });
      this.packed.set(g, [triples.byteOffset, triples.byteOffset + triples.byteLength]);
    }
  }

  /**
   * Stores the group's plain singles from `codes` into `registers` (both views on the kernel's
   * memory); false when the group is not packed (not plain) or an array is elsewhere, for the
   * JavaScript path.
   */
  store(group: ReadGroup, codes: Int32Array, registers: Int32Array): boolean {
    const at = this.packed.get(group);
    if (at === undefined || codes.buffer !== this.buffer || registers.buffer !== this.buffer)
      return false;
    this.commitOf(at[0], at[1], codes.byteOffset, registers.byteOffset);
    return true;
  }
}
