// The default lowering pipeline (`qs4dc passes` lists it; src/driver/lower.ts runs it for
// `qs4dc compile`, `qs4dc emulate`, `qs4dc verify` and the JS API).

/** In order; each stage needs the previous one's result (the passes check and say so). */
export const DEFAULT_PIPELINE: readonly string[] = [
  "apply-qat",
  "realize-kernel",
  "discretize",
  "requantize",
  "prune",
  "layout-imssa",
  "tile",
  "map-conductance",
];
