// The differential fuzzer's quick seeded run (issue 10, item 3): random small S4D models on
// random targets with random lowering options, compiled end to end to chip.bin, then the
// integer emulator (the lowered IR) and the ideal simulation of chip.bin on the same random
// inputs. The logits must be equal bit for bit and finite, and every refusal must be a coded
// diagnostic of a user input problem (exit code 2). Findings that are reported bugs of code
// this test does not own (known.ts) are listed, not failed; their regression cases are in
// regressions.test.ts. The long run: `npm run fuzz -- --minutes 20` (test/fuzz/run.ts).

import { describe, expect, it } from "vitest";
import { caseAt, describeCase } from "./cases.js";
import { runCase, signature } from "./harness.js";
import { knownBug } from "./known.js";

const SEED = 20_251_010;
const CASES = 600;
const CHUNK = 50;
/** Below this share of cases reaching both executors the generator has gone degenerate. */
const MIN_AGREED = 0.3;

const chunks = Array.from({ length: CASES / CHUNK }, (_, i) => [i * CHUNK, (i + 1) * CHUNK]);

describe(`differential fuzz, seed ${SEED}: emulator == ideal simulator, refusals coded`, () => {
  it.each(chunks)("cases %i..%i", async (from, to) => {
    const unknown: string[] = [];
    const known = new Map<string, number>();
    let agreed = 0;
    for (let index = from!; index < to!; index++) {
      const c = caseAt(SEED, index);
      const outcome = await runCase(c);
      if (outcome.kind === "agree") agreed++;
      if (outcome.kind !== "finding") continue;
      const bug = knownBug(outcome.finding);
      if (bug !== undefined) {
        known.set(bug.id, (known.get(bug.id) ?? 0) + 1);
        continue;
      }
      unknown.push(
        `(seed ${SEED}, index ${index}) ${signature(outcome.finding)}\n${outcome.finding.summary}\n${outcome.finding.detail}\n${describeCase(c)}`,
      );
    }
    if (known.size > 0) {
      const list = [...known].map(([id, n]) => `${id} x${n}`).join(", ");
      console.log(`cases ${from}..${to}: known bugs hit (test/fuzz/known.ts): ${list}`);
    }
    expect(unknown, unknown.join("\n\n")).toEqual([]);
    expect(agreed / (to! - from!)).toBeGreaterThanOrEqual(MIN_AGREED);
  });
});
