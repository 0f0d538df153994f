// Typed, checked access to the JSON sections of a chip.bin: every field read names its JSON
// path, and anything missing or of the wrong type is a QS4D-E515 naming file, section and path.
// Only own properties count, so a key such as "constructor" can never reach Object.prototype.

import { fail } from "../diag/error.js";
import type { JsonObject, JsonValue } from "../util/canonical-json.js";

export interface SectionRef {
  readonly file: string;
  readonly section: string;
}

export class JsonFields {
  constructor(
    private readonly fields: JsonObject,
    readonly ref: SectionRef,
    readonly path = "$",
  ) {}

  /** Raise QS4D-E515 at `key` of this object (or at this object when key is omitted). */
  fail(reason: string, key?: string): never {
    failAt(this.ref, key === undefined ? this.path : this.childPath(key), reason);
  }

  /** The object itself, unchecked below this level. */
  get json(): JsonObject {
    return this.fields;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.fields, key);
  }

  value(key: string): JsonValue {
    if (!this.has(key)) this.fail("required field is missing", key);
    return this.fields[key]!;
  }

  number(key: string): number {
    const v = this.value(key);
    if (typeof v !== "number") this.fail(`expected a number, found ${describe(v)}`, key);
    return v;
  }

  /** An integer in [min, max]. */
  int(key: string, min: number, max: number): number {
    const v = this.number(key);
    if (!Number.isInteger(v) || v < min || v > max) {
      this.fail(`expected an integer in [${min}, ${max}], found ${v}`, key);
    }
    return v;
  }

  string(key: string): string {
    const v = this.value(key);
    if (typeof v !== "string") this.fail(`expected a string, found ${describe(v)}`, key);
    return v;
  }

  boolean(key: string): boolean {
    const v = this.value(key);
    if (typeof v !== "boolean") this.fail(`expected true or false, found ${describe(v)}`, key);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.string(key);
    if (!(values as readonly string[]).includes(v)) {
      this.fail(`expected one of ${values.map((x) => `"${x}"`).join(", ")}, found "${v}"`, key);
    }
    return v as T;
  }

  object(key: string): JsonFields {
    const v = this.value(key);
    if (!isObject(v)) this.fail(`expected an object, found ${describe(v)}`, key);
    return new JsonFields(v as JsonObject, this.ref, this.childPath(key));
  }

  /** An object or null. */
  optionalObject(key: string): JsonFields | null {
    return this.value(key) === null ? null : this.object(key);
  }

  /** The elements of an array of objects. */
  objects(key: string): JsonFields[] {
    return this.array(key).map((item, i) => {
      if (!isObject(item))
        failAt(
          this.ref,
          `${this.childPath(key)}[${i}]`,
          `expected an object, found ${describe(item)}`,
        );
      return new JsonFields(item as JsonObject, this.ref, `${this.childPath(key)}[${i}]`);
    });
  }

  numbers(key: string): number[] {
    return this.array(key).map((item, i) => {
      if (typeof item !== "number")
        failAt(
          this.ref,
          `${this.childPath(key)}[${i}]`,
          `expected a number, found ${describe(item)}`,
        );
      return item as number;
    });
  }

  strings(key: string): string[] {
    return this.array(key).map((item, i) => {
      if (typeof item !== "string")
        failAt(
          this.ref,
          `${this.childPath(key)}[${i}]`,
          `expected a string, found ${describe(item)}`,
        );
      return item as string;
    });
  }

  array(key: string): readonly JsonValue[] {
    const v = this.value(key);
    if (!Array.isArray(v)) this.fail(`expected an array, found ${describe(v)}`, key);
    return v as readonly JsonValue[];
  }

  private childPath(key: string): string {
    return /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${this.path}.${key}`
      : `${this.path}[${JSON.stringify(key)}]`;
  }
}

export function failAt(ref: SectionRef, path: string, reason: string): never {
  const location = { file: ref.file, path: `section '${ref.section}' ${path}` };
  fail("QS4D-E515", { ...ref, path, reason }, location);
}

function isObject(v: JsonValue): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: JsonValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return typeof v === "string"
    ? `the string ${JSON.stringify(v.slice(0, 40))}`
    : `${typeof v} ${String(v)}`;
}
