import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataDigest, parseModel, printModel } from "../../src/ir/text/index.js";
import { canonical, modelArb } from "./helpers.js";

describe("print -> parse over random IR", () => {
  it("is the identity with full tensors (same data bits, same text)", () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        const text = printModel(model, { tensors: "full" });
        const back = parseModel(text);
        expect(canonical(back)).toEqual(canonical(model));
        expect(printModel(back, { tensors: "full" })).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps shapes, dtypes and digests with digest-only tensors", () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        const text = printModel(model);
        const back = parseModel(text);
        expect(printModel(back)).toBe(text);
        expect(back.decoder.weight.shape).toEqual(model.decoder.weight.shape);
        expect(back.decoder.weight.dtype).toBe(model.decoder.weight.dtype);
        expect(back.decoder.weight.digest).toBe(dataDigest(model.decoder.weight.data!));
        expect(back.meta).toEqual(model.meta);
        expect(back.name).toBe(model.name);
      }),
      { numRuns: 100 },
    );
  });
});
