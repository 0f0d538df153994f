// The error function, which JavaScript's Math lacks. It is platform arithmetic, like Math.exp
// (V8's fdlibm port): every executor takes it from here, the simulator included (the chip's
// GELU is `0.5 v (1 + erf(v / sqrt 2))`, docs/chip-arithmetic.md), and test/run/numeric.test.ts
// checks it against reference values.
//
// A port of fdlibm's s_erf.c (Sun Microsystems, 1993; the algorithm behind most C
// libraries' erf), error below 1 ulp over the whole line. Coefficients are fdlibm's doubles,
// written as their shortest round-trip decimals.
const ERX = 0.8450629115104675;
const EFX = 0.1283791670955126;
const PP = [
  0.12837916709551256, -0.3250421072470015, -0.02848174957559851, -0.005770270296489442,
  -2.3763016656650163e-5,
] as const;
const QQ = [
  0.39791722395915535, 0.0650222499887673, 0.005081306281875766, 0.00013249473800432164,
  -3.960228278775368e-6,
] as const;
const PA = [
  -0.0023621185607526594, 0.41485611868374833, -0.3722078760357013, 0.31834661990116175,
  -0.11089469428239668, 0.035478304325618236, -0.002166375594868791,
] as const;
const QA = [
  0.10642088040084423, 0.540397917702171, 0.07182865441419627, 0.12617121980876164,
  0.01363708391202905, 0.011984499846799107,
] as const;
const RA = [
  -0.009864944034847148, -0.6938585727071818, -10.558626225323291, -62.375332450326006,
  -162.39666946257347, -184.60509290671104, -81.2874355063066, -9.814329344169145,
] as const;
const SA = [
  19.651271667439257, 137.65775414351904, 434.56587747522923, 645.3872717332679, 429.00814002756783,
  108.63500554177944, 6.570249770319282, -0.0604244152148581,
] as const;
const RB = [
  -0.0098649429247001, -0.799283237680523, -17.757954917754752, -160.63638485582192,
  -637.5664433683896, -1025.0951316110772, -483.5191916086514,
] as const;
const SB = [
  30.33806074348246, 325.7925129965739, 1536.729586084437, 3199.8582195085955, 2553.0504064331644,
  474.52854120695537, -22.44095244658582,
] as const;

/** Horner evaluation of c[0] + c[1] s + c[2] s^2 + ... */
function poly(c: readonly number[], s: number): number {
  let acc = 0;
  for (let i = c.length - 1; i >= 0; i--) acc = acc * s + c[i]!;
  return acc;
}

/** 1 + c[0] s + c[1] s^2 + ... (fdlibm's denominators). */
function poly1(c: readonly number[], s: number): number {
  return 1 + s * poly(c, s);
}

const SPLIT = new Float64Array(1);
const SPLIT_WORDS = new Uint32Array(SPLIT.buffer);

/** x with the low 32 bits of its significand cleared (fdlibm's SET_LOW_WORD(z, 0)). */
function highPart(x: number): number {
  SPLIT[0] = x;
  SPLIT_WORDS[0] = 0; // little-endian: word 0 is the low word
  return SPLIT[0];
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (poly(PP, z) / poly1(QQ, z));
  }
  if (a < 1.25) {
    const s = a - 1;
    const v = ERX + poly(PA, s) / poly1(QA, s);
    return x >= 0 ? v : -v;
  }
  if (a >= 6) return x >= 0 ? 1 : -1;
  const s = 1 / (a * a);
  const ratio = a < 1 / 0.35 ? poly(RA, s) / poly1(SA, s) : poly(RB, s) / poly1(SB, s);
  const z = highPart(a);
  // exp(-a^2 - 0.5625 + R/S) with -a^2 split as -z^2 + (z - a)(z + a) to keep its low bits.
  const r = Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + ratio);
  return x >= 0 ? 1 - r / a : r / a - 1;
}
