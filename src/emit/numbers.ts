// Decimal text for float32 values a lab reads (float64 values print exactly with String()).

/** Shortest decimal that rounds back to the same float32 (12.5714283 rather than 12.571428298950195). */
export function float32Text(x: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = x.toPrecision(digits);
    if (Math.fround(Number(text)) === x) return String(Number(text));
  }
  return String(Number(x.toPrecision(9)));
}
