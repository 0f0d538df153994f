// The numeric limits that keep the executors exact (src/ir/limits.ts): one code each, raised by
// the verifier on a hand-built lowered model, refused by the emulator and the chip.bin writer
// (never NaN or a wrapped integer), and the emulator's buffers sized from the crossbar.

import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diag/diagnostic.js";
import { Qs4dError } from "../../src/diag/error.js";
import { writeChip } from "../../src/emit/chip-write.js";
import { emulate } from "../../src/emulate/index.js";
import type { HardwareProgram } from "../../src/ir/hardware.js";
import { EXACT_INTEGER, MAX_CODE, MAX_TERMS } from "../../src/ir/limits.js";
import type { AffineQuantizer, Model } from "../../src/ir/model.js";
import { i32 } from "../../src/ir/tensor.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import { sampleModel } from "./helpers.js";
import {
  type Cell,
  denseHardware,
  denseModel,
  editCrossbar,
  withHardware,
} from "./limits-fixture.js";

const errors = (model: Model): Diagnostic[] =>
  verifyModel(model).filter((d) => d.severity === "error");

function thrown(f: () => unknown): Qs4dError {
  try {
    f();
  } catch (e) {
    if (e instanceof Qs4dError) return e;
    throw e;
  }
  throw new Error("expected a Qs4dError");
}

const INPUT = new Float32Array([1, -0.5]);

/** `count` cells of level `level` on column 0, rows 0..count-1. */
const column = (count: number, level: number): Cell[] =>
  Array.from({ length: count }, (_, r) => [r, 0, level] as const);

function withSsmU(u: NonNullable<Model["layers"][number]["ssm"]["quant"]["u"]>): Model {
  const m = sampleModel();
  const layers = m.layers.map((l) => ({ ...l, ssm: { ...l.ssm, quant: { u } } }));
  return { ...m, layers };
}

const AFFINE: AffineQuantizer = {
  kind: "affine",
  bits: 8,
  scale: 0.01,
  axis: null,
  zeroPoint: 0,
  signed: true,
  narrow: true,
  rounding: "half-even",
};

function withEncoderQuant(q: Partial<AffineQuantizer>): Model {
  const m = sampleModel();
  return { ...m, encoder: { ...m.encoder, weightQuant: { ...AFFINE, ...q } } };
}

interface LimitCase {
  readonly name: string;
  readonly model: Model;
  readonly code: string;
  readonly node: string;
  readonly says: RegExp;
}

const shifted = (shifts: number[]): HardwareProgram =>
  editCrossbar(denseHardware(), (c) => ({ ...c, shifts: i32([3], shifts) }));

/**
 * 66 readouts all writing out[0]: one with 16 fraction bits (shift -16), 65 shifted by 24
 * (127 x 2^24 each, within int32): their commit sum can reach 2^37, where binary64 steps of
 * 2^-16 run out.
 */
function crowdedElement(): HardwareProgram {
  const hw = denseHardware({ outputs: 66, cells: [[0, 0, 1]] });
  return editCrossbar(hw, (c) => {
    const ro = Int32Array.from(c.readouts.data!);
    for (let r = 0; r < 66; r++) ro[r * 8 + 3] = 0;
    const shifts = Array.from({ length: 66 }, (_, r) => (r === 0 ? -16 : 24));
    return { ...c, readouts: i32(c.readouts.shape, ro), shifts: i32([66], shifts) };
  });
}

