// Deterministic random numbers for the device model. Every stream is keyed by what it is for
// (seed, purpose, run, sample), never by the order in which threads happen to ask: a run's
// programming is the same whether it is drawn in the main thread or in worker 3 of 8, so a
// Monte Carlo gives the same numbers for the same seed whatever the thread count.
// Generator: xoshiro128** (Blackman and Vigna), 32-bit arithmetic only (Math.imul), seeded by
// a splitmix-style mix of the key words. No Math.random anywhere in the simulator.

/** What a stream draws; part of its key so that streams never overlap. */
export const Purpose = {
  programming: 1,
  stuck: 2,
  converters: 3,
  read: 4,
} as const;

/** murmur3's fmix32: a bijective avalanche of one 32-bit word. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** The 32-bit halves of a seed 0 <= seed < 2^53. */
function seedWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A stream for `purpose` keyed by (seed, a, b): e.g. (seed, run, sample). */
  constructor(seed: number, purpose: number, a = 0, b = 0) {
    const [lo, hi] = seedWords(seed);
    let h = fmix32(lo ^ GOLDEN);
    for (const word of [hi, purpose, a, b])
      h = fmix32(h ^ Math.imul(word >>> 0, GOLDEN) ^ 0x632be5ab);
    // splitmix-style expansion of the key into four state words (never all zero).
    const next = () => {
      h = (h + GOLDEN) >>> 0;
      return fmix32(h ^ (h >>> 15)) || 0x6a09e667;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Standard normal by the ziggurat (Marsaglia and Tsang, 256 layers): one 32-bit word per
   * draw 98.5% of the time (8 bits pick the layer, 24 the position in it), a density test in a
   * layer's wedge, and Marsaglia's exact tail method beyond R. Exact in distribution up to the
   * 24-bit position (its resolution is 2^-23 of the layer's width).
   */
  gaussian(): number {
    return this.gaussianFrom(this.nextU32());
  }

  /**
   * The next n standard normals into out[0..n): n calls of gaussian(), with the generator's
   * state in locals for the common case (a word whose position is inside its layer's box).
   */
  gaussians(out: Float64Array, n: number): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < n; i++) {
      const word = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      const layer = word & 0xff;
      const x = ((word >>> 8) - 8388607.5) * 1.1920928955078125e-7 * ZIGGURAT_X[layer]!;
      if (Math.abs(x) < ZIGGURAT_X[layer + 1]!) {
        out[i] = x;
        continue;
      }
      this.s0 = s0;
      this.s1 = s1;
      this.s2 = s2;
      this.s3 = s3;
      out[i] = this.gaussianFrom(word);
      s0 = this.s0;
      s1 = this.s1;
      s2 = this.s2;
      s3 = this.s3;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** The four state words, into state[0..4) (as int32). */
  saveState(state: Int32Array): void {
    state[0] = this.s0;
    state[1] = this.s1;
    state[2] = this.s2;
    state[3] = this.s3;
  }

  /** The state saved by saveState (or advanced since by the same generator elsewhere). */
  loadState(state: Int32Array): void {
    this.s0 = state[0]!;
    this.s1 = state[1]!;
    this.s2 = state[2]!;
    this.s3 = state[3]!;
  }

  /**
   * The normal whose first word is `word` (drawn already): further words only when that one
   * is rejected. gaussians() comes here for a word outside its layer's box.
   */
  gaussianFrom(first: number): number {
    for (let word = first; ; word = this.nextU32()) {
      const layer = word & 0xff;
      // Symmetric in (-1, 1), never 0: the sign comes with the position.
      const u = (word >>> 8) - 8388607.5;
      const x = u * 1.1920928955078125e-7 * ZIGGURAT_X[layer]!;
      if (Math.abs(x) < ZIGGURAT_X[layer + 1]!) return x;
      if (layer === 0) return this.gaussianTail(u < 0);
      const f =
        ZIGGURAT_F[layer + 1]! + (ZIGGURAT_F[layer]! - ZIGGURAT_F[layer + 1]!) * this.uniform();
      if (f < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /** A normal beyond R, with the given sign (Marsaglia 1964). */
  private gaussianTail(negative: boolean): number {
    let x: number;
    let y: number;
    do {
      x = Math.log(1 - this.uniform()) / ZIGGURAT_R;
      y = Math.log(1 - this.uniform());
    } while (-2 * y < x * x);
    return negative ? x - ZIGGURAT_R : ZIGGURAT_R - x;
  }
}

/** The ziggurat's rightmost layer edge and the common area of its 256 layers (Marsaglia, Tsang 2000). */
const ZIGGURAT_R = 3.6541528853610088;
const ZIGGURAT_AREA = 0.00492867323399;

/**
 * The layers' right edges X[0..256] (X[0] the base layer's equivalent width, X[1] = R,
 * X[256] = 0) and the density exp(-x^2/2) at each, F.
 */
export const { ZIGGURAT_X, ZIGGURAT_F } = (() => {
  const x = new Float64Array(257);
  const f = new Float64Array(257);
  const density = (t: number) => Math.exp(-0.5 * t * t);
  x[0] = ZIGGURAT_AREA / density(ZIGGURAT_R);
  x[1] = ZIGGURAT_R;
  for (let i = 2; i < 256; i++)
    x[i] = Math.sqrt(-2 * Math.log(ZIGGURAT_AREA / x[i - 1]! + density(x[i - 1]!)));
  x[256] = 0;
  for (let i = 0; i < 257; i++) f[i] = density(x[i]!);
  return { ZIGGURAT_X: x, ZIGGURAT_F: f };
})();

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
