// The one affine quantizer shape the compiler builds itself: symmetric (zero point 0), signed,
// narrow range, round half to even (qs4d-symmetric-v1 and the grids `requantize` fits).

import type { AffineQuantizer } from "./model.js";
import type { Tensor } from "./tensor.js";

/** A symmetric narrow-range quantizer; `codes` only when the integers are known exactly. */
export function symmetricQuantizer(
  bits: number,
  scale: number | readonly number[],
  axis: number | null,
  codes?: Tensor,
): AffineQuantizer {
  const q: AffineQuantizer = {
    kind: "affine",
    bits,
    scale,
    axis,
    zeroPoint: 0,
    signed: true,
    narrow: true,
    rounding: "half-even",
  };
  return codes === undefined ? q : { ...q, codes };
}

/** Bits of a signed narrow-range code with magnitudes up to maxCode: 2^(b-1) - 1 >= maxCode. */
export function bitsFor(maxCode: number): number {
  let b = 2;
  while (2 ** (b - 1) - 1 < maxCode) b++;
  return b;
}
