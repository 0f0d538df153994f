// The bit widths of a model as compiled, read from its chip.bin alone (so that a report of a
// chip needs no model), and its shape for the cost metrics:
//   - lambda, Bbar, C: the bits the requantize report gives each tensor (the widest layer);
//     without that report, what a crossbar weight can hold (levels^slices - 1).
//   - state and activations: the code range of the state and SSM input registers.
//   - dense layers: crossbar tiles hold weights of the cells' capacity; digital ones run in
//     the target's digital word.
// The shape comes from the program: the encoder reads the input buffer, the decoder writes
// the logits, every other dense op is a mixing layer; each SSM's state register holds H*N codes.

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

export function chipCostShape(image: ChipImage): CostShape {
  const ssms = image.program.filter(isSsm);
  const dense = image.program.filter(isDense);
  const encoder = dense.find((op) => op.input === INPUT_BUFFER);
  const decoder = dense.find((op) => op.output === LOGITS_BUFFER);
  const mixing = dense.filter((op) => op !== encoder && op !== decoder);
  const first = ssms[0];
  const channels = first === undefined ? 0 : image.signals[first.inputSignal]!.length;
  const stateCodes = first === undefined ? 0 : image.signals[first.stateSignal]!.length;
  return {
    layers: ssms.length,
    channels,
    state: channels === 0 ? 0 : stateCodes / channels,
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
