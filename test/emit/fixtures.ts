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

/** Lower a fixture for a target (over the fidelity budget allowed). */
export function lowerFixture(name: string, target: string): LoweredFixture | null {
  const modelPath = weightsPath(name);
  const model = importModel(modelPath);
  // Byte-level tests of chip.bin: a chip over the fidelity budget is still a chip to write
  // (--allow-loss); any refusal fails the test that asked for it.
  const lowering: LowerOptions = {
    target: loadTarget(target),
    calibration: null,
    options: { "allow-loss": "true" },
  };
  return { lowered: lowerModel(model, lowering), source: { modelPath, lowering } };
}
