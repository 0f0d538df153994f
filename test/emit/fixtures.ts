// Lowering the shared fixture models the way `qs4dc compile` does: QAT models as they are,
// float models (which need post-training calibration) with --calib-style inputs taken from
// their golden test inputs. Every call imports afresh, so two calls are independent runs.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/** The first `count` golden test inputs of a fixture, [count, L, dIn]. */
type Calibration = NonNullable<LowerOptions["calibration"]>;

function goldenInputs(name: string, count: number): Calibration {
  const dir = join(MODELS_DIR, name, "golden");
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const [, length, dIn] = manifest.files["inputs.f32"].shape as number[];
  const raw = readFileSync(join(dir, "inputs.f32"));
  const values = new Float32Array(raw.buffer, raw.byteOffset, count * length! * dIn!);
  return { inputs: Float64Array.from(values), shape: [count, length!, dIn!] };
}

export interface LoweredFixture {
  readonly lowered: Lowered;
  readonly source: ChipSource;
}

/**
 * Lower a fixture for a target as `qs4dc compile` does; a model whose chip is over the
 * fidelity budget (QS4D-E421: float models without calibration data on imssa-64) is lowered
 * again with --allow-loss, since byte-level tests still need its chip. Any other refusal fails.
 */
export function lowerFixture(name: string, target: string): LoweredFixture {
  const modelPath = weightsPath(name);
  const model = importModel(modelPath);
  const attempt = (options: Record<string, string>): LoweredFixture => {
    const lowering: LowerOptions = { target: loadTarget(target), calibration: null, options };
    return { lowered: lowerModel(model, lowering), source: { modelPath, lowering } };
  };
  try {
    return attempt({});
  } catch (error) {
    if (!(error instanceof Qs4dError) || error.diagnostic.code !== "QS4D-E421") throw error;
    return attempt({ "allow-loss": "true" });
  }
}
