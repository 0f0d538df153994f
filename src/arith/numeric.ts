// The scalar rounding rules of docs/chip-arithmetic.md that the compiler (src/passes), the
// integer emulator (src/emulate) and the reference executor (src/run) share: round half to
// even, clamp, float32 rounding. One copy: a pass that predicts a code and the executor that
// computes it must round the same way. The simulator (src/sim) does not import this module: it
// keeps its own deliberate second implementation in src/sim/arith.ts, so that its bit-for-bit
// agreement with the emulator is evidence rather than a tautology.

/** Round half to even, as torch.round, numpy.rint and ONNX QuantizeLinear do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds half toward +infinity
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

export const fround = Math.fround;
