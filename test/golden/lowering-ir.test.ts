// Golden IR after every lowering pass, on two shared models, and after realize-kernel on the
// kernel-only model (the only fixture that pass changes), compared as text. The files are
// reviewed as diffs and rewritten only by `npm run golden:update` (QS4DC_UPDATE_GOLDEN=1).
// Each model's pipeline runs once, in beforeAll, and keeps the IR printed after every pass;
// every `it` then checks one pass's IR alone, whichever of them run and in whatever order.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DiagnosticSink } from "../../src/diag/error.js";
import { importModel } from "../../src/import/index.js";
import type { Model } from "../../src/ir/model.js";
import { printModel } from "../../src/ir/text/index.js";
import { verifyModel } from "../../src/ir/verify-model.js";
import type { PassContext, PassOptionValue } from "../../src/passes/pass.js";
import { DEFAULT_PIPELINE } from "../../src/passes/pipeline.js";
import { REGISTRY } from "../../src/passes/registry.js";
import { builtinTarget } from "../../src/target/load.js";

const UPDATE = process.env.QS4DC_UPDATE_GOLDEN === "1";

interface GoldenCase {
  readonly model: string;
  /** The default pipeline's passes run, in its order. */
  readonly passes: readonly string[];
  /** The passes whose output has a golden file. */
  readonly golden: readonly string[];
  /** Passes that must change this model's IR (else their golden would only repeat the last). */
  readonly changes: readonly string[];
  readonly options: Readonly<Record<string, PassOptionValue>>;
}

const CASES: readonly GoldenCase[] = [
  ...["digits-qat8-h32n16-l2", "qs4d-digits-qat-h32n16-l2"].map((model) => ({
    model,
    passes: DEFAULT_PIPELINE,
    golden: DEFAULT_PIPELINE,
    changes: [],
    options: { prune: "energy:0.01" },
  })),
  // realize-kernel leaves S4D models as they are (their 02 files equal their 01 files).
  {
    model: "kernelonly-digits-h32n16-l2",
    passes: ["apply-qat", "realize-kernel"],
    golden: ["realize-kernel"],
    changes: ["realize-kernel"],
    options: {},
  },
];

function goldenPath(model: string, pass: string): URL {
  const index = DEFAULT_PIPELINE.indexOf(pass);
  return new URL(`ir/${model}/${String(index + 1).padStart(2, "0")}-${pass}.qs4d`, import.meta.url);
}

interface AfterPass {
  readonly text: string;
  readonly errors: readonly string[];
}

/** The IR text before the first pass and after each pass, and the verifier's errors on it. */
function lower(c: GoldenCase): Map<string, AfterPass> {
  let model: Model = importModel(
    new URL(`../../fixtures/models/${c.model}/weights.json`, import.meta.url).pathname,
  );
  const context: PassContext = {
    target: builtinTarget("imssa-64")!,
    options: c.options,
    calibration: null,
    calibrationLabels: null,
    diagnostics: new DiagnosticSink(),
    reports: new Map(),
  };
  const after = new Map<string, AfterPass>();
  const record = (key: string) => {
    const errors = verifyModel(model).filter((d) => d.severity === "error");
    after.set(key, { text: printModel(model), errors: errors.map((d) => d.message) });
  };
  record("input");
  for (const pass of c.passes) {
    model = REGISTRY.get(pass)!.run(model, context);
    record(pass);
  }
  return after;
}

describe.each(CASES)("golden IR of $model on imssa-64", (c) => {
  let after: Map<string, AfterPass>;
  beforeAll(() => {
    after = lower(c);
  });

  it.each(c.golden)("after %s", (pass) => {
    const { text, errors } = after.get(pass)!;
    expect(errors).toEqual([]);
    const file = goldenPath(c.model, pass);
    if (UPDATE) {
      mkdirSync(new URL(".", file), { recursive: true });
      writeFileSync(file, text);
    }
    expect(existsSync(file), `${file.pathname} is missing: run npm run golden:update`).toBe(true);
    expect(text).toBe(readFileSync(file, "utf8"));
  });

  it.each(c.changes.map((pass) => [pass, c.passes[c.passes.indexOf(pass) - 1] ?? "input"]))(
    "%s changes the IR it is given (after %s)",
    (pass, before) => {
      expect(after.get(pass)!.text).not.toBe(after.get(before)!.text);
    },
  );
});
