// Random damage to a valid chip.bin: the reader either returns a result or throws a coded
// Qs4dError, never another exception, never hangs. Damage that leaves the CRCs stale must
// always be caught; "resealed" damage (CRCs recomputed after the edit) reaches the checks
// behind the CRCs: the section table, the layout, JSON, and the meaning of the sections.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { readChip } from "../../src/emit/chip-read.js";
import { writeChip } from "../../src/emit/chip-write.js";
import {
  arraySection,
  encodeContainer,
  jsonSection,
  type Section,
} from "../../src/emit/container.js";
import { decodeContainer } from "../../src/emit/container-read.js";
import type { JsonValue } from "../../src/util/canonical-json.js";
import { resealDirectory, resealSection, sectionCount } from "./corrupt.js";
import { INFO, syntheticModel } from "./synthetic.js";

const VALID = encodeContainer([
  jsonSection("manifest", { format: "qs4dc-chip", passes: ["a", "b"], n: 3 }),
  arraySection("array.0.levels", new Int16Array([0, 1, -1, 2, 0, 0, 3, -3])),
  arraySection("array.0.g", new Float64Array([10, 20, 30.5])),
  jsonSection("program", { layers: [{ scale: 0.5 }] }),
]);

type Outcome = "ok" | "rejected";

function outcome(
  bytes: Uint8Array,
  read: (bytes: Uint8Array, file: string) => unknown = decodeContainer,
): Outcome {
  try {
    read(bytes, "fuzz.bin");
    return "ok";
  } catch (error) {
    if (error instanceof Qs4dError) return "rejected";
    throw error;
  }
}

const position = (bytes: Uint8Array) => fc.nat({ max: bytes.length - 1 });
const flips = fc.array(fc.tuple(position(VALID), fc.integer({ min: 1, max: 255 })), {
  minLength: 1,
  maxLength: 6,
});

function flipped(edits: readonly [number, number][]): Uint8Array {
  const copy = VALID.slice();
  for (const [at, mask] of edits) copy[at]! ^= mask;
  return copy;
}

function resealAll(bytes: Uint8Array): void {
  resealDirectory(bytes);
  // A damaged count can claim millions of entries; reseal only what a valid table could hold.
  const count = Math.min(sectionCount(bytes), 16, Math.floor((bytes.length - 64) / 32));
  for (let i = 0; i < count; i++) resealSection(bytes, i);
}

describe("chip.bin reader under random damage", () => {
  it("stale-CRC byte flips are always rejected", () => {
    fc.assert(
      fc.property(flips, (edits) => {
        const bytes = flipped(edits);
        // Flips that cancel out leave the file unchanged.
        const changed = bytes.some((b, i) => b !== VALID[i]);
        expect(outcome(bytes)).toBe(changed ? "rejected" : "ok");
      }),
      { numRuns: 400, seed: 5001 },
    );
  });

  it("truncations and extensions are always rejected", () => {
    const cut = fc.nat({ max: VALID.length - 1 }).map((n) => VALID.subarray(0, n));
    const grown = fc
      .uint8Array({ minLength: 1, maxLength: 80 })
      .map((tail) => new Uint8Array([...VALID, ...tail]));
    fc.assert(
      fc.property(fc.oneof(cut, grown), (bytes) => {
        expect(outcome(bytes)).toBe("rejected");
      }),
      { numRuns: 300, seed: 5002 },
    );
  });

  it("resealed damage yields a result or a coded error, nothing else", () => {
    const directoryEnd = 64 + 32 * sectionCount(VALID) + 40;
    const word = fc.oneof(
      fc.constantFrom(0, 1, 7, 8, 63, 64, 0x7fffffff, 0xffffffff, VALID.length, VALID.length + 1),
      fc.nat({ max: 0xffffffff }),
    );
    const directoryWrites = fc.array(fc.tuple(fc.nat({ max: directoryEnd - 4 }), word), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.oneof(flips.map(flipped), directoryWrites.map(written)), (bytes) => {
        resealAll(bytes);
        expect(["ok", "rejected"]).toContain(outcome(bytes));
      }),
      { numRuns: 800, seed: 5003 },
    );
  });
});

