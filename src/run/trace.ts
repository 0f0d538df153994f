// Per-layer SSM integers of a quantized run, [batch, H, L] each: the input codes u_q and,
// for the integer core, the output codes y_q (the shared models' golden traces).

import { maxQuantBound } from "../arith/quantize.js";
import type { Plan } from "./plan.js";

export interface LayerTrace {
  readonly layer: number;
  /** [batch, H, L] SSM input codes, or null when the layer's SSM input is not quantized. */
  readonly uq: Int32Array | null;
  /** [batch, H, L] SSM output codes (integer core only). */
  readonly yq: Int32Array | null;
  /** Every code fits in int8 (the quantizers have at most 8 bits). */
  readonly int8: boolean;
}

function fitsInt8(range: readonly [number, number]): boolean {
  return range[0] >= -128 && range[1] <= 127;
}

export class TraceRecorder {
  readonly layers: LayerTrace[];

  private readonly length: number;

  constructor(plan: Plan, batch: number) {
    this.length = plan.length;
    const size = batch * plan.channels * plan.length;
    this.layers = plan.layers.map((layer) => {
      const { ssm, inputQuant } = layer;
      if (ssm.kind === "integer") {
        const int8 = fitsInt8(ssm.uRange) && fitsInt8(ssm.yRange);
        return { layer: layer.index, uq: new Int32Array(size), yq: new Int32Array(size), int8 };
      }
      if (inputQuant !== null) {
        const bound = maxQuantBound(inputQuant.levels);
        return {
          layer: layer.index,
          uq: new Int32Array(size),
          yq: null,
          int8: fitsInt8([-bound, bound]),
        };
      }
      return { layer: layer.index, uq: null, yq: null, int8: true };
    });
  }

  /** True when some layer has integers to record. */
  get any(): boolean {
    return this.layers.some((t) => t.uq !== null);
  }

  /** Record one time step t of sample b ([H] codes; null when the layer has none). */
  record(
    b: number,
    layer: number,
    t: number,
    uq: Float64Array | null,
    yq: Float64Array | null,
  ): void {
    const trace = this.layers[layer]!;
    const H = uq?.length ?? yq?.length ?? 0;
    const base = b * H * this.length + t;
    if (trace.uq !== null && uq !== null) {
      for (let h = 0; h < H; h++) trace.uq[base + h * this.length] = uq[h]!;
    }
    if (trace.yq !== null && yq !== null) {
      for (let h = 0; h < H; h++) trace.yq[base + h * this.length] = yq[h]!;
    }
  }
}
