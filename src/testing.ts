// qs4dc/testing: golden-file tests for chip.bin, for vitest and jest alike.
//
//   import { chipMatchers } from "qs4dc/testing";
//   expect.extend(chipMatchers);
//   expect(chipBytes).toMatchChipGolden("model.chip.bin");
//
// The golden path is relative to the test file (or the working folder when the runner does not
// say which file runs). With QS4DC_UPDATE_GOLDEN=1 the matcher writes the golden and passes;
// otherwise it fails on any byte of difference with what changed, section by section
// (`qs4dc diff`), not a byte offset.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { readChip } from "./emit/chip-read.js";
import { diffChips, formatDiff } from "./emit/diff.js";

/** The environment variable that makes the matcher write goldens instead of comparing. */
export const UPDATE_GOLDEN_ENV = "QS4DC_UPDATE_GOLDEN";

/** What vitest and jest pass a matcher as `this` (the part used here). */
interface MatcherContext {
  readonly testPath?: string;
  readonly isNot?: boolean;
}

export interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

/** Add to your runner's Assertion/Matchers type: `toMatchChipGolden(path: string): R`. */
export interface ChipGoldenMatchers<R = unknown> {
  toMatchChipGolden(goldenPath: string): R;
}

function goldenFile(context: MatcherContext, goldenPath: string): string {
  const base = context.testPath === undefined ? process.cwd() : dirname(context.testPath);
  return resolve(base, goldenPath);
}

function compare(actual: Uint8Array, file: string): MatcherResult {
  if (!existsSync(file)) {
    return {
      pass: false,
      message: () =>
        `golden ${file} does not exist: run the test with ${UPDATE_GOLDEN_ENV}=1 to write it`,
    };
  }
  const expected = new Uint8Array(readFileSync(file));
  if (Buffer.from(expected).equals(actual)) {
    return { pass: true, message: () => `chip.bin equals golden ${file}` };
  }
  const diff = diffChips(readChip(expected, file), readChip(actual, "actual"), false);
  return {
    pass: false,
    message: () =>
      `chip.bin differs from golden ${file}; if intended, rerun with ${UPDATE_GOLDEN_ENV}=1 and review:\n${formatDiff(diff, file, "actual")}`,
  };
}

export const chipMatchers = {
  /** `expect(bytes).toMatchChipGolden(path)`: byte-identical to the golden chip.bin. */
  toMatchChipGolden(this: MatcherContext, received: Uint8Array, goldenPath: string): MatcherResult {
    const file = goldenFile(this, goldenPath);
    if (process.env[UPDATE_GOLDEN_ENV] === "1") {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, received);
      return { pass: true, message: () => `wrote golden ${file}` };
    }
    return compare(new Uint8Array(received), file);
  },
};
