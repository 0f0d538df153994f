// The ideal simulation of chip.bin with the per-layer SSM codes it computes (u codes in, y
// codes out, [batch, H, L] per layer): what `qs4dc verify` (src/driver/compare-executors.ts) and the
// simulator's tests compare with the emulator's traces. From the chip alone, like every run.

import type { ChipImage } from "../emit/chip-image.js";
import { prepareChip, runSamples } from "./simulate.js";

/** One layer's SSM codes [batch, H, L]. */
export interface SimulatedLayerCodes {
  readonly layer: number;
  readonly uq: Int32Array;
  readonly yq: Int32Array;
}

export interface SimulatedCodes {
  /** [batch, classes] row-major. */
  readonly logits: Float32Array;
  readonly layers: readonly SimulatedLayerCodes[];
}

/** The ideal simulation of a chip with its per-layer SSM codes, [batch, H, L] per layer. */
export function simulateWithCodes(
  chip: ChipImage,
  inputs: ArrayLike<number>,
  shape: readonly [number, number, number],
): SimulatedCodes {
  const prepared = prepareChip(chip);
  const [batch, length, dIn] = shape;
  const layers = new Map<number, { uq: Int32Array; yq: Int32Array; h: number }>();
  for (const op of chip.program) {
    if (op.op !== "ssm") continue;
    const h = chip.signals[op.inputSignal]!.length;
    layers.set(op.layer, {
      uq: new Int32Array(batch * h * length),
      yq: new Int32Array(batch * h * length),
      h,
    });
  }
  let sample = 0;
  const store = (target: "uq" | "yq") => (layer: number, t: number, codes: Int32Array) => {
    const l = layers.get(layer)!;
    const base = sample * l.h * length;
    for (let h = 0; h < l.h; h++) l[target][base + h * length + t] = codes[h]!;
  };
  const hooks = { ssmInput: store("uq"), ssmOutput: store("yq") };
  const logits = new Float32Array(batch * prepared.layout.classes);
  for (sample = 0; sample < batch; sample++) {
    const one = runSamples(prepared, { data: inputs, length, dIn }, sample, sample + 1, { hooks });
    logits.set(one, sample * prepared.layout.classes);
  }
  return { logits, layers: [...layers].map(([layer, l]) => ({ layer, uq: l.uq, yq: l.yq })) };
}
