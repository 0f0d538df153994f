// Golden chip.bin files, compared byte for byte. They change only when the format, the
// lowering or a fixture changes; regenerate with `npm run golden:update`
// (QS4DC_UPDATE_GOLDEN=1) and review `qs4dc inspect --json` of old and new before committing.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chipBytes } from "../../../src/driver/artifact.js";
import { decodeContainer } from "../../../src/emit/container-read.js";
import { lowerFixture } from "../../emit/fixtures.js";

const UPDATE = process.env.QS4DC_UPDATE_GOLDEN === "1";

const GOLDEN: readonly [model: string, target: string][] = [
  ["digits-qat8-h32n16-l2", "imssa-64"],
  ["qs4d-digits-qat-h32n16-l2", "ideal"],
];

/** Sections whose bytes differ, to say what changed rather than just "bytes differ". */
function changedSections(expected: Uint8Array, actual: Uint8Array): string[] {
  const before = decodeContainer(expected, "golden").infos;
  const after = new Map(decodeContainer(actual, "actual").infos.map((i) => [i.name, i]));
  const changed = before.filter((i) => after.get(i.name)?.crc32 !== i.crc32).map((i) => i.name);
  const added = [...after.keys()].filter((name) => !before.some((i) => i.name === name));
  return [...changed, ...added.map((name) => `${name} (new)`)];
}

describe("golden chip.bin", () => {
  for (const [model, target] of GOLDEN) {
    it(`${model} on ${target}`, () => {
      const fixture = lowerFixture(model, target);
      expect(fixture).not.toBeNull();
      const actual = chipBytes(fixture!.lowered, fixture!.source);
      const file = new URL(`${model}.${target}.chip.bin`, import.meta.url);
      if (UPDATE) writeFileSync(file, actual);
      expect(existsSync(file), `missing ${file.pathname}: run npm run golden:update`).toBe(true);
      const expected = new Uint8Array(readFileSync(file));
      if (Buffer.compare(Buffer.from(expected), Buffer.from(actual)) !== 0) {
        expect.fail(
          `${model}.${target}.chip.bin differs (sections: ${changedSections(expected, actual).join(", ")}); if intended, run npm run golden:update`,
        );
      }
    });
  }
});
