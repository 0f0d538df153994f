// The model's metadata_props: `qs4d.*` (quantization facts of the shared models' exporter) and
// `s4d.config` (the weights.json config block). The graph is the authority on the architecture
// and on every quantizer it contains; metadata supplies what the graph cannot state (the
// recurrent state quantizer x, exported integer codes, bit widths below the int8 container,
// d_state of a kernel-only model) and is checked against the graph wherever both speak.

import { fail } from "../../diag/error.js";
import { canonicalName } from "../json/index.js";

export type Qs4dScheme = "qs4d-symmetric-v1" | "qs4d-max";

/** What the metadata says about one quantized tensor or activation (qs4d.<name>.*). */
export interface MetaTensorQuant {
  readonly bits?: number;
  readonly axis?: number | null;
  readonly scale?: number | readonly number[];
  /** Integer codes and their shape (from qs4d.json). */
  readonly codes?: { readonly shape: readonly number[]; readonly values: readonly number[] };
}

const TENSOR_FIELD = /^qs4d\.(.+)\.(bits|axis|scale)$/;

export class Metadata {
  constructor(
    private readonly props: ReadonlyMap<string, string>,
    private readonly file: string,
  ) {}

  private invalid(key: string, reason: string): never {
    fail("QS4D-E117", { key, reason }, { file: this.file });
  }

  /** A metadata value parsed as JSON; undefined when the key is absent. */
  json(key: string): unknown {
    const text = this.props.get(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      this.invalid(key, (error as Error).message);
    }
  }

  scheme(): Qs4dScheme | null {
    const s = this.props.get("qs4d.scheme");
    if (s === undefined) return null;
    if (s !== "qs4d-symmetric-v1" && s !== "qs4d-max")
      fail("QS4D-E126", { scheme: s }, { file: this.file });
    return s;
  }

  /** s4d.config as an object, or null. */
  config(): Readonly<Record<string, unknown>> | null {
    const c = this.json("s4d.config");
    if (c === undefined) return null;
    if (typeof c !== "object" || c === null || Array.isArray(c))
      this.invalid("s4d.config", "not a JSON object");
    return c as Record<string, unknown>;
  }

  /** qs4d.levels (qs4d-max): flag -> level count. */
  levels(): Readonly<Record<string, number | null>> | null {
    const v = this.json("qs4d.levels");
    if (v === undefined) return null;
    if (typeof v !== "object" || v === null || Array.isArray(v))
      this.invalid("qs4d.levels", "not a JSON object");
    for (const [flag, q] of Object.entries(v)) {
      if (q !== null && typeof q !== "number")
        this.invalid("qs4d.levels", `${flag} is not a number`);
    }
    return v as Record<string, number | null>;
  }

  /**
   * Per-tensor quantization facts (qs4d-symmetric-v1), by canonical name: the qs4d.<name>.*
   * keys, and the tensors and activations of qs4d.json (which also carries integer codes).
   */
  tensorQuant(): Map<string, MetaTensorQuant> {
    const out = new Map<string, Record<string, unknown>>();
    const entry = (name: string) => {
      const key = canonicalName(name);
      const e = out.get(key) ?? {};
      out.set(key, e);
      return e;
    };
    for (const [key, text] of this.props) {
      const m = TENSOR_FIELD.exec(key);
      if (m === null) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        this.invalid(key, (error as Error).message);
      }
      entry(m[1]!)[m[2]!] = value;
    }
    this.addQs4dJson(entry);
    for (const [key, e] of out) this.checkEntry(key, e);
    return out as Map<string, MetaTensorQuant>;
  }

  private addQs4dJson(entry: (name: string) => Record<string, unknown>): void {
    const q = this.json("qs4d.json");
    if (q === undefined) return;
    if (typeof q !== "object" || q === null) this.invalid("qs4d.json", "not a JSON object");
    const doc = q as { tensors?: Record<string, unknown>; activations?: Record<string, unknown> };
    for (const group of [doc.tensors ?? {}, doc.activations ?? {}]) {
      for (const [name, raw] of Object.entries(group)) {
        if (typeof raw !== "object" || raw === null)
          this.invalid("qs4d.json", `entry '${name}' is not an object`);
        const t = raw as {
          bits?: unknown;
          axis?: unknown;
          scale?: unknown;
          shape?: unknown;
          int?: unknown;
        };
        const e = entry(name);
        for (const field of ["bits", "axis", "scale"] as const) {
          if (t[field] === undefined) continue;
          if (e[field] !== undefined && JSON.stringify(e[field]) !== JSON.stringify(t[field])) {
            const reason = `it says ${name}.${field} = ${JSON.stringify(t[field])}, but qs4d.${name}.${field} = ${JSON.stringify(e[field])}`;
            this.invalid("qs4d.json", reason);
          }
          e[field] = t[field];
        }
        if (t.int !== undefined) e.codes = { shape: t.shape, values: t.int };
      }
    }
  }

  private checkEntry(name: string, e: Record<string, unknown>): void {
    const key = `qs4d.${name}`;
    const isNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);
    if (e.bits !== undefined && !(Number.isInteger(e.bits) && (e.bits as number) > 0))
      this.invalid(`${key}.bits`, "not a positive integer");
    if (e.axis !== undefined && e.axis !== null && !Number.isInteger(e.axis))
      this.invalid(`${key}.axis`, "not an integer or null");
    const s = e.scale;
    if (s !== undefined && !isNumber(s) && !(Array.isArray(s) && s.every(isNumber))) {
      this.invalid(`${key}.scale`, "not a number or a list of numbers");
    }
    const c = e.codes as { shape?: unknown; values?: unknown } | undefined;
    if (c !== undefined) {
      const shapeOk = Array.isArray(c.shape) && c.shape.every((d) => Number.isInteger(d) && d >= 0);
      const valuesOk = Array.isArray(c.values) && c.values.every((v) => Number.isInteger(v));
      if (!shapeOk || !valuesOk)
        this.invalid(
          "qs4d.json",
          `the integer codes of '${name}' are not an integer list with a shape`,
        );
      const n = (c.shape as number[]).reduce((a, b) => a * b, 1);
      if (n !== (c.values as number[]).length) {
        this.invalid(
          "qs4d.json",
          `'${name}' has ${(c.values as number[]).length} codes for shape [${(c.shape as number[]).join(",")}]`,
        );
      }
    }
  }
}
