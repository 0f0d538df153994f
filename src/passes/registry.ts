// Every pass qs4dc knows, in one explicit list (Binaryen's pass.cpp, MLIR's Passes.td): one
// pass per file in src/passes/, appended here with its import. Names are unique and stable.

import { APPLY_QAT } from "./apply-qat.js";
import { DISCRETIZE } from "./discretize.js";
import { LAYOUT_IMSSA } from "./layout-imssa.js";
import { MAP_CONDUCTANCE } from "./map-conductance.js";
import type { Pass } from "./pass.js";
import { PRUNE } from "./prune.js";
import { REALIZE_KERNEL } from "./realize-kernel.js";
import { REQUANTIZE } from "./requantize.js";
import { TILE } from "./tile.js";

export const PASSES: readonly Pass[] = [
  APPLY_QAT,
  REALIZE_KERNEL,
  DISCRETIZE,
  REQUANTIZE,
  PRUNE,
  LAYOUT_IMSSA,
  TILE,
  MAP_CONDUCTANCE,
];

export interface PassRegistry {
  /** In registration order, as `qs4dc passes` lists them. */
  readonly passes: readonly Pass[];
  get(name: string): Pass | undefined;
}

export function makeRegistry(passes: readonly Pass[]): PassRegistry {
  const byName = new Map<string, Pass>();
  for (const pass of passes) {
    if (byName.has(pass.name)) throw new Error(`pass '${pass.name}' is registered twice`);
    byName.set(pass.name, pass);
  }
  return { passes, get: (name) => byName.get(name) };
}

export const REGISTRY: PassRegistry = makeRegistry(PASSES);
