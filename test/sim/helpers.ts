// Shared by the simulator's tests: fixture models compiled to chip.bin the way `qs4dc compile`
// does (the writer and the reader of src/emit), and their golden inputs and labels.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chipBytes } from "../../src/driver/artifact.js";
import { lowerModel } from "../../src/driver/lower.js";
import type { ChipImage } from "../../src/emit/chip-image.js";
import { readChip } from "../../src/emit/chip-read.js";
import { importModel } from "../../src/import/index.js";
import type { Model } from "../../src/ir/model.js";
import { builtinTarget, loadTarget, targetDigest } from "../../src/target/load.js";
import type { TargetDescription } from "../../src/target/types.js";

export const MODELS = new URL("../../fixtures/models/", import.meta.url).pathname;

/** Every shared model (a folder with weights.json). */
export const FIXTURES: readonly string[] = readdirSync(MODELS)
  .filter((name) => existsSync(join(MODELS, name, "weights.json")))
  .sort();

export const weightsPath = (name: string): string => join(MODELS, name, "weights.json");

export interface Compiled {
  readonly model: Model;
  readonly lowered: Model;
  readonly bytes: Uint8Array;
  readonly chip: ChipImage;
}

const cache = new Map<string, Compiled>();

/**
 * A fixture compiled for a target (built-in name or description) and its chip.bin read back.
 * Equivalence of the two executors, not fidelity: a chip over the budget still counts
 * (--allow-loss), so no fixture on any target these tests use is refused; any refusal fails
 * the test that asked (it is not cached: every test that asks sees it).
 */
export function compiled(name: string, target: string | TargetDescription): Compiled {
  const key = `${name}@${typeof target === "string" ? target : target.name}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const modelPath = weightsPath(name);
  const model = importModel(modelPath);
  const lowering = {
    target:
      typeof target === "string"
        ? loadTarget(target)
        : { description: target, digest: targetDigest(target), origin: "test" },
    options: { "allow-loss": "true" },
  };
  const lowered = lowerModel(model, lowering);
  const bytes = chipBytes(lowered, { modelPath, lowering });
  const result = { model, lowered: lowered.model, bytes, chip: readChip(bytes, `${key}.bin`) };
  cache.set(key, result);
  return result;
}

function golden(name: string): {
  manifest: { files: Record<string, { shape: number[] }> };
  dir: string;
} {
  const dir = join(MODELS, name, "golden");
  return { manifest: JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")), dir };
}

/** Golden inputs [from, to) as float32 [n, L, dIn], optionally cut to the first `length` steps. */
export function goldenInputs(
  name: string,
  from: number,
  to: number,
  length?: number,
): { data: Float32Array; batch: number; length: number; dIn: number } {
  const { manifest, dir } = golden(name);
  const [, L, dIn] = manifest.files["inputs.f32"]!.shape as [number, number, number];
  const raw = readFileSync(join(dir, "inputs.f32"));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const steps = length ?? L;
  const data = new Float32Array((to - from) * steps * dIn);
  for (let b = from; b < to; b++) {
    data.set(all.subarray(b * L * dIn, (b * L + steps) * dIn), (b - from) * steps * dIn);
  }
  return { data, batch: to - from, length: steps, dIn };
}

export function goldenLabels(name: string): Int32Array {
  const raw = readFileSync(join(golden(name).dir, "labels.i32"));
  return new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export function hasLabels(name: string): boolean {
  return existsSync(join(golden(name).dir, "labels.i32"));
}

/** 16-level cells on 256x256 arrays: 8-bit weights are bit-sliced over two cells each. */
export const SLICED: TargetDescription = (() => {
  const base = builtinTarget("imssa-256")!;
  return { ...base, name: "sliced-16", cell: { ...base.cell, levels: 16 } };
})();

/** imssa-64 variants for the paths the built-ins do not take: no lag with D added digitally, and differential columns. */
export const VARIANTS: readonly TargetDescription[] = (() => {
  const base = builtinTarget("imssa-64")!;
  return [
    { ...base, name: "folded-digital-d", outputMode: "folded", dPlacement: "digital" },
    { ...base, name: "differential", encoding: "differential-columns" },
  ];
})();
