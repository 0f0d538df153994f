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
  /** Box-Muller makes normals in pairs; the second waits here. */
  private spare = Number.NaN;

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

  /** Standard normal (Marsaglia's polar method; the pair's second value is returned next). */
  gaussian(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return z;
    }
    let u: number;
    let v: number;
    let s: number;
    // 32 random bits per coordinate are plenty for noise (the tails reach 6.7 sigma).
    do {
      u = this.nextU32() * 4.656612873077393e-10 - 1;
      v = this.nextU32() * 4.656612873077393e-10 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
