// The mutation fuzzer's seeded quick run (the long run: `npm run fuzz:mutate -- --minutes N`):
// mutated weights.json, ONNX, IR text, .npy and chip.bin files through the real command line.
// Every case must exit 0, 1 or 2, with a code on every 2, no stack trace, no file left behind
// on failure and nothing touched outside its folder (test/fuzz/mutate/harness.ts).

import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { buildCorpus, type Corpus, newRoot, runMutationCase } from "./mutate/harness.js";

const SEED = 20261204;
const CASES = 150;

/**
 * Cases of seed 7 that failed before issue 11 was fixed (the fuzzer run against fde21e2):
 * an IR tensor of 2^32+ elements (exit 3, "Invalid typed array length") and NaN logits
 * written by run and sim from finite or edited inputs (chip.bin Inf tensors, 1e300 inputs).
 */
const REGRESSIONS: readonly number[] = [72, 1016, 1361, 54, 131, 100, 106, 242, 723];
const root = newRoot(tmpdir());
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("mutation fuzz, quick seeded run", () => {
  let corpus: Corpus;

  it(`${CASES} mutated inputs: no crash, no uncoded error, nothing left behind`, async () => {
    corpus = await buildCorpus(root);
    const findings: string[] = [];
    const exits = new Set<number>();
    for (let index = 0; index < CASES; index++) {
      const r = await runMutationCase(corpus, SEED, index);
      exits.add(r.exit);
      if (r.finding !== null)
        findings.push(`case ${index} (${r.kind}): ${r.finding}: ${r.argv.join(" ")}`);
    }
    expect(findings).toEqual([]);
    // The mutations reach both outcomes: refusals and inputs that still run.
    expect(exits).toContain(0);
    expect(exits).toContain(2);
  }, 180_000);

  it("the cases it found before the fixes stay fixed", async () => {
    const findings: string[] = [];
    for (const index of REGRESSIONS) {
      const r = await runMutationCase(corpus, 7, index);
      if (r.finding !== null) findings.push(`seed 7 case ${index} (${r.kind}): ${r.finding}`);
    }
    expect(findings).toEqual([]);
  }, 60_000);
});
