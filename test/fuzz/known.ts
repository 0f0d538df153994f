// Findings of the differential fuzzer that are reported bugs in code this test does not own.
// The quick CI run (differential.test.ts) lists them without failing; each has a regression
// case in regressions.test.ts marked `it.fails`, which starts failing the day the bug is fixed:
// then remove the entry here and turn the regression into a plain `it`.

import type { Finding } from "./harness.js";

export interface KnownBug {
  readonly id: string;
  /** What is wrong, where, and the regression case that shows it. */
  readonly description: string;
  readonly matches: (f: Finding) => boolean;
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: "levels-beyond-chip-format",
    description:
      "requantize resolves cell.levels 'model' to up to 2^20 levels (widths chosen up to 20 bits) but chip.bin allows 65536: the chip is written, then `qs4dc sim` and `inspect` refuse it with QS4D-E515 (regressions.test.ts)",
    matches: (f) =>
      f.kind === "late-refusal" && f.code === "QS4D-E515" && /params\.levels/.test(f.summary),
  },
  {
    id: "non-finite-after-requantize",
    description:
      "a mode whose |lambda| rounds to 1 in float64 but passes discretize's hypot < 1 check (e.g. qs4d-max A_quant rounding Re A to 0 with Im A != 0) makes requantize divide by sqrt(1 - |lambda|^2) = 0: C or Bbar become NaN/Infinity, exit 3 with QS4D-E054 instead of a coded refusal (regressions.test.ts)",
    matches: (f) =>
      f.kind === "internal" &&
      f.code === "QS4D-E054" &&
      /QS4D-E033.*holds (NaN|-?Infinity)/.test(f.summary),
  },
  {
    id: "sliced-grid-wider-than-32-bits",
    description:
      "with cell.levels 'model' and bit slicing, requantize tries levels^slices - 1 as the largest weight code (e.g. 4096^3): the fitted grids get more than 32 bits and the IR verifier rejects the pass output, exit 3 with QS4D-E054 / QS4D-E037 (regressions.test.ts)",
    matches: (f) =>
      f.kind === "internal" && f.code === "QS4D-E054" && /QS4D-E037.*bits/.test(f.summary),
  },
  {
    id: "residual-stabilize-hang",
    description:
      "the residual update pulls a rounded lambda - 1 inside the unit circle one code step at a time up to levels^slices - 1 (src/passes/lib/residual.ts stabilized): a QAT grid point just outside the circle on levels 'model' with 3 slices takes minutes (regressions.test.ts). Only the long run sees hangs; any hang is attributed to it until its cause is checked with --case",
    matches: (f) => f.kind === "hang",
  },
];

export function knownBug(f: Finding): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.matches(f));
}
