// The emulator's own refusals: a layer the program does not have, and a lowered program whose
// mirror columns do not compute the negated primaries (a layout bug the emulator catches).

import { describe, expect, it } from "vitest";
import { emulateLayerCodes } from "../../src/emulate/index.js";
import {
  CELL_COL,
  CELL_FIELDS,
  CELL_LEVEL,
  RO_COL_PLUS,
  RO_FIELDS,
  RO_POLARITY,
  RO_SIGNAL,
} from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { lowerFixture } from "../emit/fixtures.js";
import { refusalCode } from "../refusal.js";

const codeOf = (run: () => unknown) => refusalCode(run);

const lowered = (): Model => lowerFixture("digits-qat8-h32n16-l2", "imssa-64").lowered.model;
const H = 32;
const L = 8;
const codes = Int32Array.from({ length: L * H }, (_, i) => ((i * 37) % 61) - 30);

describe("emulator refusals", () => {
  it("a layer the program has no SSM op for: QS4D-E353", () => {
    const model = lowered();
    expect(emulateLayerCodes(model, 1, codes, L)).toHaveLength(L * H);
    expect(codeOf(() => emulateLayerCodes(model, 2, codes, L))).toBe("QS4D-E353");
  });

  it("a mirror column whose cells differ from its primary's: QS4D-E351", () => {
    const model = lowered();
    const hw = model.hardware!;
    // The first crossbar with a mirror readout (polarity -1): that column's cells moved to the
    // other end of the level range (the primary's stay), so the mirror reads another value.
    const k = hw.crossbars.findIndex((c) => {
      const ro = c.readouts.data!;
      for (let r = 0; r < ro.length / RO_FIELDS; r++)
        if (ro[r * RO_FIELDS + RO_POLARITY] === -1) return true;
      return false;
    });
    expect(k).toBeGreaterThanOrEqual(0);
    const c = hw.crossbars[k]!;
    const ro = c.readouts.data!;
    let column = -1;
    for (let r = 0; r < ro.length / RO_FIELDS && column < 0; r++) {
      if (ro[r * RO_FIELDS + RO_POLARITY] === -1) column = ro[r * RO_FIELDS + RO_COL_PLUS]!;
    }
    const cells = Int32Array.from(c.cells.data!);
    let changed = false;
    for (let i = 0; i < cells.length / CELL_FIELDS; i++) {
      if (cells[i * CELL_FIELDS + CELL_COL] !== column) continue;
      const level = cells[i * CELL_FIELDS + CELL_LEVEL]!;
      cells[i * CELL_FIELDS + CELL_LEVEL] = level > hw.params.levels / 2 ? 1 : hw.params.levels - 1;
      changed = true;
    }
    expect(changed).toBe(true);
    const crossbars = hw.crossbars.map((x, i) =>
      i === k ? { ...x, cells: { ...x.cells, data: cells } } : x,
    );
    const broken: Model = { ...model, hardware: { ...hw, crossbars } };
    // The first crossbar with a mirror is one of layer 0's (its state l0.x).
    expect(hw.signals[ro[RO_SIGNAL]!]!.name).toBe("l0.x");
    expect(codeOf(() => emulateLayerCodes(broken, 0, codes, L))).toBe("QS4D-E351");
  });
});
