// Each pass's report type, by pass name: what a pass puts in PassContext.reports, what the API
// returns as `reports`, and what chip.bin's manifest stores (src/report/manifest-reports.ts
// reads them back with these types). One list, so that the three cannot disagree.

import type { ApplyQatReport } from "./apply-qat.js";
import type { DiscretizeReport } from "./discretize.js";
import type { LayoutReport } from "./layout-imssa.js";
import type { MapConductanceReport } from "./map-conductance.js";
import type { PruneReport } from "./prune.js";
import type { RealizeKernelReport } from "./realize-kernel.js";
import type { RequantizeReport } from "./requantize.js";
import type { TileReport } from "./tile.js";

export interface ReportsByPass {
  readonly "apply-qat": ApplyQatReport;
  readonly "realize-kernel": RealizeKernelReport;
  readonly discretize: DiscretizeReport;
  readonly requantize: RequantizeReport;
  readonly prune: PruneReport;
  readonly "layout-imssa": LayoutReport;
  readonly tile: TileReport;
  readonly "map-conductance": MapConductanceReport;
}

/** The name of a pass that writes a report. */
export type ReportingPass = keyof ReportsByPass;

/** Every reporting pass, in pipeline order (a test checks it against the registry). */
export const REPORTING_PASSES: readonly ReportingPass[] = [
  "apply-qat",
  "realize-kernel",
  "discretize",
  "requantize",
  "prune",
  "layout-imssa",
  "tile",
  "map-conductance",
];
