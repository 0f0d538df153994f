// The executors' last check: logits computed from finite input are finite. A value that
// overflows on the way (an input far outside the trained range) becomes Inf or NaN and then
// spreads; it is reported with a code, never written to a file.

import { fail } from "../diag/error.js";

/**
 * Refuses the first non-finite logit of `logits` ([samples, classes], row-major), naming the
 * executor, the sample and the class. `firstSample` offsets the sample index (a batch slice).
 */
export function checkFiniteLogits(
  executor: string,
  logits: ArrayLike<number>,
  classes: number,
  firstSample = 0,
): void {
  for (let i = 0; i < logits.length; i++) {
    const value = logits[i]!;
    if (Number.isFinite(value)) continue;
    const sample = firstSample + Math.floor(i / classes);
    fail("QS4D-E308", { executor, value: String(value), where: `logit ${i % classes}`, sample });
  }
}
