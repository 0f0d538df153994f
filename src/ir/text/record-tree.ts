// Flat records <-> node attributes and tensors, driven by a field list. For IR records that
// are plain bags of scalars and tensors (hardware parameters, signals, digital ops), a schema
// is all a new node needs: `{ key: "dacBits", kind: "int" }` prints as `dac_bits = 8`.

import type { Attr, BodyItem } from "../../../grammar/index.js";
import type { Tensor } from "../tensor.js";
import { attr, value } from "./build.js";
import type { NodeReader } from "./reader.js";
import { type TensorMode, tensorToLit } from "./tensor-tree.js";

export type Field =
  | {
      readonly key: string;
      readonly kind: "int" | "f64" | "bool" | "string" | "tensor" | "tensor?";
    }
  /**
   * Optional fields that are absent from the record (not null) when unused, so that records
   * without them print as before: `flag` prints `key = true` only when true, `absent-tensor`
   * prints the tensor only when present.
   */
  | { readonly key: string; readonly kind: "flag" | "absent-tensor" }
  | { readonly key: string; readonly kind: "word"; readonly allowed: readonly string[] };

/** camelCase IR field -> snake_case text name: dacBits -> dac_bits. */
export function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Scalar fields as attributes, in schema order. */
export function recordAttrs(record: object, fields: readonly Field[]): Attr[] {
  const r = record as Readonly<Record<string, unknown>>;
  const attrs: Attr[] = [];
  for (const f of fields) {
    const v = r[f.key];
    const name = snake(f.key);
    switch (f.kind) {
      case "int":
        attrs.push(attr(name, value.int(v as number)));
        break;
      case "f64":
        attrs.push(attr(name, value.f64(v as number)));
        break;
      case "bool":
        attrs.push(attr(name, value.bool(v as boolean)));
        break;
      case "string":
        attrs.push(attr(name, value.string(v as string)));
        break;
      case "word":
        attrs.push(attr(name, value.word(v as string)));
        break;
      case "flag":
        if (v === true) attrs.push(attr(name, value.bool(true)));
        break;
    }
  }
  return attrs;
}

/** Tensor fields as tensor literals, in schema order (absent optional tensors are omitted). */
export function recordTensors(
  record: object,
  fields: readonly Field[],
  mode: TensorMode,
): BodyItem[] {
  const r = record as Readonly<Record<string, unknown>>;
  const body: BodyItem[] = [];
  for (const f of fields) {
    if (f.kind !== "tensor" && f.kind !== "tensor?" && f.kind !== "absent-tensor") continue;
    const t = r[f.key] as Tensor | null | undefined;
    if (t !== null && t !== undefined) body.push(tensorToLit(snake(f.key), t, mode));
  }
  return body;
}

/** Reads every field of the schema (the caller adds labels, children and calls finish()). */
export function recordFromReader(r: NodeReader, fields: readonly Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const name = snake(f.key);
    switch (f.kind) {
      case "int":
        out[f.key] = r.int(name);
        break;
      case "f64":
        out[f.key] = r.float(name);
        break;
      case "bool":
        out[f.key] = r.bool(name);
        break;
      case "string":
        out[f.key] = r.string(name);
        break;
      case "word":
        out[f.key] = r.word(name, f.allowed);
        break;
      case "tensor":
        out[f.key] = r.tensor(name);
        break;
      case "tensor?":
        out[f.key] = r.optionalTensor(name);
        break;
      case "flag":
        if (r.hasAttr(name) && r.bool(name)) out[f.key] = true;
        break;
      case "absent-tensor": {
        const t = r.optionalTensor(name);
        if (t !== null) out[f.key] = t;
        break;
      }
    }
  }
  return out;
}
