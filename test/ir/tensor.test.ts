import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { dataOf, f32, type Tensor } from "../../src/ir/tensor.js";

describe("tensor data access", () => {
  it("returns the data of a tensor that has values", () => {
    expect(Array.from(dataOf(f32([2], [1.5, -2])))).toEqual([1.5, -2]);
  });

  it("a digest-only tensor is a coded error (QS4D-E053), not a crash", () => {
    const digestOnly: Tensor = { dtype: "f32", shape: [3, 4], data: null, digest: "ab".repeat(32) };
    try {
      dataOf(digestOnly);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Qs4dError);
      expect((error as Qs4dError).diagnostic.code).toBe("QS4D-E053");
      expect((error as Qs4dError).diagnostic.message).toContain("f32[3,4]");
    }
  });
});
