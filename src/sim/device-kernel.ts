// The device model's read in WebAssembly (docs/simulator.md §4). With programming error every
// modelled cell conducts, so a conversion sums over every driven row of its segments, not only
// its programmed cells: six times the ideal chip's work on a large model. Blocks of 8, 4 or 2
// conversions with the same registers (DeviceTable.blockWidth) are read two lanes of binary64
// per instruction, conversions read alone in scalar binary64; each lane does exactly what the
// JavaScript loop does (s = constant; s = s + w x code per entry in order; a = 0; a = a + g x s
// per term slot), with IEEE-754 mul and add rounded one by one (no fused multiply-add in
// WebAssembly), so the codes are the same bits as the scalar path's. The same module sums the
// squared row voltages of the read noise, draws its normals (the ziggurat's common case; rng.ts
// finishes the rest) and turns analog values into codes. Tested in
// test/sim/device-kernel.test.ts.
//
// Memory: one WebAssembly.Memory per engine, sized once (it never grows, so views stay valid):
// the register file, the squares and deviates, the segments, the generator's state and the
// ziggurat, then per packed table its analog values, block records, register indexes,
// interleaved weights and per-slot constants and gains.
import { type Rng, ZIGGURAT_X } from "./rng.js";
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
  V128,
  WasmArena,
  wasm,
  whileNot,
} from "./wasm.js";

/** A term slot of a block, in the kernel's memory. */
export interface BlockSlot {
  /** Register indexes: [indexStart, indexEnd) of the table's index array. */
  readonly indexStart: number;
  readonly indexEnd: number;
  /** First of the slot's interleaved weights (lanes per entry) in the table's block weights. */
  readonly weightStart: number;
  /** The block's conversions' constants and gains, one per lane. */
  readonly constants: readonly number[];
  readonly gains: readonly number[];
}

/**
 * Conversions conversion..conversion + width - 1, read together in `lanes` lanes (those beyond
 * `width` read zero weights and store nothing).
 */
export interface Block {
  readonly conversion: number;
  readonly width: number;
  readonly lanes: number;
  readonly slots: readonly BlockSlot[];
}

/** What a table hands to the kernel (DeviceTable's arrays, and its blocks). */
export interface KernelTableSource {
  readonly count: number;
  readonly terms: number;
  readonly index: Int32Array;
  readonly blockWeight: Float64Array;
  readonly blocks: readonly Block[];
  readonly noiseWeight: Float64Array;
  readonly noiseSegment: Int32Array;
  readonly adcOffset: Float64Array;
  readonly limit: Int32Array;
}

/** One sample's part of a packed table: its analog values and codes, and their record. */
export interface SampleViews {
  /** The analog values, from run() (sample 0) or runTwo(). */
  readonly analog: Float64Array;
  readonly codes: Int32Array;
  /** The codes function's record. */
  readonly codesRecord: number;
}

/** A table packed in the kernel's memory: views on it, and its records. */
export interface PackedTable extends SampleViews {
  readonly index: Int32Array;
  readonly blockWeight: Float64Array;
  /** Per reading function (8, 4, 2 lanes, then singles): [start, end) of its block records. */
  readonly records: readonly (readonly [number, number])[];
  /** Per sample of the kernel (the first is the table's own views above). */
  readonly samples: readonly SampleViews[];
}

// --- The module, encoded by hand (wasm.ts: the encoding; its text form beside each part). ----

// Locals of a reading function: its parameters, then six i32 (two more when it reads two
// samples: their second register file and the distance between their analog values), then its
// v128 or f64 accumulators.
const REC = 0; // byte address of the next block record
const END = 1; // end of the records
const REGS = 2; // byte address of the register file (two samples: first their lane record)
const C = 3; // byte address of the block's first analog value
const N = 4; // term slots left in the block
const IP = 5; // next register index (byte address)
const IE = 6; // end of the slot's register indexes
const WP = 7; // next interleaved weights (byte address)
const CG = 8; // the slot's constants (lanes x f64), then its gains (lanes x f64)
const REGS1 = 9; // two samples: the second sample's register file
const STRIDE = 10; // two samples: the second sample's analog values are STRIDE bytes further
const WIDTH = 11; // the block's conversions (its lanes beyond them store nothing)
/** The first accumulator local of a reading function. */
const FIRST_ACCUMULATOR = 12;

/**
 * A two-sample function's third parameter is a lane record [registers of sample 0, registers
 * of sample 1, analog stride]: the same block records serve both samples.
 */
function laneFields(samples: number): number[] {
  if (samples === 1) return [];
  return [
    ...op.get(REGS),
    ...op.i32Load(4),
    ...op.set(REGS1),
    ...op.get(REGS),
    ...op.i32Load(8),
    ...op.set(STRIDE),
    ...op.get(REGS),
    ...op.i32Load(0),
    ...op.set(REGS),
  ];
}

/** The nine i32 locals (a one-sample function leaves REGS1 and STRIDE unused). */
const INTEGER_LOCALS = [9, I32] as const;

/** The v128 locals of a block function: per sample its analog values and sums, then R. */
function vectorLocals(
  lanes: number,
  samples: number,
): { analog: number[][]; sum: number[][]; r: number[]; count: number } {
  const pairs = lanes / 2;
  let next = FIRST_ACCUMULATOR;
  const take = () => Array.from({ length: pairs }, () => next++);
  const analog = Array.from({ length: samples }, take);
  const sum = Array.from({ length: samples }, take);
  const r = Array.from({ length: samples }, () => next++);
  return { analog, sum, r, count: next - FIRST_ACCUMULATOR };
}

