// One read of a read group and its commit (docs/chip-arithmetic.md §2): every conversion sees
// the registers as they were before the read; then each written element gets the sum of the
// shifted codes of the primaries that write it (plus its value before the read when its
// signal accumulates), clamped to its signal's limit. Two engines implement
// the conversion: the ideal chip (exact integer sums, this file) and the device model with
// noise (device.ts). The commit and the probe interface are shared.

import { fail } from "../diag/error.js";
import type { ChipImage } from "../emit/chip-image.js";
import { adcCode, commitRound } from "./arith.js";
import {
  type ConversionTable,
  type KernelTable,
  PAIR_RECORD,
  type ReadGroup,
  tableKernel,
} from "./conversions.js";
import type { ChipLayout } from "./layout.js";
import { type PackedPairs, PairKernel } from "./pair-kernel.js";

/** What a VCD trace sees of one read. */
export interface ReadProbe {
  /** The registers that drive the rows and the codes of every conversion (mirrors included). */
  conversions(
    group: ReadGroup,
    registers: Int32Array,
    primaries: Int32Array,
    mirrors: Int32Array,
  ): void;
  /** The registers after the commit. */
  committed(group: ReadGroup, registers: Int32Array): void;
}

export interface ReadEngine {
  /** Registers: every signal's codes in one flat vector (ChipLayout.offset). */
  readonly registers: Int32Array;
  read(group: ReadGroup, probe: ReadProbe | null): void;
  /** Called before each sample: the device model keys its read-noise stream by sample. */
  beginSample(sample: number): void;
}

/**
 * An engine that also reads two samples in lockstep (the device model, whose weights are too
 * many for the caches: each is loaded once for both samples). Sample 0 is the engine itself.
 */
export interface LockstepEngine extends ReadEngine {
  /** Sample 1's registers and read noise, as an engine for its own stream (null: none). */
  readonly second: ReadEngine | null;
  /** One read of `group` for both samples, each getting the codes its own read would give. */
  readTwo(group: ReadGroup): void;
}

/** The engine reads two samples in lockstep. */
export function readsTwo(engine: ReadEngine): engine is LockstepEngine & { second: ReadEngine } {
  return (engine as Partial<LockstepEngine>).second != null;
}

/**
 * Stores the primaries' codes (docs/chip-arithmetic.md §2, Commit): each written element gets
 * the sum of the shifted codes (code x 2^shift) that write it, rounded half to even when some
 * shift is negative, added to its value before the read when its signal accumulates, clamped
 * to its signal's limit; an element no primary writes becomes 0 (replacing signals) or keeps
 * its value (accumulating ones). Every sum is exact in binary64 (the verifier's commit-sum
 * bound). `sums` is zero on entry and on return.
 */
export function commit(
  group: ReadGroup,
  codes: Int32Array,
  registers: Int32Array,
  sums: Float64Array,
): void {
  for (const i of group.unwritten) registers[i] = 0;
  if (group.singlesPlain) storePlainSingles(group, codes, registers);
  else storeSingles(group, codes, registers);
  if (group.commitShared.length > 0) storeShared(group, codes, registers, sums);
}

/** The elements one unshifted primary replaces: its code, clamped (most state elements). */
function storePlainSingles(group: ReadGroup, codes: Int32Array, registers: Int32Array): void {
  const dest = group.primaries.dest;
  const limit = group.commitLimit;
  const singles = group.commitSingle;
  for (let k = 0; k < singles.length; k++) {
    const c = singles[k]!;
    const l = limit[c]!;
    registers[dest[c]!] = Math.min(Math.max(codes[c]!, -l), l);
  }
}

