// Cycle counting on a compiled chip, against figures derived here from the target's timing
// table and the chip's ADC assignment: per-read phases, the periphery's cycles per step, the
// steady-state cycles per time step, and the pipelined schedule's latency.

import { describe, expect, it } from "vitest";
import { countEvents } from "../../src/sim/energy.js";
import { prepareChip } from "../../src/sim/simulate.js";
import { chipTiming, OPS_PER_ELEMENT } from "../../src/sim/timing.js";
import { compiled } from "./helpers.js";

const c = compiled("digits-qat8-h32n16-l2", "imssa-64")!;
const chip = prepareChip(c.chip);
const L = 64;
const timing = chipTiming(chip.image, chip.layout, chip.groups, { length: L });
const H = 32;

/** Conversions on the busiest ADC of any array written by layer 0 (slice 0 readouts only). */
function busiestAdc(layer: number): number {
  const op = chip.image.program.find((o) => o.op === "ssm" && o.layer === layer)!;
  if (op.op !== "ssm") throw new Error("no ssm");
  let rounds = 0;
  for (const a of chip.image.arrays) {
    const perAdc = new Map<number, number>();
    for (let i = 0; i < a.readouts; i++) {
      const s = a.readout.signal[i]!;
      if ((s !== op.stateSignal && s !== op.outputSignal) || a.readout.slice[i] !== 0) continue;
      perAdc.set(a.readout.adc[i]!, (perAdc.get(a.readout.adc[i]!) ?? 0) + 1);
    }
    rounds = Math.max(rounds, ...perAdc.values());
  }
  return rounds;
}

describe("timing of digits-qat8 on imssa-64 (100 MHz, 10 ns per op, 32 lanes)", () => {
  it("reads: quantize, DAC settle, read, conversions over the shared ADCs, commit, dequantize", () => {
    const rounds = busiestAdc(0);
    expect(rounds).toBeGreaterThanOrEqual(Math.ceil(34 / 8)); // 34 conversions, 8 ADCs
    const arrays = timing.stages.filter((s) => s.kind === "arrays");
    expect(arrays.map((s) => s.items)).toEqual([L + 1, L + 1]); // the lagged flush read
    // 2 ops per input to quantize (64 / 32 lanes), 1 dequantize, 10 ns = 1 cycle, read 100 ns.
    expect(arrays[0]!.cyclesPerItem).toBe(2 + 1 + 10 + rounds + 1 + 1);
  });

  it("periphery: GELU, mixing (2H x H MACs), GLU, residual, LayerNorm on 32 lanes", () => {
    const gelu = (H * OPS_PER_ELEMENT.gelu) / H;
    const mix = (2 * H * H) / H;
    const glu = Math.ceil((H * OPS_PER_ELEMENT.glu) / H);
    const norm = OPS_PER_ELEMENT["layer-norm"];
    const stages = timing.stages.filter((s) => s.kind === "digital");
    expect(stages.map((s) => s.cyclesPerItem)).toEqual([
      1,
      gelu + mix + glu + 1 + norm,
      gelu + mix + glu + 1 + norm + 1,
      10,
    ]);
    expect(timing.cyclesPerStep).toBe(gelu + mix + glu + 1 + norm + 1);
    expect(timing.sampleIntervalCycles).toBe(L * timing.cyclesPerStep);
  });

  it("latency: the stages overlap as a pipeline (a naive row-by-row replay agrees)", () => {
    // Replay: row t of each stage is ready when its item is done; arrays' item t needs row t.
    const s = timing.stages;
    let ready = Array.from({ length: L }, () => 0); // input rows in memory at cycle 0
    for (const stage of s) {
      const done: number[] = [];
      let free = 0;
      for (let i = 0; i < stage.items; i++) {
        const need =
          stage.items === 1 ? ready[ready.length - 1]! : ready[Math.min(i, ready.length - 1)]!;
        free = Math.max(free, need) + stage.cyclesPerItem;
        done.push(free);
      }
      const lagged = stage.kind === "arrays";
      ready = stage.items === 1 ? [done[0]!] : lagged ? done.slice(1) : done;
      if (stage.ops.some((i) => chip.image.program[i]!.op === "mean-pool"))
        ready = [done[done.length - 1]!];
    }
    expect(timing.latencyCycles).toBe(ready[0]);
    // Far less than running the stages one after the other.
    const serial = s.reduce((n, st) => n + st.items * st.cyclesPerItem, 0);
    expect(timing.latencyCycles).toBeLessThan(serial);
  });

  it("counts the events the energy model prices", () => {
    const e = countEvents(chip.image, chip.groups, timing);
    const reads = 2 * (L + 1);
    expect(e.arrayReads).toBe(reads * H); // one array per channel
    // 34 conversions per channel block: 16 state re/im pairs, their mirrors, +y and -y.
    expect(e.adcConversions).toBe(reads * H * 34);
    expect(e.cellOps).toBe(reads * H * 64 * 64);
  });
});
