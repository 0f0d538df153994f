// One read of a read group and its commit (docs/chip-arithmetic.md §2): every conversion sees
// the registers as they were before the read; then each written element gets the sum of the
// codes of the primaries that write it, clamped to its signal's limit. Two engines implement
// the conversion: the ideal chip (exact integer sums, this file) and the device model with
// noise (device.ts). The commit and the probe interface are shared.

import type { ConversionTable, ReadGroup } from "./conversions.js";

/** ADC code: round half to even, then the readout's clamp. */
export function adcCode(analog: number, limit: number): number {
  let r = Math.round(analog); // half rounds toward +infinity
  if (r - analog === 0.5 && r % 2 !== 0) r -= 1;
  return Math.min(Math.max(r, -limit), limit);
}

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
 * Stores the primaries' codes: each written element gets the sum of the codes that write it,
 * clamped to its signal's limit (one code: stored directly), and an element no primary writes
 * becomes 0. `sums` is zero on entry and on return.
 */
export function commit(
  group: ReadGroup,
  codes: Int32Array,
  registers: Int32Array,
  sums: Float64Array,
): void {
  const { dest } = group.primaries;
  const limit = group.commitLimit;
  for (const i of group.unwritten) registers[i] = 0;
  if (group.direct) {
    for (let c = 0; c < codes.length; c++) {
      const v = codes[c]!;
      const l = limit[c]!;
      registers[dest[c]!] = Math.min(Math.max(v, -l), l);
    }
    return;
  }
  for (let c = 0; c < codes.length; c++) sums[dest[c]!]! += codes[c]!;
  for (let c = 0; c < codes.length; c++) {
    const i = dest[c]!;
    const v = sums[i]!;
    const l = limit[c]!;
    registers[i] = Math.min(Math.max(v, -l), l);
  }
  for (let c = 0; c < codes.length; c++) sums[dest[c]!] = 0;
}

/**
 * The ideal chip: S_k exact (integers below 2^53 in binary64), a = (0 + g_1 S_1) + g_2 S_2 ...
 * An unused term slot has no entries and gain 0: it adds +0, which changes no sum.
 */
export function idealCodes(table: ConversionTable, registers: Int32Array, out: Int32Array): void {
  const { terms, gain, ptr, index, weight, limit } = table;
  let q = 0;
  for (let c = 0; c < table.count; c++) {
    let analog = 0;
    for (let k = 0; k < terms; k++, q++) {
      let s = 0;
      const end = ptr[q + 1]!;
      for (let j = ptr[q]!; j < end; j++) s += weight[j]! * registers[index[j]!]!;
      analog += gain[q]! * s;
    }
    out[c] = adcCode(analog, limit[c]!);
  }
}

export class IdealEngine implements ReadEngine {
  readonly registers: Int32Array;
  private readonly sums: Float64Array;
  private readonly codes = new Map<ConversionTable, Int32Array>();

  constructor(registerCount: number) {
    this.registers = new Int32Array(registerCount);
    this.sums = new Float64Array(registerCount);
  }

  beginSample(): void {}

  read(group: ReadGroup, probe: ReadProbe | null): void {
    const primaries = this.scratch(group.primaries);
    idealCodes(group.primaries, this.registers, primaries);
    if (probe !== null) {
      // Mirrors change nothing on the ideal chip: computed only for the trace.
      const mirrors = this.scratch(group.mirrors);
      idealCodes(group.mirrors, this.registers, mirrors);
      probe.conversions(group, this.registers, primaries, mirrors);
    }
    commit(group, primaries, this.registers, this.sums);
    probe?.committed(group, this.registers);
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
