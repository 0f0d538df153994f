// JSON files a user writes by hand (sweep specs, the project config): read, parsed and checked
// against their JSON Schema with ajv; the first violation becomes one coded diagnostic at its
// JSON path.

import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { DiagnosticCode } from "../diag/codes.js";
import { fail } from "../diag/error.js";
import { readFileBytes } from "../util/read-file.js";

let ajv: Ajv2020 | undefined;

export type SchemaCheck = (json: unknown, file: string) => void;

/**
 * A checker of parsed JSON against `schema`; a violation fails with `code` (args file, path,
 * reason). The schema is compiled on the first check, not here: modules call this at import,
 * and compiling (ajv's meta-schema first) takes about 100 ms that every command would pay at
 * start-up, with or without a file to check.
 */
export function schemaCheck(schema: object, code: DiagnosticCode): SchemaCheck {
  let validate: ValidateFunction | undefined;
  return (json, file) => {
    ajv ??= new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
    validate ??= ajv.compile(schema);
    if (validate(json)) return;
    const first = validate.errors![0]!;
    const path = first.instancePath === "" ? "/" : first.instancePath;
    fail(code, { file, path, reason: describe(first) }, { file, path });
  };
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties")
    return `unknown key '${String(params.additionalProperty)}'`;
  if (error.keyword === "propertyNames") return `unknown name '${String(params.propertyName)}'`;
  if (error.keyword === "enum")
    return `${error.message ?? "invalid"}: ${(params.allowedValues as unknown[]).join(", ")}`;
  return error.message ?? "invalid";
}

/** The parsed contents of a JSON file (QS4D-E001 when unreadable, QS4D-E870 when not JSON). */
export function readJsonFile(file: string): unknown {
  const text = new TextDecoder().decode(readFileBytes(file));
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail("QS4D-E870", { file, reason: (error as Error).message }, { file });
  }
}