/** `f64(registers[i32.load(at)])`, the register file at local `regs`: a block's next entry. */
function registerAt(at: number, regs = REGS): number[] {
  return [
    ...addressOf(op.get(regs), [...op.get(at), ...op.i32Load(0)], 2),
    ...op.i32Load(0),
    ...op.f64ConvertI32S,
  ];
}

/** `local = i32.load(record + offset)`: every function's first parameter is its record. */
function loadField(local: number, offset: number): number[] {
  return [...op.get(REC), ...op.i32Load(offset), ...op.set(local)];
}

/**
 * A block record's header: its first analog value's address (C), its term slots (N) and its
 * conversions (WIDTH).
 */
function blockFields(): number[] {
  return [...loadField(C, 0), ...loadField(N, 4), ...loadField(WIDTH, 8), ...advance(REC, 12)];
}

/**
 * Stores lanes 2i and 2i + 1 of `value` at `address` + 16 i, only those below WIDTH: a padding
 * lane's value (0) must not land on the next conversion, which a narrower block's function
 * may have read already.
 */
function storePair(address: number[], value: number, i: number): number[] {
  const below = (n: number) => [...op.get(WIDTH), ...op.i32Const(n), ...op.i32GtU];
  return [
    ...below(2 * i + 1),
    ...op.if,
    ...address,
    ...op.get(value),
    ...op.v128Store(16 * i),
    ...op.else,
    ...below(2 * i),
    ...op.if,
    ...address,
    ...op.get(value),
    ...op.v128Store64Low(16 * i),
    ...op.end,
    ...op.end,
  ];
}

/** A slot's record: its register indexes [IP, IE), weights (WP), constants and gains (CG). */
function slotFields(): number[] {
  return [
    ...loadField(IP, 0),
    ...loadField(IE, 4),
    ...loadField(WP, 8),
    ...loadField(CG, 12),
    ...advance(REC, 16),
  ];
}

/** `local = local - 1` (i32). */
function decrement(local: number): number[] {
  return [...op.get(local), ...op.i32Const(1), ...op.i32Sub, ...op.set(local)];
}

/** `x = x + (v128.load base + offset) x y`: the multiply, then the add, each rounded. */
function multiplyAdd(x: number, base: number, offset: number, y: number): number[] {
  return [
    ...op.get(x),
    ...op.get(base),
    ...op.v128Load(offset),
    ...op.get(y),
    ...op.f64x2Mul,
    ...op.f64x2Add,
    ...op.set(x),
  ];
}

/** Sample s's analog values' address: C, and C + STRIDE for the second sample. */
function analogAddress(sample: number): number[] {
  return sample === 0 ? op.get(C) : [...op.get(C), ...op.get(STRIDE), ...op.i32Add];
}

/**
 * The block function of `lanes` conversions read together, (param $rec $end $regs i32), for
 * one sample or two in lockstep (then $regs is a lane record, laneFields): each weight is
 * loaded once for both samples, each sample's lanes doing exactly the one-sample operations.
 * Block records: [analog address, term slots], then per slot [index address, index end,
 * weights address, constants-and-gains address], all i32.
 */
function blockFunction(lanes: number, samples: number): number[] {
  const v = vectorLocals(lanes, samples);
  const laneBytes = lanes * 8;
  const regs = [REGS, REGS1];
  // r_s = splat(f64(registers_s[index[ip]])); s_si = s_si + w_i x r_s
  const entry = [
    ...v.r.flatMap((r, s) => [...registerAt(IP, regs[s]), ...op.f64x2Splat, ...op.set(r)]),
    ...v.sum.flatMap((sums, s) => sums.flatMap((x, i) => multiplyAdd(x, WP, 16 * i, v.r[s]!))),
    ...advance(IP, 4),
    ...advance(WP, laneBytes),
  ];
  const slot = [
    ...slotFields(),
    ...v.sum.flat().flatMap((x, k) => {
      const i = k % (lanes / 2);
      return [...op.get(CG), ...op.v128Load(16 * i), ...op.set(x)];
    }),
    ...whileNot([...op.get(IP), ...op.get(IE), ...op.i32GeU], entry),
    // a_si = a_si + g_i x s_si
    ...v.analog.flatMap((analog, s) =>
      analog.flatMap((a, i) => multiplyAdd(a, CG, laneBytes + 16 * i, v.sum[s]![i]!)),
    ),
    ...decrement(N),
  ];
  const block = [
    ...blockFields(),
    ...v.analog.flat().flatMap((a) => [...op.v128Zero, ...op.set(a)]),
    ...whileNot([...op.get(N), ...op.i32Eqz], slot),
    ...v.analog.flatMap((analog, s) => analog.flatMap((a, i) => storePair(analogAddress(s), a, i))),
  ];
  return functionCode(
    [INTEGER_LOCALS, [v.count, V128]],
    [...laneFields(samples), ...whileNot([...op.get(REC), ...op.get(END), ...op.i32GeU], block)],
  );
}

/**
 * (func $single (param $rec $end $regs i32)): conversions read alone, one lane of the block
 * function in scalar binary64, on the same records (a slot's constants-and-gains: [constant,
 * gain]): s = constant; s = s + w x code per entry in order; a = 0; a = a + g x s per slot.
 * Two samples in lockstep ($regs a lane record): the same, each sample one lane of an f64x2.
 */
