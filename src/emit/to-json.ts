// Pass reports are free-form values (numbers, arrays, typed arrays, maps). The manifest stores
// them as JSON: maps become objects, typed arrays plain arrays, undefined fields are dropped,
// and numbers JSON cannot carry become the strings "NaN", "Infinity" and "-Infinity".

import type { JsonObject, JsonValue } from "../util/canonical-json.js";

export function toJson(value: unknown, path = "$"): JsonValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint")
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (Array.isArray(value)) return value.map((item, i) => toJson(item, `${path}[${i}]`));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (x, i) => toJson(x, `${path}[${i}]`));
  }
  if (value instanceof Map) return objectOf([...value.entries()], path);
  if (typeof value === "object") return objectOf(Object.entries(value as object), path);
  throw new TypeError(`manifest: cannot store a ${typeof value} at ${path}`);
}

function objectOf(entries: readonly [unknown, unknown][], path: string): JsonObject {
  // No prototype: a key "__proto__" is then an ordinary field, not a prototype change.
  const out: Record<string, JsonValue> = Object.create(null);
  for (const [key, item] of entries) {
    if (item !== undefined) out[String(key)] = toJson(item, `${path}.${String(key)}`);
  }
  return out;
}
