// Golden IR after every lowering pass, on two shared models, compared as text. The files are
// reviewed as diffs and rewritten only by `npm run golden:update` (QS4DC_UPDATE_GOLDEN=1).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticSink } from "../../src/diag/error.js";
import { importModel } from "../../src/import/index.js";
import type { Model } from "../../src/ir/model.js";
import { printModel } from "../../src/ir/text/index.js";
import { verifyModel } from "../../src/ir/verify.js";
import type { PassContext } from "../../src/passes/pass.js";
import { DEFAULT_PIPELINE } from "../../src/passes/pipeline.js";
import { REGISTRY } from "../../src/passes/registry.js";
import { builtinTarget } from "../../src/target/load.js";

const UPDATE = process.env.QS4DC_UPDATE_GOLDEN === "1";
const MODELS = ["digits-qat8-h32n16-l2", "qs4d-digits-qat-h32n16-l2"];

function goldenPath(model: string, index: number, pass: string): URL {
  return new URL(`ir/${model}/${String(index + 1).padStart(2, "0")}-${pass}.qs4d`, import.meta.url);
}

describe.each(MODELS)("golden IR of %s on imssa-64", (name) => {
  let model: Model = importModel(
    new URL(`../../fixtures/models/${name}/weights.json`, import.meta.url).pathname,
  );
  const context: PassContext = {
    target: builtinTarget("imssa-64")!,
    options: { prune: "energy:0.01" },
    calibration: null,
    calibrationLabels: null,
    diagnostics: new DiagnosticSink(),
    reports: new Map(),
  };
  DEFAULT_PIPELINE.forEach((pass, index) => {
    it(`after ${pass}`, () => {
      model = REGISTRY.get(pass)!.run(model, context);
      expect(verifyModel(model).filter((d) => d.severity === "error")).toEqual([]);
      const text = printModel(model);
      const file = goldenPath(name, index, pass);
      if (UPDATE) {
        mkdirSync(new URL(".", file), { recursive: true });
        writeFileSync(file, text);
      }
      expect(existsSync(file), `${file.pathname} is missing: run npm run golden:update`).toBe(true);
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  });
});
