import { describe, expect, it } from "vitest";
import { DiagnosticSink, Qs4dError } from "../../src/diag/error.js";
import type { Model } from "../../src/ir/model.js";
import { f32 } from "../../src/ir/tensor.js";
import { parseModel, printModel } from "../../src/ir/text/index.js";
import { runPasses } from "../../src/passes/manager.js";
import type { Pass, PassContext } from "../../src/passes/pass.js";
import { makeRegistry, PASSES } from "../../src/passes/registry.js";
import { sampleModel } from "../ir/helpers.js";

/** Test-only passes, never in the real registry. */
function suffix(tag: string, log: string[]): Pass {
  return {
    name: `suffix-${tag}`,
    description: `append .${tag} to the model name`,
    options: [],
    run: (model) => {
      log.push(tag);
      return { ...model, name: `${model.name}.${tag}` };
    },
  };
}

const breakDecoder: Pass = {
  name: "break-decoder",
  description: "give the decoder bias a wrong shape (a buggy pass)",
  options: [],
  run: (model) => ({ ...model, decoder: { ...model.decoder, bias: f32([7]) } }),
};

function setup() {
  const log: string[] = [];
  const registry = makeRegistry([
    suffix("a", log),
    suffix("b", log),
    suffix("c", log),
    breakDecoder,
  ]);
  const context: PassContext = {
    target: null,
    options: {},
    calibration: null,
    calibrationLabels: null,
    diagnostics: new DiagnosticSink(),
    reports: new Map(),
  };
  return { log, registry, context, model: sampleModel() };
}

function codeOf(f: () => unknown): { code: string; message: string; exitCode: number } {
  try {
    f();
  } catch (e) {
    if (e instanceof Qs4dError) {
      return { code: e.diagnostic.code, message: e.diagnostic.message, exitCode: e.exitCode };
    }
    throw e;
  }
  throw new Error("expected a Qs4dError");
}