function singleFunction(samples: number): number[] {
  const [A1, S1] = [FIRST_ACCUMULATOR, FIRST_ACCUMULATOR + 1];
  const two = samples === 2;
  // One sample: f64 values; two: f64x2 of the two samples', constants and weights splat.
  const load = (offset: number) => (two ? op.v128Load64Splat(offset) : op.f64Load(offset));
  const [mul, add] = two ? [op.f64x2Mul, op.f64x2Add] : [op.f64Mul, op.f64Add];
  const register = two
    ? [...registerAt(IP), ...op.f64x2Splat, ...registerAt(IP, REGS1), ...op.f64x2ReplaceLane(1)]
    : registerAt(IP);
  const entry = [
    ...op.get(S1),
    ...op.get(WP),
    ...load(0),
    ...register,
    ...mul,
    ...add,
    ...op.set(S1),
    ...advance(IP, 4),
    ...advance(WP, 8),
  ];
  const slot = [
    ...slotFields(),
    ...op.get(CG),
    ...load(0),
    ...op.set(S1),
    ...whileNot([...op.get(IP), ...op.get(IE), ...op.i32GeU], entry),
    ...op.get(A1),
    ...op.get(CG),
    ...load(8),
    ...op.get(S1),
    ...mul,
    ...add,
    ...op.set(A1),
    ...decrement(N),
  ];
  const store = two
    ? [
        ...analogAddress(0),
        ...op.get(A1),
        ...op.f64x2ExtractLane(0),
        ...op.f64Store(0),
        ...analogAddress(1),
        ...op.get(A1),
        ...op.f64x2ExtractLane(1),
        ...op.f64Store(0),
      ]
    : [...op.get(C), ...op.get(A1), ...op.f64Store(0)];
  const conversion = [
    ...blockFields(),
    ...(two ? op.v128Zero : op.f64Zero),
    ...op.set(A1),
    ...whileNot([...op.get(N), ...op.i32Eqz], slot),
    ...store,
  ];
  return functionCode(
    [INTEGER_LOCALS, [2, two ? V128 : F64]],
    [
      ...laneFields(samples),
      ...whileNot([...op.get(REC), ...op.get(END), ...op.i32GeU], conversion),
    ],
  );
}

// Locals of the codes function: (param $rec $noisy i32), then eleven i32, three f64, two i32
// and one f64.
const NOISY = 1;
const AN = 2; // next analog value (byte address)
const AN_END = 3;
const DEV = 4; // next read-noise deviate
const NW = 5; // next term slot's noise weight
const SEG = 6; // next term slot's segment (i32 index into the squares)
const SQ = 7; // the squares (sum V^2 per segment)
const ADC = 8; // next ADC offset
const LIM = 9; // next limit (i32)
const OUT = 10; // next code (i32)
const TERMS_LEFT = 11;
const TERMS = 12;
const A = 13;
const VAR = 14;
const LIMIT = 15;
const RUN_END = 16; // next run's end (i32: the analog address after its last conversion)
const RUN_STOP = 17; // the current run's end
const SD = 18; // the current run's read-noise deviation
const SD2 = 19; // v128: SD in both lanes
const LIMIT2 = 20; // v128: two conversions' limits

/** `local = local + f64.load(NW) x squares[i32.load(SEG)]`, or `local =` when `first`. */
function noiseTerm(first: boolean): number[] {
  return [
    ...(first ? [] : op.get(VAR)),
    ...op.get(NW),
    ...op.f64Load(0),
    ...addressOf(op.get(SQ), [...op.get(SEG), ...op.i32Load(0)], 3),
    ...op.f64Load(0),
    ...op.f64Mul,
    ...(first ? [] : op.f64Add),
    ...op.set(VAR),
    ...advance(NW, 8),
    ...advance(SEG, 4),
  ];
}

/**
 * (func $codes (param $rec $noisy i32)): the codes of a table's conversions from their analog
 * values, as DeviceEngine's JavaScript did them: with read noise (when $noisy) a = a +
 * sqrt(sum over the slots of weight x sum V^2) x deviate, then code = round half to even
 * (f64.nearest) of clamp(a + ADC offset, -limit, limit). The conversions come in runs with the
 * same noise slots (segments and weights: an array's columns of one gain), so the deviation
 * sqrt(...) is the same number for all of a run's and is computed once per run. Conversions
 * go two at a time (f64x2: each lane the scalar operations, the clamp by pmax/pmin, which
 * differ from f64.max/min only on NaN and the sign of zero, neither of which reaches a code),
 * about a third of the scalar loop's time: f64.min/max and a trapping truncation cost V8
 * branches per conversion. Record:
 * [analog, analog end, deviates, the runs' noise weights, the runs' noise segments, squares,
 * ADC offsets, limits, codes, terms, the runs' ends].
 */
