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

// Fixed (each is a plain regression case in regressions.test.ts now): levels beyond the
// chip format, |lambda| = 1 after discretize, sliced grids wider than 32 bits, the residual
// stabilization's walk over the code range.
export const KNOWN_BUGS: readonly KnownBug[] = [];

export function knownBug(f: Finding): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.matches(f));
}
