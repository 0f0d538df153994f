// Issue 5 §3: the same model and options give byte-identical chip.bin files, for every fixture
// model (and built-in target) that this qs4dc lowers. Each compile imports and lowers afresh.

import { describe, expect, it } from "vitest";
import { chipBytes } from "../../src/driver/artifact.js";
import { readChip } from "../../src/emit/chip-read.js";
import { EXPECTED_REFUSALS, FIXTURE_MODELS, lowerFixture } from "./fixtures.js";

const TARGETS = ["imssa-64", "ideal"];

function compile(name: string, target: string): Uint8Array {
  const fixture = lowerFixture(name, target);
  return chipBytes(fixture.lowered, fixture.source);
}

/** The sCIFAR-sized model once, on ideal: on imssa-64 it takes 2220 arrays and a minute a compile. */
const SKIPPED = new Set(["big-h128n128-l4-L1024@imssa-64"]);

const CASES = FIXTURE_MODELS.flatMap((name) => TARGETS.map((target) => [name, target] as const));

describe("chip.bin is deterministic", () => {
  // Each case compiles on its own: a refusal fails it, unless fixtures.ts lists it (and the
  // chip is then compiled with --allow-loss, as lowerFixture does).
  it.each(CASES.filter(([name, target]) => !SKIPPED.has(`${name}@${target}`)))(
    "%s on %s: compile twice, identical bytes",
    (name, target) => {
      const first = compile(name, target);
      const second = compile(name, target);
      expect(Buffer.compare(Buffer.from(first), Buffer.from(second))).toBe(0);
      expect(readChip(first, `${name}.bin`).manifest.source.model).toBe(name);
    },
  );

  it("covers every fixture on both targets but the big model on imssa-64", () => {
    const skipped = CASES.map(([name, target]) => `${name}@${target}`).filter((c) =>
      SKIPPED.has(c),
    );
    expect(skipped).toEqual(["big-h128n128-l4-L1024@imssa-64"]);
    expect(FIXTURE_MODELS).toContain("big-h128n128-l4-L1024");
    for (const r of EXPECTED_REFUSALS) expect(FIXTURE_MODELS).toContain(r.model);
  });
});