function written(edits: readonly [number, number][]): Uint8Array {
  const copy = VALID.slice();
  const view = new DataView(copy.buffer);
  for (const [at, value] of edits) view.setUint32(at, value, true);
  return copy;
}

// The same properties one level up: a real chip image, whose sections are then edited with
// valid CRCs so that every edit reaches the semantic checks of readChip.
const CHIP = writeChip(syntheticModel(), INFO);
const CHIP_SECTIONS = [...decodeContainer(CHIP, "chip.bin").sections.values()];

/** Every leaf of a JSON value as a path of keys and indices, in a fixed order. */
function leaves(value: JsonValue, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [path];
  const entries: [string | number, JsonValue][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  if (entries.length === 0) return [path];
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
}

const JSON_SECTIONS = CHIP_SECTIONS.flatMap((s) =>
  s.kind === "json" ? [{ name: s.name, paths: leaves(s.value) }] : [],
);
const ARRAY_SECTIONS = CHIP_SECTIONS.filter((s) => s.kind === "array" && s.data.length > 0);

const jsonReplacement: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    1,
    2,
    63,
    64,
    2 ** 31,
    -(2 ** 53),
    1e308,
    -0.5,
    0.5,
    "",
    "x",
    null,
    true,
    [],
    {},
  ),
  fc.integer({ min: -100, max: 100 }),
  fc.double(),
);

function replaced(name: string, path: readonly (string | number)[], value: JsonValue): Uint8Array {
  return encodeContainer(
    CHIP_SECTIONS.map((s): Section => {
      if (s.name !== name || s.kind !== "json") return s;
      const copy = JSON.parse(JSON.stringify(s.value));
      if (path.length === 0) return { ...s, value: { [String(value)]: value } };
      let node = copy;
      for (const key of path.slice(0, -1)) node = node[key];
      node[path.at(-1)!] = value;
      return { ...s, value: copy };
    }),
  );
}

describe("readChip under random damage to a real chip image", () => {
  it("stale-CRC byte flips and truncations are always rejected", () => {
    const edit = fc.oneof(
      fc
        .tuple(fc.nat({ max: CHIP.length - 1 }), fc.integer({ min: 1, max: 255 }))
        .map(([at, mask]) => {
          const copy = CHIP.slice();
          copy[at]! ^= mask;
          return copy;
        }),
      fc.nat({ max: CHIP.length - 1 }).map((n) => CHIP.subarray(0, n)),
    );
    fc.assert(
      fc.property(edit, (bytes) => {
        expect(outcome(bytes, readChip)).toBe("rejected");
      }),
      { numRuns: 200, seed: 5004 },
    );
  });

  it("any JSON field replaced by any value: a result or a coded error", () => {
    const edit = fc
      .tuple(fc.nat({ max: JSON_SECTIONS.length - 1 }), fc.nat(), jsonReplacement)
      .map(([s, p, value]) => {
        const section = JSON_SECTIONS[s]!;
        return replaced(section.name, section.paths[p % section.paths.length]!, value);
      });
    fc.assert(
      fc.property(edit, (bytes) => {
        expect(["ok", "rejected"]).toContain(outcome(bytes, readChip));
      }),
      { numRuns: 600, seed: 5005 },
    );
  });

  it("any element of any typed array replaced: a result or a coded error", () => {
    const edit = fc
      .tuple(
        fc.nat({ max: ARRAY_SECTIONS.length - 1 }),
        fc.nat(),
        fc.oneof(
          fc.constantFrom(-1, 0, 1, 63, 64, 2 ** 31 - 1, -(2 ** 31)),
          fc.integer({ min: -9, max: 99 }),
        ),
      )
      .map(([s, i, value]) => {
        const sections = CHIP_SECTIONS.map((x): Section => {
          if (x !== ARRAY_SECTIONS[s] || x.kind !== "array") return x;
          const data = x.data.slice();
          data[i % data.length] = value;
          return { ...x, data };
        });
        return encodeContainer(sections);
      });
    fc.assert(
      fc.property(edit, (bytes) => {
        expect(["ok", "rejected"]).toContain(outcome(bytes, readChip));
      }),
      { numRuns: 400, seed: 5006 },
    );
  });
});
