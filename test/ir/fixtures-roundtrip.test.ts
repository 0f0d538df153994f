// Every reference model, imported, survives print -> parse exactly (DESIGN §4).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importModel } from "../../src/import/index.js";
import { parseModel, printModel } from "../../src/ir/text/index.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import { canonical } from "./helpers.js";

const MODELS = join(import.meta.dirname, "../../fixtures/models");
const SMALL = [
  "digits-float-h32n16-l2",
  "digits-qat8-h32n16-l2",
  "kernelonly-digits-h32n16-l2",
  "qs4d-digits-qat-h32n16-l2",
];

describe("IR text of the reference models", () => {
  for (const name of SMALL) {
    it(`${name}: valid, and print -> parse -> print is exact with full tensors`, () => {
      const model = importModel(join(MODELS, name, "weights.json"));
      expect(verifyModel(model)).toEqual([]);
      const text = printModel(model, { tensors: "full" });
      const back = parseModel(text);
      expect(canonical(back)).toEqual(canonical(model));
      expect(printModel(back, { tensors: "full" })).toBe(text);
    });
  }

  it("big-h128n128-l4-L1024: digest-only text round-trips", () => {
    const model = importModel(join(MODELS, "big-h128n128-l4-L1024", "weights.json"));
    const text = printModel(model);
    expect(printModel(parseModel(text))).toBe(text);
    expect(text.length).toBeLessThan(100_000);
  });
});