describe("pass manager", () => {
  it("runs passes in the order given", () => {
    const { registry, context, model, log } = setup();
    const out = runPasses(model, ["suffix-b", "suffix-a", "suffix-c"], context, {}, registry);
    expect(out.name).toBe("sample.b.a.c");
    expect(log).toEqual(["b", "a", "c"]);
    expect(model.name).toBe("sample");
  });

  it("stops after --stop-after", () => {
    const { registry, context, model, log } = setup();
    const out = runPasses(
      model,
      ["suffix-a", "suffix-b", "suffix-c"],
      context,
      { stopAfter: "suffix-b" },
      registry,
    );
    expect(out.name).toBe("sample.a.b");
    expect(log).toEqual(["a", "b"]);
  });

  it("prints the IR after the passes named by --print-after", () => {
    const { registry, context, model } = setup();
    const printed: [string, string][] = [];
    runPasses(
      model,
      ["suffix-a", "suffix-b", "suffix-c"],
      context,
      {
        printAfter: ["suffix-b"],
        onPrint: (pass, text) => printed.push([pass, text]),
      },
      registry,
    );
    expect(printed.map(([p]) => p)).toEqual(["suffix-b"]);
    expect(parseModel(printed[0]![1]).name).toBe("sample.a.b");
    expect(printed[0]![1]).toContain(" #"); // digests by default
  });

  it("prints after every pass with --print-after-all, in full with --print-tensors", () => {
    const { registry, context, model } = setup();
    const printed: [string, string][] = [];
    runPasses(
      model,
      ["suffix-a", "suffix-b"],
      context,
      {
        printAfterAll: true,
        printTensors: true,
        onPrint: (pass, text) => printed.push([pass, text]),
      },
      registry,
    );
    expect(printed.map(([p]) => p)).toEqual(["suffix-a", "suffix-b"]);
    expect(printed[1]![1]).toBe(printModel({ ...model, name: "sample.a.b" }, { tensors: "full" }));
  });

  it("rejects an unknown pass before running anything, listing the known ones", () => {
    const { registry, context, model, log } = setup();
    const e = codeOf(() =>
      runPasses(model, ["suffix-a", "fold-everything"], context, {}, registry),
    );
    expect(e.code).toBe("QS4D-E050");
    expect(e.message).toContain("'fold-everything'");
    expect(e.message).toContain("suffix-a, suffix-b, suffix-c, break-decoder");
    expect(log).toEqual([]);
  });

  it("rejects an option no registered pass declares, before running anything (exit 2)", () => {
    const { registry, context, model, log } = setup();
    const withOption = (options: PassContext["options"]) =>
      codeOf(() => runPasses(model, ["suffix-a"], { ...context, options }, {}, registry));
    const none = withOption({ "max-eror": "0.02" });
    expect([none.code, none.exitCode]).toEqual(["QS4D-E055", 2]);
    expect(none.message).toContain("'max-eror'");
    expect(log).toEqual([]);
    // The real passes' options are known to the real registry, and only those.
    const real = { ...context, options: { "max-eror": "0.02" } };
    const known = codeOf(() => runPasses(model, ["apply-qat"], real, {}, makeRegistry(PASSES)));
    expect(known.code).toBe("QS4D-E055");
    expect(known.message).toContain("max-error");
    const tagged: Pass = {
      ...suffix("d", log),
      options: [{ name: "tag", type: "string", default: null, description: "a tag" }],
    };
    const declared = makeRegistry([tagged]);
    const model2 = runPasses(
      model,
      ["suffix-d"],
      { ...context, options: { tag: "x" } },
      {},
      declared,
    );
    expect(model2.name).toBe("sample.d");
  });

  it("rejects --print-after and --stop-after of passes outside the pipeline", () => {
    const { registry, context, model } = setup();
    expect(
      codeOf(() => runPasses(model, ["suffix-a"], context, { printAfter: ["suffix-b"] }, registry))
        .code,
    ).toBe("QS4D-E052");
    expect(
      codeOf(() => runPasses(model, ["suffix-a"], context, { stopAfter: "suffix-c" }, registry))
        .code,
    ).toBe("QS4D-E052");
  });

  it("--verify-each catches a pass that breaks the IR (internal error, exit 3)", () => {
    const { registry, context, model, log } = setup();
    const pipeline = ["suffix-a", "break-decoder", "suffix-b"];
    const e = codeOf(() => runPasses(model, pipeline, context, { verifyEach: true }, registry));
    expect(e.code).toBe("QS4D-E051");
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("pass 'break-decoder' produced an invalid model");
    expect(e.message).toContain("QS4D-E031");
    expect(log).toEqual(["a"]);
  });

  it("always verifies the pipeline's output: without --verify-each a broken model is QS4D-E054 (exit 3)", () => {
    const { registry, context, model, log } = setup();
    const pipeline = ["suffix-a", "break-decoder", "suffix-b"];
    const e = codeOf(() => runPasses(model, pipeline, context, {}, registry));
    expect([e.code, e.exitCode]).toEqual(["QS4D-E054", 3]);
    expect(e.message).toContain("the pipeline suffix-a,break-decoder,suffix-b produced");
    expect(e.message).toContain("QS4D-E031");
    expect(log).toEqual(["a", "b"]);
    // --stop-after: the output is what the last pass run produced
    const stopped = codeOf(() =>
      runPasses(model, pipeline, context, { stopAfter: "break-decoder" }, registry),
    );
    expect(stopped.message).toContain("the pipeline suffix-a,break-decoder produced");
  });

  it("always verifies the pipeline's input: an invalid one is bad input (its own code, exit 2), before any pass", () => {
    const { registry, context, model, log } = setup();
    const broken: Model = { ...model, decoder: { ...model.decoder, bias: f32([7]) } };
    const e = codeOf(() => runPasses(broken, ["suffix-a"], context, {}, registry));
    expect([e.code, e.exitCode]).toEqual(["QS4D-E031", 2]);
    expect(log).toEqual([]);
  });

  it("the real registry has unique kebab-case names and one-line descriptions", () => {
    const names = PASSES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PASSES) {
      expect(p.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(p.description).not.toMatch(/\n/);
      expect(p.description.length).toBeGreaterThan(0);
    }
    expect(() => makeRegistry([breakDecoder, breakDecoder])).toThrow(/registered twice/);
  });

  it("every real pass declares the options it reads: name, type, default, description", () => {
    const byPass = Object.fromEntries(PASSES.map((p) => [p.name, p.options.map((o) => o.name)]));
    expect(byPass).toEqual({
      "apply-qat": [],
      "realize-kernel": ["realize-modes", "realize-tolerance"],
      discretize: [],
      requantize: ["seq-len", "max-error", "max-accuracy-drop", "allow-loss", "state-update"],
      prune: ["prune", "seq-len", "max-error"],
      "layout-imssa": [],
      tile: [],
      "map-conductance": [],
    });
    for (const o of makeRegistry(PASSES).options) {
      expect(o.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(["integer", "number", "boolean", "string"]).toContain(o.type);
      expect(o.description).not.toMatch(/\n/);
      if (o.default !== null && o.type !== "string") {
        expect(typeof o.default).toBe(o.type === "integer" ? "number" : o.type);
      }
      if (o.values !== undefined) expect(o.values).toContain(o.default);
    }
    // One option read by two passes is one declaration.
    const a: Pass = {
      ...breakDecoder,
      name: "a",
      options: [{ name: "x", type: "number", default: 1, description: "x" }],
    };
    const b: Pass = {
      ...a,
      name: "b",
      options: [{ name: "x", type: "number", default: 2, description: "x" }],
    };
    expect(() => makeRegistry([a, b])).toThrow(/declares option 'x' unlike another pass/);
    expect(makeRegistry([a, { ...a, name: "c" }]).options).toHaveLength(1);
  });
});