function codesFunction(): number[] {
  // The run's slots one after the other: the first sets VAR, the others add to it.
  const deviation = [
    ...noiseTerm(true),
    ...op.get(TERMS),
    ...op.i32Const(1),
    ...op.i32Sub,
    ...op.set(TERMS_LEFT),
    ...whileNot(
      [...op.get(TERMS_LEFT), ...op.i32Eqz],
      [...noiseTerm(false), ...decrement(TERMS_LEFT)],
    ),
    ...op.get(VAR),
    ...op.f64Sqrt,
    ...op.set(SD),
  ];
  const conversion = (noisy: boolean) => [
    ...op.get(AN),
    ...op.f64Load(0),
    ...(noisy
      ? [
          ...op.get(SD),
          ...op.get(DEV),
          ...op.f64Load(0),
          ...op.f64Mul,
          ...op.f64Add,
          ...advance(DEV, 8),
        ]
      : []),
    ...op.set(A),
    ...op.get(LIM),
    ...op.i32Load(0),
    ...op.f64ConvertI32S,
    ...op.set(LIMIT),
    ...op.get(OUT),
    ...op.get(A),
    ...op.get(ADC),
    ...op.f64Load(0),
    ...op.f64Add,
    ...clampRound(LIMIT),
    ...op.i32Store,
    ...advance(AN, 8),
    ...advance(ADC, 8),
    ...advance(LIM, 4),
    ...advance(OUT, 4),
  ];
  // Two conversions at once, each lane the same operations as conversion(), while two are
  // left before `stop`.
  const pair = (noisy: boolean) => [
    ...op.get(LIM),
    ...op.v128Load64Zero(0),
    ...op.f64x2ConvertLowI32x4S,
    ...op.set(LIMIT2),
    ...op.get(OUT),
    ...op.get(AN),
    ...op.v128Load(0),
    ...(noisy
      ? [...op.get(SD2), ...op.get(DEV), ...op.v128Load(0), ...op.f64x2Mul, ...op.f64x2Add]
      : []),
    ...op.get(ADC),
    ...op.v128Load(0),
    ...op.f64x2Add,
    ...clampRound(LIMIT2, true),
    ...op.v128Store64Low(0),
    ...advance(AN, 16),
    ...(noisy ? advance(DEV, 16) : []),
    ...advance(ADC, 16),
    ...advance(LIM, 8),
    ...advance(OUT, 8),
  ];
  /** Conversions until the analog address `stop` (a local): in pairs, then one if left. */
  const until = (stop: number, noisy: boolean) => [
    ...whileNot(
      [...op.get(AN), ...op.i32Const(16), ...op.i32Add, ...op.get(stop), ...op.i32GtU],
      pair(noisy),
    ),
    ...whileNot([...op.get(AN), ...op.get(stop), ...op.i32GeU], conversion(noisy)),
  ];
  const run = [
    ...deviation,
    ...op.get(SD),
    ...op.f64x2Splat,
    ...op.set(SD2),
    ...op.get(RUN_END),
    ...op.i32Load(0),
    ...op.set(RUN_STOP),
    ...advance(RUN_END, 4),
    ...until(RUN_STOP, true),
  ];
  const fields = [AN, AN_END, DEV, NW, SEG, SQ, ADC, LIM, OUT, TERMS, RUN_END];
  const untilEnd = [...op.get(AN), ...op.get(AN_END), ...op.i32GeU];
  return functionCode(
    [
      [11, I32],
      [3, F64],
      [2, I32],
      [1, F64],
      [2, V128],
    ],
    [
      ...fields.flatMap((local, i) => loadField(local, 4 * i)),
      ...op.get(NOISY),
      ...op.if,
      ...whileNot(untilEnd, run),
      ...op.else,
      ...until(AN_END, false),
      ...op.end,
    ],
  );
}

// Locals of the squares function: (param $rec $from $to $regs i32), then nine i32 and two f64.
const SQ_FROM = 1;
const SQ_TO = 2;
const SQ_REGS = 3;
const SQ_CONSTANT = 4;
const SQ_START = 5;
const SQ_REGISTER = 6;
const SQ_ROWS = 7;
const SQ_CROSS = 8;
const SQ_OUT = 9;
const SQ_S = 10;
const SQ_J = 11;
const SQ_END = 12;
const SQ_SUM = 13; // one sample: f64 locals; two: after SQ_REGS1 and SQ_STRIDE, v128
const SQ_CODE = 14;
const SQ_REGS1 = 13; // two samples: the second register file
const SQ_STRIDE = 14; // two samples: bytes from the first sample's squares to the second's

/** `base + (i << shift)`, both locals. */
function indexed(base: number, i: number, shift: number): number[] {
  return addressOf(op.get(base), op.get(i), shift);
}

/**
 * (func $squares (param $rec $from $to $regs i32)): per segment s of [from, to), the sum of
 * its squared row voltages as DeviceEngine defines it, in its order: sum = K_s, then per
 * register entry j sum = sum + code x (n_j x code + b_j). Record: [K, register starts,
 * registers, n, b, out], all addresses.
 */
