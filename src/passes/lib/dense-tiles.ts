// A dense layer (encoder, mixing, decoder) on crossbar tiles, for targets with dense =
// "crossbar" (docs/chip-arithmetic.md §4). Inputs drive rows through the DAC, scaled per
// sample to the DAC's full range (the periphery knows the whole buffer); weights are codes on
// the cells with one scale per output; the matrix is split into tiles of at most rows/2 inputs
// (rows/1 differential) and cols/(2 slices) outputs, each tile one block; the tiles of an
// output each convert a partial sum, and the commit adds the partial codes.
//
// An output's ADC step is set for a white input of rms Q/2 with 4x headroom over the rms of
// its largest tile partial sum (no calibration data needed); the exact integer sum of a tile is
// then rounded to that step once.

import type { Crossbar, DigitalOp, HardwareParams, Signal } from "../../ir/hardware.js";
import type { Linear } from "../../ir/model.js";
import { f64 } from "../../ir/tensor.js";
import { BlockBuilder } from "./block-builder.js";
import { fitGrid } from "./grid.js";
import { weightCapacity } from "./resolve.js";
import { values } from "./tensors.js";

const HEADROOM = 4;

export interface DenseLowering {
  readonly op: DigitalOp;
  readonly blocks: Crossbar[];
}

function chunks(total: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < total; start += size)
    out.push([start, Math.min(total, start + size)]);
  return out;
}

export function denseOnTiles(
  linear: Linear,
  name: string,
  input: string,
  output: string,
  params: HardwareParams,
  signals: Signal[],
): DenseLowering {
  const { inFeatures: n, outFeatures: m } = linear;
  const qDac = 2 ** (params.dacBits - 1) - 1;
  const qAdc = 2 ** (params.adcBits - 1) - 1;
  const differential = params.encoding === "differential-columns";
  const w = values(linear.weight, `${name}.weight`);
  const grid = fitGrid(w, m, weightCapacity(params));
  const inputTiles = chunks(n, differential ? params.rows : Math.floor(params.rows / 2));
  const outputTiles = chunks(m, Math.floor(params.cols / (2 * params.slices)));
  // Step of one output code: the largest tile's partial-sum rms for inputs of rms qDac / 2.
  const step = new Float64Array(m);
  for (let o = 0; o < m; o++) {
    let worst = 0;
    for (const [i0, i1] of inputTiles) {
      let power = 0;
      for (let i = i0; i < i1; i++) power += grid.codes[o * n + i]! ** 2;
      worst = Math.max(worst, Math.sqrt(power) * (qDac / 2));
    }
    // In units of (weight code x input code); a code then stands for step[o] * s_w[o] / s_in.
    step[o] = worst > 0 ? (HEADROOM * worst) / qAdc : 1;
  }
  const inputSignal =
    signals.push({ name: `${name}.in`, kind: "dense-input", length: n, limit: qDac }) - 1;
  const outLimit = inputTiles.length * qAdc;
  const outputSignal =
    signals.push({ name: `${name}.out`, kind: "dense-output", length: m, limit: outLimit }) - 1;
  const blocks: Crossbar[] = [];
  inputTiles.forEach(([i0, i1], ti) => {
    outputTiles.forEach(([o0, o1], to) => {
      const b = new BlockBuilder(`${name}.t${ti}.${to}`, differential, {
        slices: params.slices,
        base: params.levels,
      });
      const rows = [];
      for (let i = i0; i < i1; i++) rows.push(b.addRows(inputSignal, i));
      for (let o = o0; o < o1; o++) {
        const out = b.addOutput(outputSignal, o, qAdc, [
          { signal: inputSignal, gain: 1 / step[o]! },
        ]);
        for (let i = i0; i < i1; i++) b.addWeight(rows[i - i0]!, out, grid.codes[o * n + i]!);
      }
      blocks.push(b.build());
    });
  });
  // y[o] = code * step[o] * s_w[o] / s_in + bias: the periphery divides by the per-sample s_in.
  const outputStep = f64(
    [m],
    Array.from(step, (s, o) => s * grid.scales[o]!),
  );
  const op: DigitalOp = {
    op: "crossbar-linear",
    input,
    output,
    inputSignal,
    inputLevels: 2 * qDac,
    outputSignal,
    outputStep,
    bias: linear.bias,
  };
  return { op, blocks };
}
