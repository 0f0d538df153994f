// The lowered part of the IR in text (src/ir/text/hardware-tree.ts). Extend this test with
// every new hardware node.
import { describe, expect, it } from "vitest";
import type { HardwareProgram } from "../../src/ir/hardware.js";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import { parseModel, printModel } from "../../src/ir/text/index.js";
import { canonical, sampleModel } from "./helpers.js";

describe("hardware in IR text", () => {
  it("round-trips the lowered hardware part", () => {
    const hardware: HardwareProgram = {
      target: { name: "imssa-demo", digest: "ab".repeat(32) },
      params: {
        rows: 64,
        cols: 64,
        levels: 3,
        slices: 1,
        dacBits: 8,
        adcBits: 8,
        adcsPerArray: 4,
        encoding: "row-polarity",
        outputMode: "lagged",
        outputColumns: 2,
        dPlacement: "rows",
        dense: "digital",
        gMinUs: 1,
        gMaxUs: 100.5,
        writeVerifyTolerance: 0.1,
      },
      signals: [
        { name: "l0.u", kind: "ssm-input", length: 2, limit: 127 },
        { name: "l0.x", kind: "ssm-state", length: 4, limit: 127 },
      ],
      crossbars: [
        {
          name: "l0.h0",
          rows: 2,
          cols: 2,
          rowMap: i32([2, 3], [0, 0, 1, 0, 0, -1]),
          readouts: i32([1, 8], [0, -1, 1, 0, 1, 0, -1, 127]),
          termSignals: i32([1, 1], [0]),
          termGains: f64([1, 1], [0.5]),
          cells: i32([1, 3], [0, 0, 2]),
          conductanceUs: null,
          placements: [{ block: "l0.h0", rowOffset: 0, colOffset: 0, rows: 2, cols: 2 }],
        },
      ],
      placed: true,
      program: [
        { op: "linear", input: "input", output: "enc", weight: f32([1, 1], [1]), bias: null },
        {
          op: "ssm",
          layer: 0,
          input: "enc",
          output: "y0",
          inputQuant: { kind: "static", scale: f64([2], [0.01, 0.02]), limit: 127 },
          inputSignal: 0,
          inputDelayedSignal: -1,
          stateSignal: 1,
          outputSignal: 2,
          outputMode: "lagged",
          outputScale: f64([2], [0.001, 0.003]),
          digitalD: null,
        },
        { op: "fake-quant", input: "y0", output: "q0", levels: 16 },
        { op: "mean-pool", input: "q0", output: "pooled" },
      ],
    };
    const m = { ...sampleModel(), hardware };
    const text = printModel(m, { tensors: "full" });
    expect(text).toContain("  hardware (placed = true) {\n    target @imssa-demo (digest = #abab");
    expect(text).toContain('    op mean-pool (input = "q0", output = "pooled")\n');
    const back = parseModel(text);
    expect(canonical(back)).toEqual(canonical(m));
    expect(printModel(back, { tensors: "full" })).toBe(text);
  });
});
