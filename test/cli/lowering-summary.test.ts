// The compile summary on stderr tells what the chip loses: a chip whose channels are split
// over arrays says how the parts convert y and by how much it may move from the unsplit chip's.

import { describe, expect, it } from "vitest";
import { loweringSummary } from "../../src/cli/lowering-summary.js";
import { lowerModel } from "../../src/driver/lower.js";
import { importModel } from "../../src/import/index.js";
import { loadTarget } from "../../src/target/load.js";
import { fixturePath } from "../passes/fixtures.js";

describe("compile summary", () => {
  it("names the split channels, the parts' extra bits and the codes y may move by", () => {
    const model = importModel(fixturePath("spoken-qat6-h32n32-l4", "weights.json"));
    const summary = loweringSummary(lowerModel(model, { target: loadTarget("imssa-64") }));
    expect(summary).toMatch(
      /\n\d+ channels larger than one array, split into up to 3 parts each: each part converts its partial y with 7 or 14 more bits and the sum is rounded once, so y moves by at most 1 code from the unsplit chip's, where the sum lies within 3 x 2\^-8 codes of a rounding boundary \(counted in the predicted errors\)\n/,
    );
  });

  it("says nothing of splits where every channel fits one array", () => {
    const model = importModel(fixturePath("spoken-qat6-h32n32-l4", "weights.json"));
    expect(loweringSummary(lowerModel(model, { target: loadTarget("ideal") }))).not.toMatch(
      /split/,
    );
  });
});
