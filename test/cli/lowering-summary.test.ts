// The compile summary on stderr tells what the chip loses: a chip whose channels are split
// over arrays says that y is converted per part and by how many codes it may move, since the
// predicted errors (one rounding per conversion) do not count it.

import { describe, expect, it } from "vitest";
import { loweringSummary } from "../../src/cli/lowering-summary.js";
import { lowerModel } from "../../src/driver/lower.js";
import { importModel } from "../../src/import/index.js";
import { loadTarget } from "../../src/target/load.js";
import { fixturePath } from "../passes/fixtures.js";

describe("compile summary", () => {
  it("names the split channels and the codes y may move by", () => {
    const model = importModel(fixturePath("spoken-qat6-h32n32-l4", "weights.json"));
    const summary = loweringSummary(lowerModel(model, { target: loadTarget("imssa-64") }));
    expect(summary).toMatch(
      /\n\d+ channels larger than one array, split into up to 3 parts each: y is converted per part and moves by up to 2 codes from the unsplit chip's, which the predicted errors above do not count\n/,
    );
  });

  it("says nothing of splits where every channel fits one array", () => {
    const model = importModel(fixturePath("spoken-qat6-h32n32-l4", "weights.json"));
    expect(loweringSummary(lowerModel(model, { target: loadTarget("ideal") }))).not.toMatch(
      /split/,
    );
  });
});
