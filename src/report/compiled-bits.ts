// The bit widths of a model as compiled, read from its chip.bin alone (so that a report of a
// chip needs no model), and its shape for the cost metrics:
//   - lambda, Bbar, C: the bits the requantize report gives each tensor (the widest layer);
//     without that report, what a crossbar weight can hold (levels^slices - 1).
//   - state and activations: the code range of the state and SSM input registers.
//   - dense layers: crossbar tiles hold weights of the cells' capacity; digital ones run in
//     the target's digital word.
// The shape comes from the program: the encoder reads the input buffer, the decoder writes
// the logits, every other dense op is a mixing layer; N is the state codes the arrays write
// (a readout per held real dimension) per channel and layer, so pruned modes do not count: after
// --prune it is a mean, and fractional.

import type { ChipImage, ChipOp } from "../emit/chip-image.js";
import { INPUT_BUFFER, LOGITS_BUFFER } from "../emit/chip-sections.js";
import { bitsFor } from "../ir/quantizer.js";
import { weightCapacity } from "../passes/lib/resolve.js";
import type { BitWidths, CostShape } from "./cost.js";
import type { QuantLayer } from "./manifest-reports.js";

type DenseOp = Extract<ChipOp, { op: "linear" | "crossbar-linear" }>;
type SsmOp = Extract<ChipOp, { op: "ssm" }>;

const isDense = (op: ChipOp): op is DenseOp => op.op === "linear" || op.op === "crossbar-linear";
const isSsm = (op: ChipOp): op is SsmOp => op.op === "ssm";

function features(image: ChipImage, op: DenseOp): { in: number; out: number } {
  if (op.op === "linear") return { in: op.weight.shape[1]!, out: op.weight.shape[0]! };
  return {
    in: image.signals[op.inputSignal]!.length,
    out: image.signals[op.outputSignal]!.length,
  };
}

/** State codes some readout writes, summed over the SSMs: the state the chip holds. */
function heldStateCodes(image: ChipImage, ssms: readonly SsmOp[]): number {
  const states = new Set(ssms.map((op) => op.stateSignal));
  const held = new Set<string>();
  for (const array of image.arrays) {
    const { signal, element, polarity } = array.readout;
    for (let r = 0; r < array.readouts; r++) {
      if (polarity[r] === 1 && states.has(signal[r]!)) held.add(`${signal[r]}:${element[r]}`);
    }
  }
  return held.size;
}

/**
 * The chip's shape for the cost metrics. `held`: N counts the state codes the arrays write (the
 * chip as compiled, pruned modes left out); otherwise the state registers' size (the model
 * before pruning, the float reference).
 */
export function chipCostShape(image: ChipImage, held: boolean): CostShape {
  const ssms = image.program.filter(isSsm);
  const dense = image.program.filter(isDense);
  const encoder = dense.find((op) => op.input === INPUT_BUFFER);
  const decoder = dense.find((op) => op.output === LOGITS_BUFFER);
  const mixing = dense.filter((op) => op !== encoder && op !== decoder);
  const first = ssms[0];
  const channels = first === undefined ? 0 : image.signals[first.inputSignal]!.length;
  const perLayer = channels * ssms.length;
  const registers =
    first === undefined ? 0 : image.signals[first.stateSignal]!.length * ssms.length;
  const stateCodes = held ? heldStateCodes(image, ssms) : registers;
  return {
    layers: ssms.length,
    channels,
    state: perLayer === 0 ? 0 : stateCodes / perLayer,
    dIn: encoder === undefined ? 0 : features(image, encoder).in,
    classes: decoder === undefined ? 0 : features(image, decoder).out,
    mixOut: Math.max(0, ...mixing.map((op) => features(image, op).out)),
  };
}

/** Bits of the widest register of each SSM's `signal` (state or input). */
function registerBits(image: ChipImage, signal: (op: SsmOp) => number): number {
  const limits = image.program.filter(isSsm).map((op) => image.signals[signal(op)]!.limit);
  return bitsFor(Math.max(0, ...limits));
}

export function compiledBits(image: ChipImage, quant: readonly QuantLayer[]): BitWidths {
  const params = image.target.params;
  const cellBits = bitsFor(weightCapacity(params));
  const tensorBits = (suffix: string) => {
    const bits = quant.flatMap((l) => l.tensors.filter((t) => t.tensor.endsWith(suffix)));
    return bits.length === 0 ? cellBits : Math.max(...bits.map((t) => t.bits));
  };
  const denseBits = (op: DenseOp | undefined) =>
    op?.op === "crossbar-linear" ? cellBits : image.target.description.digital.wordBits;
  const dense = image.program.filter(isDense);
  const mixing = dense.filter((op) => op.input !== INPUT_BUFFER && op.output !== LOGITS_BUFFER);
  return {
    a: tensorBits(".lambda"),
    b: tensorBits(".bbar"),
    c: tensorBits(".C"),
    state: registerBits(image, (op) => op.stateSignal),
    act: registerBits(image, (op) => op.inputSignal),
    lin: Math.max(0, ...mixing.map(denseBits)),
    encoder: denseBits(dense.find((op) => op.input === INPUT_BUFFER)),
    decoder: denseBits(dense.find((op) => op.output === LOGITS_BUFFER)),
  };
}
