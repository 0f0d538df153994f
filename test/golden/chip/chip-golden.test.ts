// Golden chip.bin files, compared byte for byte through qs4dc/testing's matcher, which names
// what changed section by section (qs4dc diff) when they differ. They change only when the
// format, the lowering or a fixture changes; regenerate with `npm run golden:update`
// (QS4DC_UPDATE_GOLDEN=1) and review `qs4dc diff old.chip.bin new.chip.bin` before committing.

import { describe, expect, it } from "vitest";
import { chipBytes } from "../../../src/driver/artifact.js";
import { type ChipGoldenMatchers, chipMatchers } from "../../../src/testing.js";
import { lowerFixture } from "../../emit/fixtures.js";

declare module "vitest" {
  interface Assertion<T> extends ChipGoldenMatchers<T> {}
}

expect.extend(chipMatchers);

const GOLDEN: readonly [model: string, target: string][] = [
  ["digits-qat8-h32n16-l2", "imssa-64"],
  ["qs4d-digits-qat-h32n16-l2", "ideal"],
];

describe("golden chip.bin", () => {
  for (const [model, target] of GOLDEN) {
    it(`${model} on ${target}`, () => {
      const fixture = lowerFixture(model, target);
      expect(fixture).not.toBeNull();
      expect(chipBytes(fixture!.lowered, fixture!.source)).toMatchChipGolden(
        `${model}.${target}.chip.bin`,
      );
    });
  }
});
