// Canonical JSON (docs/chip-format.md §5): object keys sorted by UTF-16 code units, no
// whitespace, numbers in JavaScript's shortest round-trip form (so JSON.parse gives back the
// very same float64) with -0 written as "-0". The same value always gives the same bytes.

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export function canonicalJson(value: JsonValue): string {
  const parts: string[] = [];
  write(value, parts, "$");
  return parts.join("");
}

function write(value: JsonValue, out: string[], path: string): void {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`canonicalJson: ${value} at ${path}`);
    out.push(Object.is(value, -0) ? "-0" : JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item: JsonValue, i: number) => {
      if (i > 0) out.push(",");
      write(item, out, `${path}[${i}]`);
    });
    out.push("]");
  } else {
    const object = value as JsonObject;
    const keys = Object.keys(object).sort(compareCodeUnits);
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      write(object[key]!, out, `${path}.${key}`);
    });
    out.push("}");
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
