// The chip a worker thread gets (shared-chip.ts): the same prepared chip, every table in one
// SharedArrayBuffer (or left in the shared file bytes it is a view on), and the chip it was
// made from untouched.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readChip } from "../../src/emit/chip-read.js";
import { sharedChip } from "../../src/sim/shared-chip.js";
import { prepareChip, type SimChip } from "../../src/sim/simulate.js";
import { readFileBytes } from "../../src/util/read-file.js";
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

/** `chip` without what a worker is not sent: the section index and the manifest's reports. */
function lean(chip: SimChip): SimChip {
  const manifest = { ...chip.image.manifest, reports: {} };
  return { ...chip, image: { ...chip.image, sections: [], manifest } };
}

/**
 * Walks `before` and its shared copy `after` side by side, expecting each object to be reused
 * exactly when every table it holds is on `file`; returns how many were reused.
 */
function reusedObjects(before: unknown, after: unknown, file: ArrayBufferLike): number {
  if (before === null || typeof before !== "object" || ArrayBuffer.isView(before)) return 0;
  const onFile = tables(before).every((v) => v.buffer === file);
  expect(after === before).toBe(onFile);
  let reused = onFile ? 1 : 0;
  for (const [k, v] of Object.entries(before))
    reused += reusedObjects(v, (after as Record<string, unknown>)[k], file);
  return reused;
}

describe("sharedChip", () => {
  const chip = prepareChip(c.chip);
  const shared = sharedChip(chip);

  it("leaves out only the section index and the pass reports", () => {
    expect(chip.image.sections.length).toBeGreaterThan(10);
    expect(Object.keys(chip.image.manifest.reports).length).toBeGreaterThan(0);
    expect(shared.image.sections).toEqual([]);
    expect(shared.image.manifest.reports).toEqual({});
  });

  it("holds the same chip, every table in one SharedArrayBuffer", () => {
    expect(shared).toEqual(lean(chip));
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

  it("leaves tables already in shared memory where they are (chip.bin read shared)", () => {
    const dir = mkdtempSync(join(tmpdir(), "qs4dc-shared-"));
    try {
      const file = join(dir, "chip.bin");
      writeFileSync(file, c.bytes);
      const bytes = readFileBytes(file, true);
      expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(c.bytes))).toBe(0);
      const fromShared = prepareChip(readChip(bytes, file));
      const image = tables(fromShared.image);
      // The image's arrays are views on the file's bytes; the prepared tables are not.
      expect(image.filter((v) => v.buffer === bytes.buffer).length).toBeGreaterThan(100);
      const again = sharedChip(fromShared);
      expect(again).toEqual(lean(fromShared));
      for (const v of tables(again.image))
        if (v.byteLength > 0) expect(v.buffer).toBeInstanceOf(SharedArrayBuffer);
      const kept = tables(again.image).filter((v) => v.buffer === bytes.buffer);
      expect(kept.length).toBe(image.filter((v) => v.buffer === bytes.buffer).length);
      // An object whose tables are all on the file's bytes is the same object, not a copy.
      expect(
        reusedObjects(fromShared.image.arrays, again.image.arrays, bytes.buffer),
      ).toBeGreaterThan(fromShared.image.arrays.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
