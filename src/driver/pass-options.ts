// The one mapping from the lowering flags (CLI) and compile options (API) to the pass options
// by the names the passes read (`qs4dc passes` lists them).

import type { PassOptionValue } from "../passes/pass.js";

/** The lowering choices a user gives, as the API names them (the CLI's flags, camelCased). */
export interface LoweringChoices {
  /** Mode pruning: "zero" | "energy:T" | "ratio:R". */
  readonly prune?: string;
  /** Kernel-only models: complex modes per channel to realize each kernel with. */
  readonly realizeModes?: number | string;
  /** Kernel-only models: relative kernel error above which realize-kernel warns. */
  readonly realizeTolerance?: number | string;
  /** Sequence length the chip will run, for the precision analysis. */
  readonly seqLen?: number | string;
  /** Fidelity budget: predicted relative SSM output error per layer (default 0.01). */
  readonly maxError?: number | string;
  /** With calibration labels: accuracy points the chip may lose (default 1). */
  readonly maxAccuracyDrop?: number | string;
  /** Keep the best configuration with a warning when none meets the budget. */
  readonly allowLoss?: boolean;
  /** "auto" (default), "plain" or "residual". */
  readonly stateUpdate?: string;
}

const NAMES: readonly (readonly [keyof LoweringChoices, string])[] = [
  ["prune", "prune"],
  ["realizeModes", "realize-modes"],
  ["realizeTolerance", "realize-tolerance"],
  ["seqLen", "seq-len"],
  ["maxError", "max-error"],
  ["maxAccuracyDrop", "max-accuracy-drop"],
  ["allowLoss", "allow-loss"],
  ["stateUpdate", "state-update"],
];

/** The choices that were given, under the pass options' names, as strings. */
export function passOptions(choices: LoweringChoices): Record<string, PassOptionValue> {
  const named: Record<string, PassOptionValue> = {};
  for (const [key, name] of NAMES) {
    const v = choices[key];
    if (v === undefined || v === false) continue;
    named[name] = String(v);
  }
  return named;
}

/** The API option keys that only apply to lowering a model (not to a compiled chip). */
export const LOWERING_CHOICE_KEYS: readonly (keyof LoweringChoices)[] = NAMES.map(([k]) => k);