function squaresFunction(samples: number): number[] {
  const two = samples === 2;
  // Two samples: their sums and codes in the lanes of f64x2 locals, n and b splat.
  const [SUM, CODE] = two ? [SQ_SUM + 2, SQ_CODE + 2] : [SQ_SUM, SQ_CODE];
  const [mul, add] = two ? [op.f64x2Mul, op.f64x2Add] : [op.f64Mul, op.f64Add];
  const load = (offset: number) => (two ? op.v128Load64Splat(offset) : op.f64Load(offset));
  const codeOf = (regs: number) => [
    ...indexed(SQ_REGISTER, SQ_J, 2),
    ...op.i32Load(0),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.get(regs),
    ...op.i32Add,
    ...op.i32Load(0),
    ...op.f64ConvertI32S,
  ];
  const entry = [
    ...(two
      ? [...codeOf(SQ_REGS), ...op.f64x2Splat, ...codeOf(SQ_REGS1), ...op.f64x2ReplaceLane(1)]
      : codeOf(SQ_REGS)),
    ...op.set(CODE),
    ...op.get(SUM),
    ...op.get(CODE),
    ...indexed(SQ_ROWS, SQ_J, 3),
    ...load(0),
    ...op.get(CODE),
    ...mul,
    ...indexed(SQ_CROSS, SQ_J, 3),
    ...load(0),
    ...add,
    ...mul,
    ...add,
    ...op.set(SUM),
    ...advance(SQ_J, 1),
  ];
  const store = two
    ? [
        ...indexed(SQ_OUT, SQ_S, 3),
        ...op.get(SUM),
        ...op.f64x2ExtractLane(0),
        ...op.f64Store(0),
        ...indexed(SQ_OUT, SQ_S, 3),
        ...op.get(SQ_STRIDE),
        ...op.i32Add,
        ...op.get(SUM),
        ...op.f64x2ExtractLane(1),
        ...op.f64Store(0),
      ]
    : [...indexed(SQ_OUT, SQ_S, 3), ...op.get(SUM), ...op.f64Store(0)];
  const segment = [
    ...indexed(SQ_CONSTANT, SQ_S, 3),
    ...load(0),
    ...op.set(SUM),
    ...indexed(SQ_START, SQ_S, 2),
    ...op.i32Load(0),
    ...op.set(SQ_J),
    ...indexed(SQ_START, SQ_S, 2),
    ...op.i32Load(4),
    ...op.set(SQ_END),
    ...whileNot([...op.get(SQ_J), ...op.get(SQ_END), ...op.i32GeU], entry),
    ...store,
    ...advance(SQ_S, 1),
  ];
  const fields = [SQ_CONSTANT, SQ_START, SQ_REGISTER, SQ_ROWS, SQ_CROSS, SQ_OUT];
  // Two samples: $regs is the lane record [registers 0, registers 1, -, squares stride].
  const lanes = two
    ? [
        ...[SQ_REGS1, SQ_STRIDE].flatMap((local, i) => [
          ...op.get(SQ_REGS),
          ...op.i32Load(4 + 8 * i),
          ...op.set(local),
        ]),
        ...op.get(SQ_REGS),
        ...op.i32Load(0),
        ...op.set(SQ_REGS),
      ]
    : [];
  return functionCode(
    two
      ? [
          [9, I32],
          [2, I32],
          [2, V128],
        ]
      : [
          [9, I32],
          [2, F64],
        ],
    [
      ...lanes,
      ...fields.flatMap((local, i) => loadField(local, 4 * i)),
      ...op.get(SQ_FROM),
      ...op.set(SQ_S),
      ...whileNot([...op.get(SQ_S), ...op.get(SQ_TO), ...op.i32GeU], segment),
    ],
  );
}

// Locals of the gaussians function: (param $state $table $out $n i32), then eight i32 and an f64.
const G_STATE = 0;
const G_TABLE = 1;
const G_OUT = 2;
const G_N = 3;
const G_I = 4;
const G_S0 = 5;
const G_S1 = 6;
const G_S2 = 7;
const G_S3 = 8;
const G_WORD = 9;
const G_T = 10;
const G_LAYER = 11;
const G_X = 12;

/** `a = a ^ b`. */
function xorInto(a: number, b: number): number[] {
  return [...op.get(a), ...op.get(b), ...op.i32Xor, ...op.set(a)];
}

/**
 * (func $gaussians (param $state $table $out $n i32)): rng.ts's Rng.gaussians, the common case
 * only. Per draw one xoshiro128** word (state at $state[0..4)), its layer (8 bits) and position
 * (24 bits) in the ziggurat ($table: the layers' edges X), x = ((position - 8388607.5) x 2^-23)
 * x X[layer], kept when |x| < X[layer + 1]. At the first word that is not, it stops and leaves
 * the word at $state[4] for JavaScript to finish; $state[5] is the number of draws made.
 */
function gaussiansFunction(): number[] {
  const word = [
    // word = rotl(s1 x 5, 7) x 9; t = s1 << 9
    ...op.get(G_S1),
    ...op.i32Const(5),
    ...op.i32Mul,
    ...op.i32Const(7),
    ...op.i32Rotl,
    ...op.i32Const(9),
    ...op.i32Mul,
    ...op.set(G_WORD),
    ...op.get(G_S1),
    ...op.i32Const(9),
    ...op.i32Shl,
    ...op.set(G_T),
    ...xorInto(G_S2, G_S0),
    ...xorInto(G_S3, G_S1),
    ...xorInto(G_S1, G_S2),
    ...xorInto(G_S0, G_S3),
    ...xorInto(G_S2, G_T),
    ...op.get(G_S3),
    ...op.i32Const(11),
    ...op.i32Rotl,
    ...op.set(G_S3),
  ];
  const layerEdge = (next: number) => [
    ...addressOf(op.get(G_TABLE), op.get(G_LAYER), 3),
    ...op.f64Load(next * 8),
  ];
  const draw = [
    ...word,
    ...op.get(G_WORD),
    ...op.i32Const(0xff),
    ...op.i32And,
    ...op.set(G_LAYER),
    ...op.get(G_WORD),
    ...op.i32Const(8),
    ...op.i32ShrU,
    ...op.f64ConvertI32U,
    ...op.f64Const(8388607.5),
    ...op.f64Sub,
    ...op.f64Const(1.1920928955078125e-7),
    ...op.f64Mul,
    ...layerEdge(0),
    ...op.f64Mul,
    ...op.set(G_X),
    ...op.get(G_X),
    ...op.f64Abs,
    ...layerEdge(1),
    ...op.f64Lt,
    ...op.if,
    ...indexed(G_OUT, G_I, 3),
    ...op.get(G_X),
    ...op.f64Store(0),
    ...advance(G_I, 1),
    ...op.br(1), // the next draw
    ...op.end,
    // Outside the box: the word for JavaScript, and out of the loop.
    ...op.get(G_STATE),
    ...op.get(G_WORD),
    ...op.i32StoreAt(16),
    ...op.br(1),
  ];
  const state = [G_S0, G_S1, G_S2, G_S3];
  return functionCode(
    [
      [8, I32],
      [1, F64],
    ],
    [
      ...state.flatMap((local, i) => loadField(local, 4 * i)),
      ...op.block,
      ...op.loop,
      ...op.get(G_I),
      ...op.get(G_N),
      ...op.i32GeU,
      ...op.brIf(1),
      ...draw,
      ...op.end,
      ...op.end,
      ...state.flatMap((local, i) => [
        ...op.get(G_STATE),
        ...op.get(local),
        ...op.i32StoreAt(4 * i),
      ]),
      ...op.get(G_STATE),
      ...op.get(G_I),
      ...op.i32StoreAt(20),
    ],
  );
}

