// The chip a worker thread gets (shared-chip.ts): the same prepared chip, every table in one
// SharedArrayBuffer, and the chip it was made from untouched.

import { describe, expect, it } from "vitest";
import { sharedChip } from "../../src/sim/shared-chip.js";
import { prepareChip } from "../../src/sim/simulate.js";
import { compiled } from "./helpers.js";

const c = compiled("digits-qat8-h32n16-l2", "imssa-64")!;

/** Every typed array reachable from x. */
function tables(x: unknown, out: ArrayBufferView[] = [], seen = new Set<object>()) {
  if (x === null || typeof x !== "object" || seen.has(x)) return out;
  seen.add(x);
  if (ArrayBuffer.isView(x)) out.push(x);
  else if (x instanceof Map) for (const v of x.values()) tables(v, out, seen);
  else for (const v of Object.values(x)) tables(v, out, seen);
  return out;
}

describe("sharedChip", () => {
  const chip = prepareChip(c.chip);
  const shared = sharedChip(chip);

  it("holds the same chip, every table in one SharedArrayBuffer", () => {
    expect(shared).toEqual(chip);
    const views = tables(shared);
    expect(views.length).toBeGreaterThan(100);
    const buffers = new Set(views.map((v) => v.buffer));
    expect(buffers.size).toBe(1);
    expect([...buffers][0]).toBeInstanceOf(SharedArrayBuffer);
    for (const v of tables(chip)) expect(v.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it("keeps float64 tables aligned and does not overlap tables", () => {
    const views = tables(shared).sort((a, b) => a.byteOffset - b.byteOffset);
    for (let i = 0; i < views.length; i++) {
      expect(views[i]!.byteOffset % 8).toBe(0);
      if (i > 0)
        expect(views[i]!.byteOffset).toBeGreaterThanOrEqual(
          views[i - 1]!.byteOffset + views[i - 1]!.byteLength,
        );
    }
  });

  it("shares tables through structured clone, as a worker receives them", () => {
    const received = structuredClone(shared);
    const first = tables(received)[0] as Int32Array;
    const original = tables(shared)[0] as Int32Array;
    expect(first.buffer).toBeInstanceOf(SharedArrayBuffer);
    const before = original[0]!;
    first[0] = before + 1;
    expect(original[0]).toBe(before + 1);
    first[0] = before;
  });
});