const CASES: LimitCase[] = [
  {
    name: "a commit sum that binary64 cannot hold exactly in steps of 2^-16",
    model: withHardware(crowdedElement()),
    code: "QS4D-E433",
    node: "hardware > signal out",
    says: /writing out\[0\] can commit a sum of 138495918080.00195 in steps of 2\^-16, not below 2\^37/,
  },
  {
    name: "more term slots per conversion than chip.bin holds",
    model: denseModel({ terms: MAX_TERMS + 1 }),
    code: "QS4D-E430",
    node: "hardware > crossbar a0",
    says: /65 term slots per conversion, more than the 64/,
  },
  {
    name: "a conversion whose integer sum can reach 2^53",
    // 128 cells of level 65535 on rows driven by codes up to 2^31 - 1: about 2^54.
    model: denseModel({
      inputs: 128,
      outputs: 1,
      levels: 65536,
      inputLimit: MAX_CODE,
      cells: column(128, 65535),
    }),
    code: "QS4D-E431",
    node: "hardware > crossbar a0",
    says: /readout 0 \(out\[0\]\) can reach an integer sum of 18014123623186496, not below 2\^53/,
  },
  {
    name: "a signal limit above int32",
    model: denseModel({ inputLimit: MAX_CODE + 1 }),
    code: "QS4D-E432",
    node: "hardware > signal in",
    says: /the limit of signal 'in' is 2147483648, above 2\^31 - 1/,
  },
  {
    name: "a cell coefficient level x levels^slice above int32",
    model: denseModel({ outputs: 1, levels: 65536, slices: 2, cells: [[0, 1, 65535]] }),
    code: "QS4D-E432",
    node: "hardware > crossbar a0",
    says: /coefficient of cell \(0, 1\), level 65535 x 65536\^1 \(slice 1\) is 4294901760/,
  },
  {
    name: "a readout limit times 2^shift above int32",
    model: withHardware(shifted([25, 0, 0])),
    code: "QS4D-E432",
    node: "hardware > crossbar a0",
    says: /limit of readout 0 times 2\^25 \(its shift\) is 4261412864/,
  },
  {
    name: "input levels above int32",
    model: withHardware({
      ...denseHardware(),
      program: denseHardware().program.map((op) =>
        op.op === "crossbar-linear" ? { ...op, inputLevels: 2 ** 32 } : op,
      ),
    }),
    code: "QS4D-E432",
    node: "hardware > op crossbar-linear logits",
    says: /its input level count is 4294967296, above 2\^31 - 1/,
  },
  {
    name: "a level quantizer above int32",
    model: withSsmU({ kind: "levels", levels: 2 ** 31, scope: "sample" }),
    code: "QS4D-E049",
    node: "layer 0 > ssm",
    says: /quantizer of 'u' has 2147483648 levels/,
  },
  {
    name: "an unsigned 32-bit affine quantizer",
    model: withEncoderQuant({ signed: false, bits: 32, zeroPoint: 0 }),
    code: "QS4D-E049",
    node: "encoder",
    says: /quantizer of 'weight' has 32 unsigned bits/,
  },
];

/** Structural invariants the limits rely on (QS4D-E420). */
const INVARIANTS: [string, Model, RegExp][] = [
  [
    "a readout slice outside 0..slices-1",
    withHardware(
      editCrossbar(denseHardware(), (c) => {
        const ro = Int32Array.from(c.readouts.data!);
        ro[5] = 1;
        return { ...c, readouts: i32(c.readouts.shape, ro) };
      }),
    ),
    /readout 0 \[0, -1, 1, 0, 1, 1, 0, 127\] is out of range/,
  ],
  [
    "a shift above 30",
    withHardware(shifted([0, 31, 0])),
    /readout 1 has shift 31; shifts are -16..30/,
  ],
  [
    "a shift below -16 (more fraction bits than a commit sum keeps exact)",
    withHardware(shifted([0, 0, -17])),
    /readout 2 has shift -17; shifts are -16..30/,
  ],
  [
    "shifts of the wrong length",
    withHardware(editCrossbar(denseHardware(), (c) => ({ ...c, shifts: i32([2], [0, 0]) }))),
    /shifts has shape \[2\], expected \[3\]/,
  ],
  [
    "input codes beyond the input signal's limit",
    withHardware({
      ...denseHardware(),
      program: denseHardware().program.map((op) =>
        op.op === "crossbar-linear" ? { ...op, inputLevels: 300 } : op,
      ),
    }),
    /its input level count 300 gives codes up to 150; signal 'in' holds codes up to 127/,
  ],
  [
    "a negative signal limit",
    denseModel({ inputLimit: -1 }),
    /signal 0 has length 2 and limit -1; both are integers >= 0/,
  ],
];

