// The weights.json front end: parse, validate against schemas/weights.schema.json, map the
// config (config.ts), decode tensors with their size checks (tensors.ts), read the quantization
// block, and hand an ImportSpec to assemble. Every error names the file and the JSON path.

import { fail, Qs4dError } from "../../diag/error.js";
import type { DType, Tensor } from "../../ir/tensor.js";
import { jsonTooDeepAt, MAX_JSON_DEPTH } from "../../util/json-limits.js";
import { type Qs4dMaxLevels, qs4dMaxQuant } from "../assemble.js";
import {
  type ArchSpec,
  type ImportSpec,
  modelNameFromPath,
  type QuantSpec,
  type TensorQuantSpec,
} from "../spec.js";
import { archFromConfig, type JsonConfig } from "./config.js";
import { schemaDiagnostics } from "./schema.js";
import { checkedCount, decodeTensor, type Site } from "./tensors.js";

type JsonNumber = number | string;

interface JsonTensor {
  readonly shape: readonly number[];
  readonly dtype: "float32" | "float64" | "int32" | "int64";
  readonly data: readonly JsonNumber[];
}

interface SymmetricTensor {
  readonly bits: number;
  readonly axis?: number | null;
  readonly shape: readonly number[];
  readonly scale: number | readonly number[];
  readonly int?: readonly number[];
}

interface JsonQuantization {
  readonly scheme: "qs4d-symmetric-v1" | "qs4d-max";
  readonly tensors?: Readonly<Record<string, SymmetricTensor>>;
  readonly activations?: Readonly<Record<string, { bits: number; scale: number }>>;
  readonly levels?: Qs4dMaxLevels;
}

/** A weights.json document that passed the schema. */
export interface WeightsJson {
  readonly format: "pytorch-state-dict";
  readonly config: JsonConfig;
  readonly quantization?: JsonQuantization | null;
  readonly tensors: Readonly<Record<string, JsonTensor>>;
}

const FLOAT_DTYPES: Readonly<Record<string, DType>> = { float32: "f32", float64: "f64" };

/** BatchNorm's step counter: a buffer the eval forward never reads. */
const UNUSED_BUFFER = /\.num_batches_tracked$/;

/** Canonical parameter name (spec.ts): the mixing conv's `.0.` Sequential index is dropped. */
export function canonicalName(name: string): string {
  return name.replace(/^(layers\.\d+\.output_linear)\.0\.(weight|bias)$/, "$1.$2");
}

