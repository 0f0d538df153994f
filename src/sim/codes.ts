// The ideal simulation of chip.bin with the per-layer SSM codes it computes (u codes in, y
// codes out, [batch, H, L] per layer): what `qs4dc verify` (src/driver/compare-executors.ts) and the
// simulator's tests compare with the emulator's traces. From the chip alone, like every run.

import type { ChipImage } from "../emit/chip-image.js";
import { sharedTables } from "../util/shared-tables.js";
import { type OneJob, oneJob, type WorkerFault, workerScript } from "../util/worker-script.js";
import { leanImage } from "./shared-chip.js";
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

/** To a worker (worker.ts): simulate `image` with codes on the inputs. */
export interface CodesMessage {
  readonly kind: "codes";
  readonly image: ChipImage;
  readonly inputs: ArrayLike<number>;
  readonly shape: readonly [number, number, number];
}

export type CodesReply = ({ readonly kind: "codes" } & SimulatedCodes) | WorkerFault;

/**
 * simulateWithCodes on a worker thread, so that this thread can do other work meanwhile
 * (`qs4dc verify` runs the emulator and the reference executor beside it): the same numbers.
 * The image's tables go to the worker in shared memory, so it reads no copy of them; it
 * prepares the chip itself. In this thread when no worker script can be loaded.
 */
export function simulateWithCodesAside(
  image: ChipImage,
  inputs: ArrayLike<number>,
  shape: readonly [number, number, number],
): OneJob<SimulatedCodes> {
  const script = workerScript(import.meta.url, "worker");
  if (script === null)
    return { result: Promise.resolve(simulateWithCodes(image, inputs, shape)), stop: () => {} };
  const message: CodesMessage = {
    kind: "codes",
    image: sharedTables(leanImage(image)),
    inputs,
    shape,
  };
  return oneJob<SimulatedCodes>(script, message);
}
