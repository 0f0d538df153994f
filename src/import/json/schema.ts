// Validation of a parsed weights.json against schemas/weights.schema.json (JSON Schema 2020-12,
// ajv, all errors, strict). Each violation becomes one coded diagnostic at its JSON path.

import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import weightsSchema from "../../../schemas/weights.schema.json" with { type: "json" };
import type { Diagnostic } from "../../diag/diagnostic.js";
import { makeDiagnostic } from "../../diag/error.js";

let compiled: ReturnType<Ajv2020["compile"]> | null = null;

function validator(): ReturnType<Ajv2020["compile"]> {
  if (compiled === null) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    compiled = ajv.compile(weightsSchema);
  }
  return compiled;
}

/** A short, stable rendering of an offending value for a message. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function escapeKey(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

function toDiagnostic(e: ErrorObject, doc: unknown, file: string): Diagnostic {
  const at = (path: string) => ({ file, path: path === "" ? "/" : path });
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": {
      const key = String(params.missingProperty);
      return makeDiagnostic("QS4D-E201", { key }, at(`${e.instancePath}/${escapeKey(key)}`));
    }
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      return makeDiagnostic("QS4D-E204", { key }, at(`${e.instancePath}/${escapeKey(key)}`));
    }
    case "type": {
      const got = valueAt(doc, e.instancePath);
      const kind = got === null ? "null" : Array.isArray(got) ? "array" : typeof got;
      const expected = `${String(params.type).replaceAll(",", " or ")}, got ${kind} ${show(got)}`;
      return makeDiagnostic("QS4D-E202", { expected }, at(e.instancePath));
    }
    case "enum":
    case "const": {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
      const value = show(valueAt(doc, e.instancePath));
      return makeDiagnostic(
        "QS4D-E203",
        { value, allowed: allowed.map(show).join(", ") },
        at(e.instancePath),
      );
    }
    case "pattern":
      if (/\/data\/\d+$/.test(e.instancePath)) {
        const value = String(valueAt(doc, e.instancePath));
        return makeDiagnostic("QS4D-E207", { value }, at(e.instancePath));
      }
      return makeDiagnostic(
        "QS4D-E205",
        { reason: `${show(valueAt(doc, e.instancePath))} ${e.message ?? ""}` },
        at(e.instancePath),
      );
    default:
      return makeDiagnostic("QS4D-E205", { reason: e.message ?? e.keyword }, at(e.instancePath));
  }
}

/** Errors that only restate another one ("must match 'then' schema"). */
function isWrapper(e: ErrorObject): boolean {
  return e.keyword === "if" || e.keyword === "allOf";
}

/** Every schema violation of a parsed weights.json, in document order (none when valid). */
export function schemaDiagnostics(doc: unknown, file: string): Diagnostic[] {
  const validate = validator();
  if (validate(doc)) return [];
  return (validate.errors ?? [])
    .filter((e) => !isWrapper(e))
    .map((e) => toDiagnostic(e, doc, file));
}
