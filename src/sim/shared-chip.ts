// A prepared chip for worker threads (monte-carlo.ts): its tables in shared memory
// (src/util/shared-tables.ts). Posting it to a worker clones only its structure and shares the
// tables, so a worker starts with the chip ready to run: it neither reads chip.bin nor prepares
// it again (about 1 s on the sCIFAR-sized model), and no table is copied per worker. The tables
// are read-only while samples run (engines and streams allocate their own state), so sharing
// them between threads is safe.

import type { ChipImage } from "../emit/chip-image.js";
import { sharedTables } from "../util/shared-tables.js";
import type { SimChip } from "./simulate.js";

/**
 * `chip` as a worker needs it, its tables in shared memory; `chip` itself is left as it is.
 * Its image is lean (leanImage).
 */
export function sharedChip(chip: SimChip): SimChip {
  return sharedTables({ ...chip, image: leanImage(chip.image) });
}

/**
 * The image without two parts only this thread reads, because a structured clone costs time
 * per object and they are most of the objects (about 50,000 of 100,000 on the sCIFAR-sized
 * chip): the section index (`sections`, for `inspect`: empty here) and the pass reports of the
 * manifest (`manifest.reports`, for the report: empty here).
 */
export function leanImage(image: ChipImage): ChipImage {
  return { ...image, sections: [], manifest: { ...image.manifest, reports: {} } };
}
