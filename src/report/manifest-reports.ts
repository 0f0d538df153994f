// The pass reports a chip.bin manifest carries, typed again: every pass's report with the type
// the pass writes (src/passes/reports.ts, the one list of pass report types). The manifest
// stores them as JSON (src/emit/to-json.ts), where numbers JSON cannot hold are the strings
// "Infinity", "-Infinity" and "NaN" (an exact SQNR is Infinity); they are numbers again here.
// A report that is absent, or not of the shape this compiler writes (a required field missing
// or of another kind), reads as null. Fields added after chip.bin 1.0 are optional here: chips
// compiled before them lack them, and the types say so.

import type { ChipManifest } from "../emit/chip-image.js";
import type { ReportingPass, ReportsByPass } from "../passes/reports.js";
import type { LayerQuantReport, RequantizeReport } from "../passes/requantize.js";

/** A requantize layer as stored; `precision` is absent from chips compiled before the analysis. */
export type QuantLayer = Omit<LayerQuantReport, "precision"> & {
  readonly precision?: LayerQuantReport["precision"];
};

/**
 * The requantize report as stored, without its hardware parameters (the chip's own are at
 * hand); `accuracy` is absent from chips compiled before it existed.
 */
export type StoredRequantizeReport = Omit<RequantizeReport, "params" | "layers" | "accuracy"> & {
  readonly layers: QuantLayer[];
  readonly accuracy?: RequantizeReport["accuracy"];
};

/** Each pass's report as the manifest stores it, typed; null when absent or malformed. */
export type ManifestReports = {
  readonly [P in ReportingPass]:
    | (P extends "requantize" ? StoredRequantizeReport : ReportsByPass[P])
    | null;
};

type Kind = "array" | "number" | "string" | "object";

/** The fields a report must have, and their kind, to be read as that pass's report. */
const REQUIRED: { readonly [P in ReportingPass]: Readonly<Record<string, Kind>> } = {
  "apply-qat": { applied: "array", dropped: "array" },
  "realize-kernel": { tolerance: "number", layers: "array" },
  discretize: { layers: "array" },
  requantize: { layers: "array", lossy: "array" },
  prune: { modes: "array", deadChannels: "array", cellsSaved: "number" },
  "layout-imssa": { blocks: "array", deadChannels: "array" },
  tile: { arrays: "array", utilization: "number" },
  "map-conductance": { levels: "number", histogram: "array" },
};

const NON_FINITE: Readonly<Record<string, number>> = {
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  NaN: Number.NaN,
};

function revive(value: unknown): unknown {
  if (typeof value === "string") return NON_FINITE[value] ?? value;
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

function kindOf(value: unknown): Kind | null {
  if (Array.isArray(value)) return "array";
  if (value === null) return null;
  const t = typeof value;
  return t === "number" || t === "string" || t === "object" ? t : null;
}

/** The stored report of `pass`, revived, when it has the fields this compiler writes. */
function stored(manifest: ChipManifest, pass: ReportingPass): unknown {
  const value = revive(manifest.reports[pass]);
  if (kindOf(value) !== "object") return null;
  const fields = value as Readonly<Record<string, unknown>>;
  const ok = Object.entries(REQUIRED[pass]).every(([f, kind]) => kindOf(fields[f]) === kind);
  return ok ? value : null;
}

function requantize(manifest: ChipManifest): StoredRequantizeReport | null {
  const full = stored(manifest, "requantize") as
    | (StoredRequantizeReport & { params?: unknown })
    | null;
  if (full === null) return null;
  const { params: _, ...rest } = full;
  return rest;
}

export function manifestReports(manifest: ChipManifest): ManifestReports {
  // The one place the stored JSON becomes typed: checked above field by required field.
  const read = <P extends ReportingPass>(pass: P) =>
    stored(manifest, pass) as ReportsByPass[P] | null;
  return {
    "apply-qat": read("apply-qat"),
    "realize-kernel": read("realize-kernel"),
    discretize: read("discretize"),
    requantize: requantize(manifest),
    prune: read("prune"),
    "layout-imssa": read("layout-imssa"),
    tile: read("tile"),
    "map-conductance": read("map-conductance"),
  };
}