function pointer(...keys: string[]): string {
  return keys.map((k) => `/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/** The line:column of a character offset, for a diagnostic's location. */
function locationAt(text: string, offset: number, file: string) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return { file, line, column };
}

/** JSON.parse after the nesting limit, with the error position turned into line:column. */
function parseJson(text: string, file: string): unknown {
  const tooDeep = jsonTooDeepAt(text);
  if (tooDeep >= 0) fail("QS4D-E240", { limit: MAX_JSON_DEPTH }, locationAt(text, tooDeep, file));
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    const at = /position (\d+)/.exec(reason)?.[1];
    if (at === undefined) fail("QS4D-E200", { file, reason }, { file });
    return fail("QS4D-E200", { file, reason }, locationAt(text, Number(at), file));
  }
}

interface Origin {
  readonly file: string;
  readonly tensor?: string;
  readonly path?: string;
}

class SpecBuilder {
  readonly params = new Map<string, Tensor>();
  readonly quant = new Map<string, TensorQuantSpec>();
  private readonly origins = new Map<string, Origin>();
  private readonly quantOrigins = new Map<string, Origin>();

  constructor(
    readonly file: string,
    readonly fileBytes: number,
  ) {}

  origin(name: string): Origin {
    return this.origins.get(name) ?? { file: this.file };
  }

  quantOrigin(key: string): Origin {
    return this.quantOrigins.get(key) ?? { file: this.file, path: "/quantization" };
  }

  site(path: string, what: string, tensor?: string): Site {
    const site = { file: this.file, fileBytes: this.fileBytes, path, what };
    return tensor === undefined ? site : { ...site, tensor };
  }

  addParams(tensors: WeightsJson["tensors"]): void {
    for (const [name, t] of Object.entries(tensors)) {
      if (UNUSED_BUFFER.test(name)) continue;
      const path = pointer("tensors", name);
      const dtype = FLOAT_DTYPES[t.dtype];
      if (dtype === undefined) {
        fail(
          "QS4D-E208",
          { tensor: name, dtype: t.dtype },
          { file: this.file, path, tensor: name },
        );
      }
      const canonical = canonicalName(name);
      const earlier = this.origins.get(canonical);
      if (earlier !== undefined) {
        const why = `the same parameter as '${earlier.tensor}'`;
        fail("QS4D-E235", { tensor: name, why }, { file: this.file, path, tensor: name });
      }
      const site = this.site(`${path}/data`, `tensor '${name}'`, name);
      this.params.set(canonical, decodeTensor(dtype, t.shape, t.data, site));
      this.origins.set(canonical, { file: this.file, tensor: name, path });
    }
  }

  addSymmetric(q: JsonQuantization): void {
    for (const [name, entry] of Object.entries(q.tensors ?? {})) {
      const key = canonicalName(name);
      const path = pointer("quantization", "tensors", name);
      const spec: { -readonly [K in keyof TensorQuantSpec]: TensorQuantSpec[K] } = {
        bits: entry.bits,
        scale: entry.scale,
        axis: entry.axis ?? null,
      };
      if (entry.int !== undefined) {
        const site = this.site(`${path}/int`, `integer codes of '${name}'`, name);
        checkedCount(entry.shape, entry.int.length, site);
        // f64 keeps any JSON integer exact; assemble checks the range, then stores i32.
        spec.codes = decodeTensor("f64", entry.shape, entry.int, site);
      }
      this.setQuant(key, spec, { file: this.file, tensor: name, path });
    }
    for (const [name, entry] of Object.entries(q.activations ?? {})) {
      const path = pointer("quantization", "activations", name);
      const spec = { bits: entry.bits, scale: entry.scale, axis: null };
      this.setQuant(name, spec, { file: this.file, tensor: name, path });
    }
  }

  addMax(q: JsonQuantization, arch: ArchSpec): void {
    for (const [key, { quant, flag }] of qs4dMaxQuant(q.levels ?? {}, arch)) {
      const path = pointer("quantization", "levels", flag);
      this.setQuant(key, quant, { file: this.file, tensor: key, path });
    }
  }

  private setQuant(key: string, spec: TensorQuantSpec, origin: Origin): void {
    if (this.quant.has(key)) {
      const reason = `a second quantizer for '${key}'`;
      fail(
        "QS4D-E210",
        { key, reason },
        { file: this.file, ...(origin.path ? { path: origin.path } : {}) },
      );
    }
    this.quant.set(key, spec);
    this.quantOrigins.set(key, origin);
  }
}

/** The ImportSpec of a schema-valid weights.json document. */
export function specFromDocument(doc: WeightsJson, file: string, fileBytes: number): ImportSpec {
  const b = new SpecBuilder(file, fileBytes);
  const arch = archFromConfig(doc.config, Object.keys(doc.tensors), file);
  b.addParams(doc.tensors);
  const q = doc.quantization ?? null;
  if (q?.scheme === "qs4d-symmetric-v1") b.addSymmetric(q);
  if (q?.scheme === "qs4d-max") b.addMax(q, arch);
  const quant: QuantSpec = { scheme: q?.scheme ?? "none", tensors: b.quant };
  return {
    name: modelNameFromPath(file),
    arch,
    params: b.params,
    quant,
    origin: (name) => (name === "config" ? { file, path: "/config" } : b.origin(name)),
    quantOrigin: (key) => b.quantOrigin(key),
    meta: q === null ? {} : { "qs4d.scheme": q.scheme },
  };
}

/** Parse and validate weights.json text; throws the first schema violation as a Qs4dError. */
export function parseWeightsJson(text: string, file: string): WeightsJson {
  const doc = parseJson(text, file);
  const problems = schemaDiagnostics(doc, file);
  if (problems[0] !== undefined) throw new Qs4dError(problems[0]);
  return doc as WeightsJson;
}

/** ImportSpec of weights.json bytes (the name comes from `file`). */
export function jsonSpecFromBytes(bytes: Uint8Array, file: string): ImportSpec {
  const text = new TextDecoder("utf-8").decode(bytes);
  return specFromDocument(parseWeightsJson(text, file), file, bytes.length);
}