/** Lanes of the block functions (DeviceTable.blockWidth > 1). */
export const KERNEL_LANES = [8, 4, 2] as const;

/** Lanes of the module's reading functions, in its function order: the blocks, then singles. */
const FUNCTION_LANES = [...KERNEL_LANES, 1] as const;

/** The reading functions of `samples` samples (1, or 2 in lockstep), in FUNCTION_LANES order. */
function readingFunctions(samples: number) {
  return FUNCTION_LANES.map((lanes) => ({
    type: 0,
    name: `lanes${lanes}x${samples}`,
    body: lanes === 1 ? singleFunction(samples) : blockFunction(lanes, samples),
  }));
}

function moduleBytes(): Uint8Array {
  // Type 0: the reading functions (i32 i32 i32) -> (); 1: codes (i32 i32); 2: 4 x i32.
  return memoryModule(
    [
      [I32, I32, I32],
      [I32, I32],
      [I32, I32, I32, I32],
    ],
    [
      ...readingFunctions(1),
      ...readingFunctions(2),
      { type: 1, name: "codes", body: codesFunction() },
      { type: 2, name: "squares", body: squaresFunction(1) },
      { type: 2, name: "squaresTwo", body: squaresFunction(2) },
      { type: 2, name: "gaussians", body: gaussiansFunction() },
    ],
  );
}

let compiled: object | null = null;

function kernelModule(): object {
  compiled ??= new wasm.Module(moduleBytes());
  return compiled;
}

// --- Packing and running. --------------------------------------------------------------------

/** Bytes of a block record's header and of one slot's record. */
const BLOCK_HEADER = 12;
const SLOT_RECORD = 16;
/** Bytes of a codes record (eleven i32, aligned). */
const CODES_RECORD = 48;

/** Bytes of a table's analog values in one sample's region. */
function analogBytes(t: KernelTableSource): number {
  return align(t.count * 8);
}

function tableBytes(t: KernelTableSource, samples: number): number {
  let records = 0;
  let constants = 0;
  for (const b of t.blocks) {
    records += BLOCK_HEADER + b.slots.length * SLOT_RECORD;
    constants += b.slots.length * b.lanes * 16;
  }
  return (
    samples * (analogBytes(t) + align(t.count * 4) + CODES_RECORD + align((t.count + 1) * 4)) +
    align(t.noiseWeight.length * 8) +
    align(t.noiseSegment.length * 4) +
    align(t.count * 4) +
    align(t.count * 8) +
    align(t.count * 4) +
    align(records) +
    align(t.index.length * 4) +
    align(t.blockWeight.length * 8) +
    align(constants)
  );
}

/**
 * A table's conversions in runs with the same noise slots (segment and weight of each): per run
 * its slots' weights and segments (`terms` each) and the index of the conversion after it.
 */
interface NoiseRuns {
  readonly weight: Float64Array;
  readonly segment: Int32Array;
  readonly end: Int32Array;
}

function noiseRuns(t: KernelTableSource): NoiseRuns {
  const { terms, noiseWeight, noiseSegment } = t;
  const weight: number[] = [];
  const segment: number[] = [];
  const end: number[] = [];
  for (let c = 0; c < t.count; c++) {
    let same = c > 0;
    for (let q = c * terms; same && q < (c + 1) * terms; q++)
      same =
        noiseSegment[q] === noiseSegment[q - terms] &&
        Object.is(noiseWeight[q], noiseWeight[q - terms]);
    if (same) end[end.length - 1] = c + 1;
    else {
      for (let q = c * terms; q < (c + 1) * terms; q++) {
        weight.push(noiseWeight[q]!);
        segment.push(noiseSegment[q]!);
      }
      end.push(c + 1);
    }
  }
  return {
    weight: Float64Array.from(weight),
    segment: Int32Array.from(segment),
    end: Int32Array.from(end),
  };
}

type BlockFunction = (rec: number, end: number, regs: number) => void;
type CodesFunction = (rec: number, noisy: number) => void;
type SquaresFunction = (rec: number, from: number, to: number, regs: number) => void;
type GaussiansFunction = (state: number, table: number, out: number, n: number) => void;

/** Bytes of the squares record (six i32, aligned). */
const SQUARES_RECORD = 32;

/**
 * The segments of the sums of squared row voltages (device.ts): segment s's register entries
 * are [registerStart[s], registerStart[s + 1]), each a register, its row count n and its cross
 * term b; constant[s] is K.
 */
