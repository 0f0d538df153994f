// Encoding WebAssembly modules by hand, for the simulator's kernels (device-kernel.ts,
// pair-kernel.ts): the binary format's integers and sections, the opcodes the kernels use (their
// text names), two control shapes, and the part of the JavaScript API the kernels call. No
// toolchain is involved: each kernel's bytes are built from these at first use.

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const's immediate), for n >= 0: a zero bit 6 ends it. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>>= 7;
    if (n === 0 && (byte & 0x40) === 0) return [...out, byte];
    out.push(byte | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

export const I32 = 0x7f;
export const V128 = 0x7b;
export const F64 = 0x7c;
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  i32Load: (offset: number) => [0x28, 2, ...uleb(offset)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Shl: [0x74],
  i32Eqz: [0x45],
  i32GeU: [0x4f],
  i32GtU: [0x4b],
  f64ConvertI32S: [0xb7],
  if: [0x04, 0x40],
  else: [0x05],
  i32Store: [0x36, 2, 0],
  i32StoreAt: (offset: number) => [0x36, 2, ...uleb(offset)],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Xor: [0x73],
  i32ShrU: [0x76],
  i32Rotl: [0x77],
  i32LtU: [0x49],
  f64ConvertI32U: [0xb8],
  f64Const: (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  f64Sub: [0xa1],
  f64Abs: [0x99],
  f64Lt: [0x63],
  f64Load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 3, ...uleb(offset)],
  f64Zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f64Sqrt: [0x9f],
  f64Neg: [0x9a],
  f64Min: [0xa4],
  f64Max: [0xa5],
  f64Nearest: [0x9e],
  i32TruncF64S: [0xaa],
  v128Load: (offset: number) => [0xfd, 0x00, 3, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 3, ...uleb(offset)],
  v128Load64Splat: (offset: number) => [0xfd, 0x0a, 3, ...uleb(offset)],
  f64x2ExtractLane: (lane: number) => [0xfd, 0x21, lane],
  f64x2ReplaceLane: (lane: number) => [0xfd, 0x22, lane],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f64x2Splat: [0xfd, 0x14],
  f64x2Add: [0xfd, 0xf0, 0x01],
  f64x2Mul: [0xfd, 0xf2, 0x01],
  f64x2Neg: [0xfd, 0xed, 0x01],
  /** `b < a ? b : a` and `a < b ? b : a` per lane: min and max for numbers (no NaN here). */
  f64x2Pmin: [0xfd, 0xf6, 0x01],
  f64x2Pmax: [0xfd, 0xf7, 0x01],
  f64x2Nearest: [0xfd, 0x94, 0x01],
  f64x2ConvertLowI32x4S: [0xfd, 0xfe, 0x01],
  i32x4TruncSatF64x2SZero: [0xfd, 0xfc, 0x01],
  /** Two i32 (4-byte aligned) into the low half, the rest zero. */
  v128Load64Zero: (offset: number) => [0xfd, 0x5d, 2, ...uleb(offset)],
  /** The low half's two i32 to memory (4-byte aligned). */
  v128Store64Low: (offset: number) => [0xfd, 0x5b, 2, ...uleb(offset), 0],
};

/** A function's entry in the code section: its locals as (count, type) runs, `code`, end. */
export function functionCode(
  locals: readonly (readonly [number, number])[],
  code: number[],
): number[] {
  const declared = locals.flatMap(([count, type]) => [...uleb(count), type]);
  const body = [...uleb(locals.length), ...declared, ...code, ...op.end];
  return [...uleb(body.length), ...body];
}

/** `base + (index << shift)`: the byte address of element `index` of 2^shift-byte elements. */
export function addressOf(base: number[], index: number[], shift: number): number[] {
  return [...base, ...index, ...op.i32Const(shift), ...op.i32Shl, ...op.i32Add];
}

/**
 * The ADC's code of the value on the stack: nearest (ties to even) of the value clamped to
 * [-limit, limit], the limit in local `limit`; with `pair`, two values of an f64x2 (the clamp by
 * pmax/pmin, the same for numbers) to two i32 in the low half.
 */
export function clampRound(limit: number, pair = false): number[] {
  return pair
    ? [
        ...op.get(limit),
        ...op.f64x2Neg,
        ...op.f64x2Pmax,
        ...op.get(limit),
        ...op.f64x2Pmin,
        ...op.f64x2Nearest,
        ...op.i32x4TruncSatF64x2SZero,
      ]
    : [
        ...op.get(limit),
        ...op.f64Neg,
        ...op.f64Max,
        ...op.get(limit),
        ...op.f64Min,
        ...op.f64Nearest,
        ...op.i32TruncF64S,
      ];
}

export function advance(local: number, bytes: number): number[] {
  return [...op.get(local), ...op.i32Const(bytes), ...op.i32Add, ...op.set(local)];
}

/** `block (loop (br_if 1 (exit)) body (br 0))`. */
export function whileNot(exit: number[], body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...exit,
    ...op.brIf(1),
    ...body,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** A function of a module: its type's index, its export name, its body (locals and code). */
export interface WasmFunction {
  readonly type: number;
  readonly name: string;
  readonly body: number[];
}

/**
 * A module that imports one memory (env.memory) and exports `functions`; `types` lists each
 * function type's parameters (every one returns nothing).
 */
export function memoryModule(
  types: readonly (readonly number[])[],
  functions: readonly WasmFunction[],
): Uint8Array {
  const typeSection = [
    ...uleb(types.length),
    ...types.flatMap((params) => [0x60, ...uleb(params.length), ...params, 0]),
  ];
  const memoryImport = [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01];
  const count = uleb(functions.length);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, typeSection),
    ...section(2, memoryImport),
    ...section(3, [...count, ...functions.flatMap((f) => uleb(f.type))]),
    ...section(7, [...count, ...functions.flatMap((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
    ...section(10, [...count, ...functions.flatMap((f) => f.body)]),
  ]);
}

export const PAGE = 65536;

/** Rounds up to 16 bytes (v128 loads are fastest aligned). */
export function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/** The part of the WebAssembly JavaScript API used here (@types/node 20 does not declare it). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * A kernel's memory, sized once (it never grows, so views on it stay valid) and handed out front
 * to back, every piece on a 16-byte boundary.
 */
export class WasmArena {
  readonly memory: { buffer: ArrayBuffer };
  private next = 0;

  constructor(bytes: number) {
    this.memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  }

  /** The byte address of `bytes` bytes not yet handed out. */
  take(bytes: number): number {
    const at = this.next;
    this.next += align(bytes);
    return at;
  }

  f64(n: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.take(n * 8), n);
  }

  i32(n: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.take(n * 4), n);
  }

  /** A copy of `a` in the memory. */
  copy<T extends Int32Array | Float64Array>(a: T): T {
    const view = a instanceof Float64Array ? this.f64(a.length) : this.i32(a.length);
    view.set(a);
    return view as T;
  }
}
