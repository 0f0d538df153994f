// Integer-valued flags (--runs, --seed, --threads, --lanes): refused with QS4D-E609 unless the
// text is a plain decimal integer inside the range, so "8x" or "1e3" never means something.

import { fail } from "../diag/error.js";

export function integerOption(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    fail("QS4D-E609", { option, value: text, reason: `expected an integer in [${min}, ${max}]` });
  }
  return value;
}
