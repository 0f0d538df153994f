// Growable typed arrays (src/util/growable.ts): values pushed past any capacity come back in
// order, in an array of their own, of the kind asked for.

import { describe, expect, it } from "vitest";
import { float64s, int32s } from "../../src/util/growable.js";

describe("growable typed arrays", () => {
  it("keep every value pushed, in order, past their first capacities", () => {
    const ints = int32s();
    const floats = float64s();
    for (let i = 0; i < 1000; i++) {
      ints.push(i * 3 - 7);
      floats.push(i / 7);
    }
    const a = ints.done();
    const b = floats.done();
    expect(a).toBeInstanceOf(Int32Array);
    expect(b).toBeInstanceOf(Float64Array);
    expect([a.length, b.length, ints.length]).toEqual([1000, 1000, 1000]);
    expect(Array.from(a)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 3 - 7));
    expect(b[999]).toBe(999 / 7);
    expect(ints.at(500)).toBe(1493);
  });

  it("hand out a copy: pushing after done() does not change it", () => {
    const ints = int32s();
    ints.push(1);
    const first = ints.done();
    ints.push(2);
    expect(Array.from(first)).toEqual([1]);
    expect(Array.from(ints.done())).toEqual([1, 2]);
    expect(int32s().done()).toHaveLength(0);
  });
});