/** The elements one primary writes: its shifted code, rounded, added when accumulating. */
function storeSingles(group: ReadGroup, codes: Int32Array, registers: Int32Array): void {
  const { dest, step } = group.primaries;
  const limit = group.commitLimit;
  const keep = group.commitAccumulate;
  const singles = group.commitSingle;
  const round = group.fractional;
  for (let k = 0; k < singles.length; k++) {
    const c = singles[k]!;
    const i = dest[c]!;
    const shifted = round ? commitRound(codes[c]! * step[c]!) : codes[c]! * step[c]!;
    const v = (keep[c] === 1 ? registers[i]! : 0) + shifted;
    const l = limit[c]!;
    registers[i] = Math.min(Math.max(v, -l), l);
  }
}

/** The elements several primaries write: their shifted codes summed, then stored once each. */
function storeShared(
  group: ReadGroup,
  codes: Int32Array,
  registers: Int32Array,
  sums: Float64Array,
): void {
  const { dest, step } = group.primaries;
  const limit = group.commitLimit;
  const keep = group.commitAccumulate;
  for (const c of group.commitShared) sums[dest[c]!]! += codes[c]! * step[c]!;
  // Each element once (an accumulating one must not add its sum twice), then its sum cleared.
  const round = group.fractional;
  for (const c of group.commitFirst) {
    const i = dest[c]!;
    const v = (keep[c] === 1 ? registers[i]! : 0) + (round ? commitRound(sums[i]!) : sums[i]!);
    const l = limit[c]!;
    registers[i] = Math.min(Math.max(v, -l), l);
    sums[i] = 0;
  }
}

/**
 * The mirror check (docs/chip-arithmetic.md §2): per element, the sum of its mirrors' shifted
 * codes must be the negated sum of its primaries' shifted codes. QS4D-E611 when not. `sums`
 * and `mirrorSums` are zero on entry and on return.
 */
export function checkMirrors(
  group: ReadGroup,
  primaries: Int32Array,
  mirrors: Int32Array,
  sums: Float64Array,
  mirrorSums: Float64Array,
): void {
  const p = group.primaries;
  const m = group.mirrors;
  for (let c = 0; c < primaries.length; c++) sums[p.dest[c]!]! += primaries[c]! * p.step[c]!;
  for (let c = 0; c < mirrors.length; c++) mirrorSums[m.dest[c]!]! += mirrors[c]! * m.step[c]!;
  let bad = -1;
  for (let c = 0; c < mirrors.length && bad < 0; c++) {
    const i = m.dest[c]!;
    if (mirrorSums[i] !== -sums[i]!) bad = i;
  }
  const detail = bad < 0 ? "" : `mirror sum ${mirrorSums[bad]}, primary sum ${sums[bad]}`;
  for (let c = 0; c < primaries.length; c++) sums[p.dest[c]!] = 0;
  for (let c = 0; c < mirrors.length; c++) mirrorSums[m.dest[c]!] = 0;
  if (bad < 0) return;
  const w = group.written.find((s) => bad >= s.offset && bad < s.offset + s.length)!;
  fail("QS4D-E611", { signal: w.name, element: bad - w.offset, detail });
}

/**
 * The ideal chip: S_k exact (integers below 2^53 in binary64), a = (0 + g_1 S_1) + g_2 S_2 ...
 * over the conversion's non-empty terms in slot order (an empty one adds g x 0 = 0, which
 * changes no sum). The packed kernel (conversions.ts IdealKernel): its small conversions in
 * one straight pass, the rest block by block of one shape.
 */
export function idealCodes(table: KernelTable, registers: Int32Array, out: Int32Array): void {
  const { pairs, pairGain } = table.ideal;
  const limit = table.limit;
  for (let p = 0, g = 0; p < pairs.length; p += PAIR_RECORD, g += 2) {
    const c = pairs[p]!;
    const s1 =
      pairs[p + 2]! * registers[pairs[p + 1]!]! + pairs[p + 4]! * registers[pairs[p + 3]!]!;
    const s2 =
      pairs[p + 6]! * registers[pairs[p + 5]!]! + pairs[p + 8]! * registers[pairs[p + 7]!]!;
    out[c] = adcCode(pairGain[g]! * s1 + pairGain[g + 1]! * s2, limit[c]!);
  }
  blockCodes(table, registers, out);
}

