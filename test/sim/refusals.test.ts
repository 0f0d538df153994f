// The simulator's refusals: inputs and labels it cannot run, a program whose ops disagree with
// their inputs, a device model too large to hold, a chip that is not a classifier.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import type { ChipImage, ChipOp } from "../../src/emit/chip-image.js";
import { simulateWithCodesAside } from "../../src/sim/codes.js";
import { arrayShape, checkDeviceSize } from "../../src/sim/device.js";
import { checkLabels, checkSimInput } from "../../src/sim/input.js";
import { prepareChip, runSamples } from "../../src/sim/simulate.js";
import { refusalCode } from "../refusal.js";
import { compiled, goldenInputs } from "./helpers.js";

const NAME = "digits-qat8-h32n16-l2";

const codeOf = (run: () => unknown) => refusalCode(run, 2);

describe("inputs and labels", () => {
  it("a non-finite input value: QS4D-E603, with its index", () => {
    const data = new Float32Array(2 * 4);
    data[5] = Number.NaN;
    const npy = { dtype: "float32" as const, shape: [2, 4, 1], data };
    expect(codeOf(() => checkSimInput(npy, 1, "x.npy", "chip.bin"))).toBe("QS4D-E603");
    expect(() => checkSimInput(npy, 1, "x.npy", "chip.bin")).toThrow(/\[1, 1, 0\]/);
  });

  it("a label outside the chip's classes: QS4D-E606", () => {
    const npy = { dtype: "int32" as const, shape: [3], data: Int32Array.of(0, 9, 10) };
    expect(checkLabels({ ...npy, data: Int32Array.of(0, 9, 1) }, 3, 10, "y.npy")).toHaveLength(3);
    expect(codeOf(() => checkLabels(npy, 3, 10, "y.npy"))).toBe("QS4D-E606");
  });
});

describe("chips the simulator cannot run", () => {
  const image = (): ChipImage => compiled(NAME, "imssa-64").chip;

  it("no op reads the input buffer (a program inconsistent with itself): QS4D-E607", () => {
    const c = image();
    const program = c.program.map((op) =>
      op.input === "input" ? { ...op, input: "nowhere" } : op,
    );
    expect(codeOf(() => prepareChip({ ...c, program }))).toBe("QS4D-E607");
  });

  it("on a worker thread (verify's simulation), the refusal comes back as the same diagnostic", async () => {
    const c = image();
    const program = c.program.map((op) =>
      op.input === "input" ? { ...op, input: "nowhere" } : op,
    );
    const x = goldenInputs(NAME, 0, 1);
    const aside = simulateWithCodesAside({ ...c, program }, x.data, [1, x.length, x.dIn]);
    const error = await aside.result.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Qs4dError);
    expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E607");
    expect((error as Qs4dError).exitCode).toBe(2);
  });

  it("a bit slice with another shift than its slice 0, or with no slice 0: QS4D-E607", () => {
    const c = image();
    const k = c.arrays.findIndex((a) => a.readouts >= 2);
    const a = c.arrays[k]!;
    const ro = {
      ...a.readout,
      signal: a.readout.signal.slice(),
      element: a.readout.element.slice(),
      polarity: a.readout.polarity.slice(),
      slice: a.readout.slice.slice(),
      shift: a.readout.shift.slice(),
    };
    // Readout 1 made slice 1 of readout 0's output, with another shift.
    ro.signal[1] = ro.signal[0]!;
    ro.element[1] = ro.element[0]!;
    ro.polarity[1] = ro.polarity[0]!;
    ro.slice[1] = 1;
    ro.shift[1] = ro.shift[0]! + 1;
    const arrays = c.arrays.map((x, i) => (i === k ? { ...a, readout: ro } : x));
    expect(codeOf(() => prepareChip({ ...c, arrays }))).toBe("QS4D-E607");
    expect(() => prepareChip({ ...c, arrays })).toThrow(/\(slice 1\) has shift/);
    ro.shift[1] = ro.shift[0]!;
    expect(() => prepareChip({ ...c, arrays })).not.toThrow();
    ro.slice[0] = 2;
    expect(codeOf(() => prepareChip({ ...c, arrays }))).toBe("QS4D-E607");
    expect(() => prepareChip({ ...c, arrays })).toThrow(/with no slice 0/);
  });

  it("a device model of more cells than it holds: QS4D-E608", () => {
    const c = image();
    expect(() => checkDeviceSize(c)).not.toThrow();
    // The chip's arrays many times over: more than the 2^26 cells a device model holds.
    const cells = c.arrays.reduce((n, _, k) => {
      const { rows, columns } = arrayShape(c, k);
      return n + rows.length * columns.length;
    }, 0);
    const copies = Math.ceil(2 ** 26 / cells) + 1;
    const arrays = Array.from({ length: copies }, () => c.arrays).flat();
    expect(codeOf(() => checkDeviceSize({ ...c, arrays }))).toBe("QS4D-E608");
  });

  it("a program without the pooling over time gives a row of logits per step: QS4D-E610", () => {
    const c = image();
    const pool = c.program.find((op) => op.op === "mean-pool")!;
    const program: ChipOp[] = c.program
      .filter((op) => op !== pool)
      .map((op) => (op.input === pool.output ? { ...op, input: pool.input } : op));
    const chip = prepareChip({ ...c, program });
    const x = goldenInputs(NAME, 0, 1);
    const input = { data: x.data, length: x.length, dIn: x.dIn };
    expect(codeOf(() => runSamples(chip, input, 0, 1))).toBe("QS4D-E610");
  });
});