export interface SegmentSource {
  readonly registerStart: Int32Array;
  readonly register: Int32Array;
  readonly rowCount: Float64Array;
  readonly cross: Float64Array;
  readonly constant: Float64Array;
}

function segmentBytes(s: SegmentSource): number {
  const entries = s.register.length;
  return (
    SQUARES_RECORD +
    align(s.constant.length * 8) +
    align(s.registerStart.length * 4) +
    align(entries * 4) +
    2 * align(entries * 8)
  );
}

/** One sample's state in a kernel: its register file, squares and deviates. */
export interface KernelSample {
  readonly registers: Int32Array;
  /** Per segment (engine-wide): sum of the squared row voltages of the current read. */
  readonly squares: Float64Array;
  /** Read-noise deviates of the current conversion, one per conversion. */
  readonly deviates: Float64Array;
  /** The squares function's record (its output: `squares`). */
  readonly squaresRecord: number;
}

/**
 * The kernel of one engine: per sample (one, or two read in lockstep) a register file and the
 * read noise's scratch, the packed tables once, in one memory.
 */
export class BlockKernel {
  /** Sample 0's register file, squares and deviates. */
  readonly registers: Int32Array;
  readonly squares: Float64Array;
  readonly deviates: Float64Array;
  readonly samples: readonly KernelSample[];
  private readonly arena: WasmArena;
  private readonly functions: BlockFunction[];
  private readonly twoSampleFunctions: BlockFunction[];
  private readonly codesOf: CodesFunction;
  private readonly squaresOf: SquaresFunction;
  private readonly squaresTwo: SquaresFunction;
  private readonly gaussiansOf: GaussiansFunction;
  /** A generator's state words, then the word left for JavaScript and the draws made. */
  private readonly rngState: Int32Array;
  private readonly ziggurat: number;
  /**
   * The two-sample functions' lane record: both register files, the bytes from the first
   * sample's analog values to the second's, and from its squares to the second's.
   */
  private readonly laneRecord: number;
  /**
   * Every table's analog values, one region per sample laid out alike (`analogStride` bytes
   * apart: a block record's address serves every sample); the next table's place in it.
   */
  private readonly analogRegion: number;
  private readonly analogStride: number;
  private analogNext = 0;

  constructor(
    registerCount: number,
    segments: SegmentSource,
    tables: readonly KernelTableSource[],
    sampleCount = 1,
  ) {
    const most = Math.max(0, ...tables.map((t) => t.count));
    const count = segments.constant.length;
    this.analogStride = tables.reduce((n, t) => n + analogBytes(t), 0);
    const bytes =
      sampleCount *
        (align(registerCount * 4) + align(count * 8) + align(most * 8) + SQUARES_RECORD) +
      segmentBytes(segments) +
      align(6 * 4) +
      align(ZIGGURAT_X.byteLength) +
      align(4 * 4) +
      tables.reduce((n, t) => n + tableBytes(t, sampleCount), 0);
    this.arena = new WasmArena(bytes);
    const memory = this.arena.memory;
    const { exports } = new wasm.Instance(kernelModule(), { env: { memory } });
    const reading = (n: number) =>
      FUNCTION_LANES.map((l) => exports[`lanes${l}x${n}`] as BlockFunction);
    this.functions = reading(1);
    this.twoSampleFunctions = reading(2);
    this.codesOf = exports.codes as CodesFunction;
    this.squaresOf = exports.squares as SquaresFunction;
    this.squaresTwo = exports.squaresTwo as SquaresFunction;
    this.gaussiansOf = exports.gaussians as GaussiansFunction;
    this.rngState = this.arena.i32(6);
    this.ziggurat = this.arena.copy(ZIGGURAT_X).byteOffset;
    const copies = [
      segments.constant,
      segments.registerStart,
      segments.register,
      segments.rowCount,
      segments.cross,
    ].map((a) => this.arena.copy(a).byteOffset);
    this.samples = Array.from({ length: sampleCount }, () => {
      const sample = {
        registers: this.arena.i32(registerCount),
        squares: this.arena.f64(count),
        deviates: this.arena.f64(most),
        squaresRecord: this.arena.take(SQUARES_RECORD),
      };
      const record = new Int32Array(memory.buffer, sample.squaresRecord, 6);
      record.set([...copies, sample.squares.byteOffset]);
      return sample;
    });
    ({
      registers: this.registers,
      squares: this.squares,
      deviates: this.deviates,
    } = this.samples[0]!);
    this.analogRegion = this.arena.take(sampleCount * this.analogStride);
    this.laneRecord = this.arena.take(4 * 4);
    if (sampleCount === 2) {
      const [first, second] = this.samples.map((x) => x.registers.byteOffset);
      const [squares0, squares1] = this.samples.map((x) => x.squares.byteOffset);
      const record = [first!, second!, this.analogStride, squares1! - squares0!];
      new Int32Array(memory.buffer, this.laneRecord, 4).set(record);
    }
  }

  /**
   * `n` standard normals from `rng` into sample s's `deviates`: the draws rng.gaussians(out,
   * n) makes, the common case here and the rest (a word outside its layer's box) by rng itself.
   */
  gaussians(rng: Rng, n: number, s = 0): void {
    const state = this.rngState;
    const deviates = this.samples[s]!.deviates;
    rng.saveState(state);
    for (let from = 0; ; from++) {
      this.gaussiansOf(state.byteOffset, this.ziggurat, deviates.byteOffset + from * 8, n - from);
      from += state[5]!;
      if (from >= n) break;
      rng.loadState(state);
      deviates[from] = rng.gaussianFrom(state[4]! >>> 0);
      rng.saveState(state);
    }
    rng.loadState(state);
  }

