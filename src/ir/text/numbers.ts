// Number text that parses back to the identical bits. float64: the shortest decimal that rounds
// back to the same double (String(x)); float32: the shortest decimal that rounds back to the same
// float (Math.fround of its double); -0, inf, -inf and nan spelled out.

import type { DType } from "../tensor.js";

function special(x: number): string | null {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (Object.is(x, -0)) return "-0";
  return null;
}

export function formatF64(x: number): string {
  return special(x) ?? String(x);
}

const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);

function roundTripsF32(x: number, digits: number): boolean {
  return Math.fround(Number(x.toPrecision(digits))) === x;
}

/**
 * The shortest of 1..9 significant digits that reads back to x (9 always does). Away from
 * powers of two the rounding interval is symmetric around x, so if p digits round-trip so do
 * p + 1 (the nearest (p+1)-digit decimal is at least as close): a binary search finds the
 * shortest. At a power of two the interval is lopsided, so the digits are tried in order.
 */
export function formatF32(x: number): string {
  const s = special(x);
  if (s !== null) return s;
  if (Number.isInteger(x) && Math.abs(x) <= 2 ** 24) return String(x);
  F32[0] = x;
  let digits = 9;
  if ((F32_BITS[0]! & 0x7fffff) === 0) {
    digits = 1;
    while (!roundTripsF32(x, digits)) digits++;
  } else {
    let fails = 0;
    while (digits - fails > 1) {
      const mid = (fails + digits) >> 1;
      if (roundTripsF32(x, mid)) digits = mid;
      else fails = mid;
    }
  }
  return String(Number(x.toPrecision(digits)));
}

export function formatElement(dtype: DType, x: number): string {
  switch (dtype) {
    case "f32":
      return formatF32(x);
    case "f64":
      return formatF64(x);
    default:
      return String(x);
  }
}

/** The value of a number token; `null` when the text is not a number (a word, say). */
export function parseNumberText(text: string): number | null {
  switch (text) {
    case "inf":
      return Number.POSITIVE_INFINITY;
    case "-inf":
      return Number.NEGATIVE_INFINITY;
    case "nan":
      return Number.NaN;
  }
  const x = Number(text);
  return text.trim() === "" || Number.isNaN(x) ? null : x;
}

const INTEGER_TEXT = /^-?\d+$/;

/** An integer token's value, or null when it is not a (safe) integer as written. */
export function parseIntegerText(text: string): number | null {
  if (!INTEGER_TEXT.test(text)) return null;
  const x = Number(text);
  return Number.isSafeInteger(x) ? x : null;
}
