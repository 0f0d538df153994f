// Issue 5 §3: the same model and options give byte-identical chip.bin files, for every fixture
// model (and built-in target) that this qs4dc lowers. Each compile imports and lowers afresh.

import { describe, expect, it } from "vitest";
import { chipBytes } from "../../src/driver/artifact.js";
import { readChip } from "../../src/emit/chip-read.js";
import { FIXTURE_MODELS, lowerFixture } from "./fixtures.js";

const TARGETS = ["imssa-64", "ideal"];

function compile(name: string, target: string): Uint8Array | null {
  const fixture = lowerFixture(name, target);
  return fixture === null ? null : chipBytes(fixture.lowered, fixture.source);
}

describe("chip.bin is deterministic", () => {
  const compiled: string[] = [];

  for (const name of FIXTURE_MODELS) {
    for (const target of TARGETS) {
      it(`${name} on ${target}: compile twice, identical bytes`, () => {
        const first = compile(name, target);
        if (first === null) return; // refused with a coded diagnostic: nothing to compare
        const second = compile(name, target);
        expect(second).not.toBeNull();
        expect(Buffer.compare(Buffer.from(first), Buffer.from(second!))).toBe(0);
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