  /** rowSquares for both samples of a two-sample kernel at once. */
  rowSquaresTwo(from: number, to: number): void {
    this.squaresTwo(this.samples[0]!.squaresRecord, from, to, this.laneRecord);
  }

  /** Sample s's `squares` of segments [from, to) from its registers as they are. */
  rowSquares(from: number, to: number, s = 0): void {
    const sample = this.samples[s]!;
    this.squaresOf(sample.squaresRecord, from, to, sample.registers.byteOffset);
  }

  /** One sample's views on a table: analog values in its region, codes, the codes record. */
  private sampleViews(
    t: KernelTableSource,
    s: number,
    at: number,
    runs: NoiseRuns,
    shared: {
      noiseWeight: number;
      noiseSegment: number;
      adcOffset: number;
      limit: number;
    },
  ): SampleViews {
    const arena = this.arena;
    const analog = new Float64Array(arena.memory.buffer, at, t.count);
    const codes = arena.i32(t.count);
    const codesRecord = arena.take(CODES_RECORD);
    // A run's end as the analog address after its last conversion, where the kernel compares.
    const runEnd = arena.i32(runs.end.length);
    for (let r = 0; r < runEnd.length; r++) runEnd[r] = at + runs.end[r]! * 8;
    new Int32Array(arena.memory.buffer, codesRecord, 11).set([
      at,
      at + t.count * 8,
      this.samples[s]!.deviates.byteOffset,
      shared.noiseWeight,
      shared.noiseSegment,
      this.samples[s]!.squares.byteOffset,
      shared.adcOffset,
      shared.limit,
      codes.byteOffset,
      t.terms,
      runEnd.byteOffset,
    ]);
    return { analog, codes, codesRecord };
  }

  /** Copies a table into the kernel's memory (every table before the first run). */
  pack(t: KernelTableSource): PackedTable {
    const arena = this.arena;
    const at = this.analogRegion + this.analogNext;
    this.analogNext += analogBytes(t);
    const runs = noiseRuns(t);
    const [noiseWeight, noiseSegment, adcOffset, limit] = [
      runs.weight,
      runs.segment,
      t.adcOffset,
      t.limit,
    ].map((a) => arena.copy(a).byteOffset) as [number, number, number, number];
    const shared = { noiseWeight, noiseSegment, adcOffset, limit };
    const samples = this.samples.map((_, s) =>
      this.sampleViews(t, s, at + s * this.analogStride, runs, shared),
    );
    const index = arena.copy(t.index);
    const blockWeight = arena.copy(t.blockWeight);
    const records = this.blockRecords(t, at, index, blockWeight);
    return { ...samples[0]!, samples, index, blockWeight, records };
  }

  /** Per reading function, [start, end) of the table's block records (analog addresses: sample 0's). */
  private blockRecords(
    t: KernelTableSource,
    analog: number,
    index: Int32Array,
    blockWeight: Float64Array,
  ): (readonly [number, number])[] {
    const arena = this.arena;
    const byLanes = FUNCTION_LANES.map((lanes) => t.blocks.filter((b) => b.lanes === lanes));
    const recordWords = (blocks: Block[]) => blocks.reduce((n, b) => n + 3 + 4 * b.slots.length, 0);
    const constantWords = t.blocks.reduce((n, b) => n + 2 * b.lanes * b.slots.length, 0);
    const words = byLanes.map(recordWords);
    const records = arena.i32(words.reduce((n, w) => n + w, 0));
    const constants = arena.f64(constantWords);
    let r = 0;
    let k = 0;
    return byLanes.map((blocks) => {
      const start = records.byteOffset + r * 4;
      for (const block of blocks) {
        records[r++] = analog + block.conversion * 8;
        records[r++] = block.slots.length;
        records[r++] = block.width;
        for (const slot of block.slots) {
          records[r++] = index.byteOffset + slot.indexStart * 4;
          records[r++] = index.byteOffset + slot.indexEnd * 4;
          records[r++] = blockWeight.byteOffset + slot.weightStart * 8;
          records[r++] = constants.byteOffset + k * 8;
          constants.set(slot.constants, k);
          constants.set(slot.gains, k + block.lanes);
          k += 2 * block.lanes;
        }
      }
      return [start, records.byteOffset + r * 4] as const;
    });
  }

  /** Sample 0's analog values of the table's blocks, into its `analog` view. */
  run(table: PackedTable): void {
    const regs = this.registers.byteOffset;
    for (let f = 0; f < this.functions.length; f++) {
      const [start, end] = table.records[f]!;
      if (start < end) this.functions[f]!(start, end, regs);
    }
  }

  /** Both samples' analog values (a two-sample kernel), each weight loaded once for both. */
  runTwo(table: PackedTable): void {
    for (let f = 0; f < this.twoSampleFunctions.length; f++) {
      const [start, end] = table.records[f]!;
      if (start < end) this.twoSampleFunctions[f]!(start, end, this.laneRecord);
    }
  }

  /**
   * Sample s's codes of the table from its analog values: with read noise from its
   * `deviates` and `squares` when `noisy`.
   */
  codes(table: PackedTable, noisy: boolean, s = 0): Int32Array {
    const views = table.samples[s]!;
    this.codesOf(views.codesRecord, noisy ? 1 : 0);
    return views.codes;
  }
}