/** The conversions of `program`, block by block; weights beyond int32 from `wideWeight`. */
function blockCodes(table: KernelTable, registers: Int32Array, out: Int32Array): void {
  const { program, gain, wideWeight: wide } = table.ideal;
  const limit = table.limit;
  let p = 0;
  let g = 0;
  let e = 0;
  while (p < program.length) {
    const count = program[p++]!;
    const terms = program[p++]!;
    const shape = p;
    p += terms;
    for (let i = 0; i < count; i++) {
      const c = program[p++]!;
      let analog = 0;
      for (let k = shape; k < shape + terms; k++) {
        let s = 0;
        for (const end = p + 2 * program[k]!; p < end; p += 2)
          s += (wide === null ? program[p + 1]! : wide[e++]!) * registers[program[p]!]!;
        analog += gain[g++]! * s;
      }
      out[c] = adcCode(analog, limit[c]!);
    }
  }
}

export class IdealEngine implements ReadEngine {
  readonly registers: Int32Array;
  private readonly sums: Float64Array;
  private readonly mirrorSums: Float64Array;
  private readonly codes = new Map<ConversionTable, Int32Array>();
  /** The register file and the primaries' pair records in WebAssembly (pair-kernel.ts). */
  private readonly kernel: PairKernel;
  private readonly packed = new Map<ConversionTable, PackedPairs>();
  /** Mirror tables with their kernels, built at their first conversion (ConversionTable.ideal). */
  private readonly mirrorTables = new Map<ReadGroup, KernelTable>();

  /**
   * `checkMirrors`: convert the mirror columns on every read and check them (QS4D-E611); by
   * default they are converted only for a trace (and then checked), as they change nothing.
   */
  constructor(
    private readonly chip: {
      readonly image: ChipImage;
      readonly layout: ChipLayout;
      readonly groups: ReadonlyMap<number, ReadGroup>;
    },
    private readonly checksMirrors = false,
  ) {
    const registerCount = chip.layout.registers;
    const tables = [...chip.groups.values()].map((g) => g.primaries);
    this.kernel = new PairKernel(registerCount, tables);
    for (const t of tables) this.packed.set(t, this.kernel.pack(t));
    this.registers = this.kernel.registers;
    this.sums = new Float64Array(registerCount);
    this.mirrorSums = new Float64Array(registerCount);
  }

  beginSample(): void {}

  read(group: ReadGroup, probe: ReadProbe | null): void {
    // The pair records in the kernel, the other conversions here, into the same codes.
    const primaries = this.kernel.run(this.packed.get(group.primaries)!);
    blockCodes(group.primaries, this.registers, primaries);
    if (probe !== null || this.checksMirrors) {
      // Mirrors change nothing on the ideal chip: computed for the trace or the check.
      const mirrors = this.scratch(group.mirrors);
      idealCodes(this.mirrorTable(group), this.registers, mirrors);
      checkMirrors(group, primaries, mirrors, this.sums, this.mirrorSums);
      probe?.conversions(group, this.registers, primaries, mirrors);
    }
    commit(group, primaries, this.registers, this.sums);
    probe?.committed(group, this.registers);
  }

  private mirrorTable(group: ReadGroup): KernelTable {
    let table = this.mirrorTables.get(group);
    if (table === undefined) {
      const { image, layout } = this.chip;
      table = { ...group.mirrors, ideal: tableKernel(image, layout, group.mirrors) };
      this.mirrorTables.set(group, table);
    }
    return table;
  }

  private scratch(table: ConversionTable): Int32Array {
    let codes = this.codes.get(table);
    if (codes === undefined) {
      codes = new Int32Array(table.count);
      this.codes.set(table, codes);
    }
    return codes;
  }
}