describe("verifier: numeric limits of the executors", () => {
  it("accepts the hand-built dense model and the largest values within the limits", () => {
    expect(errors(denseModel())).toEqual([]);
    expect(errors(denseModel({ inputLimit: MAX_CODE }))).toEqual([]);
    expect(errors(denseModel({ terms: MAX_TERMS }))).toEqual([]);
    // 127 x 2^24 is within int32 (the state readouts of the residual update are shifted).
    expect(errors(withHardware(shifted([24, 0, 0])))).toEqual([]);
    // 16 fraction bits: a split channel's finer partial conversions.
    expect(errors(withHardware(shifted([-16, 0, 0])))).toEqual([]);
    // 64 cells of level 65535 driven by codes up to 2^31 - 1: just below 2^53.
    const justBelow = denseModel({
      inputs: 64,
      outputs: 1,
      levels: 65536,
      inputLimit: MAX_CODE,
      cells: column(64, 65535),
    });
    expect(64 * 65535 * MAX_CODE).toBeLessThan(EXACT_INTEGER);
    expect(errors(justBelow)).toEqual([]);
    // level 32767 on slice 1 of 65536 levels: 2^31 - 65536, within int32.
    expect(
      errors(denseModel({ outputs: 1, levels: 65536, slices: 2, cells: [[0, 1, 32767]] })),
    ).toEqual([]);
    expect(errors(withEncoderQuant({ signed: true, narrow: false, bits: 32 }))).toEqual([]);
    expect(errors(withEncoderQuant({ signed: false, narrow: false, bits: 31 }))).toEqual([]);
    expect(errors(withSsmU({ kind: "levels", levels: MAX_CODE, scope: "sample" }))).toEqual([]);
  });

  for (const c of CASES) {
    it(`rejects ${c.name} with ${c.code}`, () => {
      const found = errors(c.model);
      expect(found.map((d) => d.code)).toEqual([c.code]);
      expect(found[0]!.location.node).toBe(c.node);
      expect(found[0]!.message).toMatch(c.says);
    });
  }

  for (const [name, model, says] of INVARIANTS) {
    it(`rejects ${name} with QS4D-E420`, () => {
      const found = errors(model);
      expect(new Set(found.map((d) => d.code))).toEqual(new Set(["QS4D-E420"]));
      expect(found.map((d) => d.message).join("\n")).toMatch(says);
    });
  }

  it("has a case for every limit code", () => {
    const tested = new Set(CASES.map((c) => c.code));
    for (const code of ["QS4D-E049", "QS4D-E430", "QS4D-E431", "QS4D-E432", "QS4D-E433"]) {
      expect(tested).toContain(code);
    }
  });
});

describe("the executors size their buffers from the limits", () => {
  it("emulates the dense model exactly", () => {
    const { logits } = emulate(denseModel(), INPUT, [1, 1, 2]);
    expect([...logits]).toEqual([Math.fround(30 / 127), 1, -1]);
  });

  it("more than 8 term slots give the same codes, not NaN (the term sums are sized from the crossbar)", () => {
    const two = emulate(denseModel(), INPUT, [1, 1, 2]).logits;
    for (const terms of [9, 16, MAX_TERMS]) {
      const wide = emulate(denseModel({ terms }), INPUT, [1, 1, 2]).logits;
      expect(wide).toEqual(two);
    }
  });

  for (const c of CASES.filter((x) => x.model.hardware !== null)) {
    it(`the emulator refuses ${c.name} with ${c.code}, never a wrapped or NaN result`, () => {
      const e = thrown(() => emulate(c.model, INPUT, [1, 1, 2]));
      expect([e.diagnostic.code, e.exitCode]).toEqual([c.code, 2]);
    });
  }

  it("chip.bin is written only from a valid model: QS4D-E521, an internal error (exit 3)", () => {
    const info = {
      sourceDigest: "ab".repeat(32),
      target: IMSSA_64,
      options: {},
      passes: [],
      reports: new Map(),
    };
    expect(writeChip(denseModel(), info).length).toBeGreaterThan(0);
    const e = thrown(() => writeChip(denseModel({ inputLimit: MAX_CODE + 1 }), info));
    expect([e.diagnostic.code, e.exitCode]).toEqual(["QS4D-E521", 3]);
    expect(e.message).toContain("QS4D-E432");
    expect(e.diagnostic.location.node).toBe("hardware > signal in");
  });
});
