// `--target NAME|FILE`: a built-in by name, or a JSON file validated against the schema.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { fail } from "../diag/error.js";
import { canonicalJson, type JsonValue } from "../util/canonical-json.js";
import { jsonTooDeepAt, MAX_JSON_DEPTH } from "../util/json-limits.js";
import { readFileText } from "../util/read-file.js";
import { BUILTIN_TARGETS, DEFAULT_TARGET } from "./builtins.js";
import { TARGET_SCHEMA } from "./schema.js";
import type { LoadedTarget, TargetDescription } from "./types.js";

let validator: ValidateFunction<TargetDescription> | null = null;

/**
 * The schema's validator, ajv loaded and the schema compiled on first use: a command that
 * reads no target file (`qs4dc --help`, a built-in target, a chip compiled for one) pays
 * neither (about 50 ms to load ajv and 70 ms to compile, at every start).
 */
function targetValidator(): ValidateFunction<TargetDescription> {
  if (validator === null) {
    const load = createRequire(import.meta.url);
    const { Ajv2020 } = load("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    validator = new Ajv2020({ allErrors: true, strict: true }).compile<TargetDescription>(
      TARGET_SCHEMA,
    );
  }
  return validator;
}

/** SHA-256 (hex) of the canonical JSON of a target description. */
export function targetDigest(description: TargetDescription): string {
  const json = canonicalJson(description as unknown as JsonValue);
  return createHash("sha256").update(json, "utf8").digest("hex");
}

export function builtinTarget(name: string): TargetDescription | undefined {
  return BUILTIN_TARGETS.find((t) => t.name === name);
}

/** Resolve `--target`: a built-in name first, then a file path; undefined means the default. */
export function loadTarget(spec: string | undefined): LoadedTarget {
  const name = spec ?? DEFAULT_TARGET;
  const builtin = builtinTarget(name);
  if (builtin !== undefined) {
    return { description: builtin, digest: targetDigest(builtin), origin: "builtin" };
  }
  if (!existsSync(name)) {
    fail(
      "QS4D-E400",
      { name, builtins: BUILTIN_TARGETS.map((t) => t.name).join(", ") },
      { file: name },
    );
  }
  return loadTargetFile(name);
}

export function loadTargetFile(file: string): LoadedTarget {
  const text = readFileText(file);
  const description = parseTarget(text, file);
  return { description, digest: targetDigest(description), origin: file };
}

/** Parse and validate target JSON text; `file` only names it in diagnostics. */
export function parseTarget(text: string, file: string): TargetDescription {
  if (jsonTooDeepAt(text) >= 0) {
    const reason = `objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels`;
    fail("QS4D-E401", { file, reason }, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail("QS4D-E401", { file, reason: (error as Error).message }, { file });
  }
  if (isBuiltin(json)) return json;
  const error = schemaError(json);
  if (error !== null) fail("QS4D-E402", { file, reason: error.reason }, { file, path: error.path });
  checkConsistency(json as TargetDescription, file);
  return json as TargetDescription;
}

/**
 * `json` is a built-in description exactly (canonical JSON equal): valid by construction (a
 * test validates every built-in against the schema), so a chip compiled for a built-in target
 * is read without compiling the schema's validator, about 80 ms of every command's start.
 */
function isBuiltin(json: unknown): json is TargetDescription {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return false;
  const name = (json as { name?: unknown }).name;
  const builtin = typeof name === "string" ? builtinTarget(name) : undefined;
  return (
    builtin !== undefined &&
    canonicalJson(json as JsonValue) === canonicalJson(builtin as unknown as JsonValue)
  );
}

/** The first schema violation of `json` (path and reason), or null when it has none. */
export function schemaError(json: unknown): { path: string; reason: string } | null {
  const validate = targetValidator();
  if (validate(json)) return null;
  const first = validate.errors?.[0];
  const path = first?.instancePath === "" ? "/" : (first?.instancePath ?? "/");
  const detail = first?.params === undefined ? "" : ` ${JSON.stringify(first.params)}`;
  return { path, reason: `${first?.message ?? "invalid"}${detail}` };
}

/** What the schema cannot say: relations between fields. */
function checkConsistency(t: TargetDescription, file: string): void {
  const bad = (path: string, reason: string): never =>
    fail("QS4D-E403", { name: t.name, reason }, { file, path });
  if (t.cell.gMaxUs <= t.cell.gMinUs) {
    bad("/cell/gMaxUs", `gMaxUs ${t.cell.gMaxUs} must exceed gMinUs ${t.cell.gMinUs}`);
  }
  if (t.adc.perArray > t.array.cols) {
    bad("/adc/perArray", `${t.adc.perArray} ADCs for ${t.array.cols} columns`);
  }
  if (!t.bitSlicing.allowed && t.bitSlicing.maxSlices !== 1) {
    bad("/bitSlicing/maxSlices", "maxSlices must be 1 when bit slicing is not allowed");
  }
  if (t.array.rows < 4 || t.array.cols < 4) {
    bad("/array", `a ${t.array.rows}x${t.array.cols} array cannot hold one complex mode (4x4)`);
  }
}
