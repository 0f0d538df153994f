// Lowering the shared fixture models the way `qs4dc compile` does, without calibration data.
// The float models the fidelity budget refuses on imssa-64 are listed with their code, and
// lowered again with --allow-loss; any other refusal fails the test that asked for the chip.
// Every call imports afresh, so two calls are independent runs.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DiagnosticCode } from "../../src/diag/codes.js";
import { Qs4dError } from "../../src/diag/error.js";
import type { ChipSource } from "../../src/driver/artifact.js";
import { type Lowered, type LowerOptions, lowerModel } from "../../src/driver/lower.js";
import { importModel } from "../../src/import/index.js";
import { loadTarget } from "../../src/target/load.js";

export const MODELS_DIR = new URL("../../fixtures/models/", import.meta.url).pathname;

export const FIXTURE_MODELS: readonly string[] = readdirSync(MODELS_DIR)
  .filter((name) => existsSync(join(MODELS_DIR, name, "weights.json")))
  .sort();

export const weightsPath = (name: string): string => join(MODELS_DIR, name, "weights.json");

export interface LoweredFixture {
  readonly lowered: Lowered;
  readonly source: ChipSource;
}

/**
 * The fixtures `qs4dc compile` refuses, and with which code: float models without calibration
 * data are over the fidelity budget on imssa-64's 64 levels (their ranges are estimated).
 */
export const EXPECTED_REFUSALS: readonly {
  readonly model: string;
  readonly target: string;
  readonly code: DiagnosticCode;
}[] = [
  { model: "big-h128n128-l4-L1024", target: "imssa-64", code: "QS4D-E421" },
  { model: "digits-float-h32n16-l2", target: "imssa-64", code: "QS4D-E421" },
  { model: "imssa-demo-float-h3n28-l1", target: "imssa-64", code: "QS4D-E421" },
  { model: "kernelonly-digits-h32n16-l2", target: "imssa-64", code: "QS4D-E421" },
];

/** The code `qs4dc compile` must refuse a fixture on a target with; undefined: it must compile. */
export function expectedRefusal(name: string, target: string): DiagnosticCode | undefined {
  return EXPECTED_REFUSALS.find((r) => r.model === name && r.target === target)?.code;
}

/**
 * Lower a fixture for a target as `qs4dc compile` does. A listed refusal (EXPECTED_REFUSALS,
 * the fidelity budget's QS4D-E421) must happen, and the model is then lowered again with
 * --allow-loss, since byte-level tests still need its chip; an unlisted refusal, or a listed
 * one that does not happen, fails.
 */
export function lowerFixture(name: string, target: string): LoweredFixture {
  const modelPath = weightsPath(name);
  const model = importModel(modelPath);
  const attempt = (options: Record<string, string>): LoweredFixture => {
    const lowering: LowerOptions = { target: loadTarget(target), calibration: null, options };
    return { lowered: lowerModel(model, lowering), source: { modelPath, lowering } };
  };
  const expected = expectedRefusal(name, target);
  let lowered: LoweredFixture;
  try {
    lowered = attempt({});
  } catch (error) {
    if (!(error instanceof Qs4dError) || error.diagnostic.code !== expected) throw error;
    return attempt({ "allow-loss": "true" });
  }
  if (expected !== undefined) {
    throw new Error(`${name} on ${target} compiled; EXPECTED_REFUSALS says ${expected}`);
  }
  return lowered;
}
