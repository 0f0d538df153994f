// The bit widths of a model as it was trained, read from its quantizers (before lowering), and
// its shape for the cost metrics. Each width is the largest over the layers; a part without a
// quantizer is float (32 bits).
//   - QS4D level counts follow the paper's convention: Q levels are log2(Q) bits (16 is "4 bit").
//   - qs4d-max carries state_quant only as its conv-mode proxy, a kernel quantizer with
//     int(state_quant/2) levels, so the state's bits are log2(2 * kernel levels).
//   - A is Re A and Im A (continuous) or lambda (a discrete grid, qs4d-symmetric-v1).
//   - Activations: the layer output's quantizer (act_quant), else the SSM output's, else its input's.

import type { Layer, Model, Quantizer } from "../ir/model.js";
import { type BitWidths, type CostShape, FLOAT_BITS } from "./cost.js";

function bitsOf(q: Quantizer | null | undefined): number | null {
  if (q === null || q === undefined) return null;
  return q.kind === "levels" ? Math.log2(q.levels) : q.bits;
}

/** The widest of the given quantizers' bits; null when none is given. */
function widest(...qs: (Quantizer | null | undefined)[]): number | null {
  const bits = qs.map(bitsOf).filter((b): b is number => b !== null);
  return bits.length === 0 ? null : Math.max(...bits);
}

function stateBits(layer: Layer): number | null {
  const { x, kernel } = layer.ssm.quant;
  if (x !== undefined) return bitsOf(x);
  return kernel?.kind === "levels" ? Math.log2(2 * kernel.levels) : bitsOf(kernel);
}

/** The widest over the layers; FLOAT_BITS as soon as one layer has the part in float. */
function overLayers(layers: readonly Layer[], pick: (layer: Layer) => number | null): number {
  const bits = layers.map(pick);
  return bits.length === 0 || bits.includes(null) ? FLOAT_BITS : Math.max(...(bits as number[]));
}

export function trainedBits(model: Model): BitWidths {
  const layers = model.layers;
  const mixed = layers.filter((l) => l.mixing !== null);
  return {
    a: overLayers(layers, (l) => widest(l.ssm.quant.aRe, l.ssm.quant.aIm, l.ssm.quant.lambda)),
    b: overLayers(layers, (l) => bitsOf(l.ssm.quant.bbar)),
    c: overLayers(layers, (l) => bitsOf(l.ssm.quant.c)),
    state: overLayers(layers, stateBits),
    act: overLayers(layers, (l) => bitsOf(l.outputQuant ?? l.ssm.quant.y ?? l.ssm.quant.u)),
    lin: overLayers(mixed, (l) => bitsOf(l.mixing!.linear.weightQuant)),
    encoder: bitsOf(model.encoder.weightQuant) ?? FLOAT_BITS,
    decoder: bitsOf(model.decoder.weightQuant) ?? FLOAT_BITS,
  };
}

export function modelCostShape(model: Model): CostShape {
  const { config } = model;
  return {
    layers: model.layers.length,
    channels: config.channels,
    state: config.state,
    dIn: config.dIn,
    classes: config.classes,
    mixOut: Math.max(0, ...model.layers.map((l) => l.mixing?.linear.outFeatures ?? 0)),
  };
}
