// The nesting limit of every JSON qs4dc reads (weights.json, chip.bin sections, targets),
// checked on the text before JSON.parse: what parses is then shallow enough for every
// recursive consumer (the schema validator, JSON.stringify in messages, hashing).

/** Deeper than any JSON qs4dc reads needs (docs/limits.md). */
export const MAX_JSON_DEPTH = 64;

/**
 * The offset of the first bracket that opens level `limit + 1`, or -1 when the text nests no
 * deeper than `limit`. Brackets inside strings do not count; the text need not be valid JSON.
 */
export function jsonTooDeepAt(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}
