// Issue 5 §3: the same model and options give byte-identical chip.bin files, for every fixture
// model (and built-in target) that this qs4dc lowers. Each compile imports and lowers afresh.

import { describe, expect, it } from "vitest";
import { chipBytes } from "../../src/driver/artifact.js";
import { readChip } from "../../src/emit/chip-read.js";
import { FIXTURE_MODELS, lowerFixture } from "./fixtures.js";

const TARGETS = ["imssa-64", "ideal"];

function compile(name: string, target: string): Uint8Array {
  const fixture = lowerFixture(name, target);
  return chipBytes(fixture.lowered, fixture.source);
}

/** The sCIFAR-sized model once, on ideal: on imssa-64 it takes 2220 arrays and a minute a compile. */
const SKIPPED = new Set(["big-h128n128-l4-L1024@imssa-64"]);

describe("chip.bin is deterministic", () => {
  const compiled: string[] = [];

  for (const name of FIXTURE_MODELS) {
    for (const target of TARGETS.filter((t) => !SKIPPED.has(`${name}@${t}`))) {
      it(`${name} on ${target}: compile twice, identical bytes`, () => {
        const first = compile(name, target);
        const second = compile(name, target);
        expect(Buffer.compare(Buffer.from(first), Buffer.from(second))).toBe(0);
        expect(readChip(first, `${name}.bin`).manifest.source.model).toBe(name);
        compiled.push(`${name}@${target}`);
      });
    }
  }

  it("covered the QAT and float fixtures on both targets, and the big model on ideal", () => {
    for (const name of FIXTURE_MODELS.filter(
      (n) => !n.startsWith("kernelonly") && !n.startsWith("big"),
    )) {
      expect(compiled).toContain(`${name}@imssa-64`);
      expect(compiled).toContain(`${name}@ideal`);
    }
    expect(compiled).toContain("big-h128n128-l4-L1024@ideal");
  });
});
