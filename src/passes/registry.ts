// Every pass qs4dc knows, in one explicit list (Binaryen's pass.cpp, MLIR's Passes.td): one
// pass per file in src/passes/, appended here with its import. Names are unique and stable.

import { APPLY_QAT } from "./apply-qat.js";
import { DISCRETIZE } from "./discretize.js";
import { LAYOUT_IMSSA } from "./layout-imssa.js";
import { MAP_CONDUCTANCE } from "./map-conductance.js";
import type { Pass, PassOptionSpec } from "./pass.js";
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
  /** Every option some pass declares, once each, in registration order. */
  readonly options: readonly PassOptionSpec[];
  get(name: string): Pass | undefined;
}

function sameSpec(a: PassOptionSpec, b: PassOptionSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function makeRegistry(passes: readonly Pass[]): PassRegistry {
  const byName = new Map<string, Pass>();
  const options = new Map<string, PassOptionSpec>();
  for (const pass of passes) {
    if (byName.has(pass.name)) throw new Error(`pass '${pass.name}' is registered twice`);
    byName.set(pass.name, pass);
    for (const option of pass.options) {
      const known = options.get(option.name);
      if (known !== undefined && !sameSpec(known, option)) {
        throw new Error(`pass '${pass.name}' declares option '${option.name}' unlike another pass`);
      }
      options.set(option.name, option);
    }
  }
  return { passes, options: [...options.values()], get: (name) => byName.get(name) };
}

export const REGISTRY: PassRegistry = makeRegistry(PASSES);
