// The pass reports a chip.bin manifest carries, typed again. The manifest stores them as JSON
// (src/emit/to-json.ts), where numbers JSON cannot hold are the strings "Infinity",
// "-Infinity" and "NaN" (an exact SQNR is Infinity); they are numbers again here. A report
// that is absent, or not of the shape this compiler writes, reads as null.

import type { ChipManifest } from "../emit/chip-image.js";
import type { LayoutReport } from "../passes/layout-imssa.js";
import type { PruneReport } from "../passes/prune.js";
import type { LayerQuantReport, RequantizeReport } from "../passes/requantize.js";
import type { TileReport } from "../passes/tile.js";

export type QuantLayer = LayerQuantReport;

export interface ManifestReports {
  readonly requantize: Omit<RequantizeReport, "params"> | null;
  readonly prune: PruneReport | null;
  readonly layout: LayoutReport | null;
  readonly tile: TileReport | null;
}

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

/** The report of `pass` when it is an object with every one of `arrays` as an array. */
function report<T>(manifest: ChipManifest, pass: string, arrays: readonly string[]): T | null {
  const value = manifest.reports[pass];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const fields = value as Readonly<Record<string, unknown>>;
  return arrays.every((f) => Array.isArray(fields[f])) ? (revive(value) as T) : null;
}

/** The requantize report without its hardware parameters (the chip's own are at hand). */
function requantize(manifest: ChipManifest): ManifestReports["requantize"] {
  const full = report<RequantizeReport>(manifest, "requantize", ["layers", "lossy"]);
  if (full === null) return null;
  const { params: _, ...rest } = full;
  return rest;
}

export function manifestReports(manifest: ChipManifest): ManifestReports {
  return {
    requantize: requantize(manifest),
    prune: report(manifest, "prune", ["modes", "deadChannels"]),
    layout: report(manifest, "layout-imssa", ["blocks", "deadChannels"]),
    tile: report(manifest, "tile", ["arrays"]),
  };
}
