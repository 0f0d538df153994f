import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { parseModel } from "../../src/ir/text/index.js";

const VALID = `model @m (quant_scheme = none, pooling = mean) {
  config (d_in = 1, channels = 1, state = 0, classes = 1, length = null)
  encoder (in = 1, out = 1) {
    weight: f32[1,1] = [[1]]
  }
  decoder (in = 1, out = 1) {
    weight: f32[1,1] = [[1]]
    bias: f32[1] = [0]
  }
}
`;

/** Line and column (1-based) of the n-th occurrence of `needle`, found by plain string search. */
function at(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let k = 0; k < occurrence; k++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`'${needle}' not in the test text`);
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function replace(from: string, to: string, occurrence = 1): string {
  let index = -1;
  for (let k = 0; k < occurrence; k++) index = VALID.indexOf(from, index + 1);
  if (index < 0) throw new Error(`'${from}' not in VALID`);
  return VALID.slice(0, index) + to + VALID.slice(index + from.length);
}

interface Case {
  readonly name: string;
  readonly text: string;
  readonly code: string;
  /** Where the error points: the n-th occurrence of this text, or an explicit position. */
  readonly at: string | [string, number] | { line: number; column: number };
  readonly says: RegExp;
}

const CASES: Case[] = [
  {
    name: "a character no token starts with",
    text: replace("d_in = 1,", "d_in = 1 $"),
    code: "QS4D-E006",
    at: "$",
    says: /unexpected character "\$"/,
  },
  {
    name: "a missing comma between attributes",
    text: replace("d_in = 1,", "d_in = 1"),
    code: "QS4D-E007",
    at: "channels = 1, state",
    says: /expected '\)' but found 'channels'/,
  },
  {
    name: "a missing closing brace",
    text: VALID.slice(0, VALID.lastIndexOf("}")),
    code: "QS4D-E007",
    at: { line: 10, column: 1 },
    says: /expected '}' but found end of input/,
  },
  {
    name: "a tensor without values or digest",
    text: replace("    bias: f32[1] = [0]\n", "    bias: f32[1]\n"),
    code: "QS4D-E007",
    at: ["}", 2],
    says: /expected '#digest' or '= \[values\]'.* but found '}'/,
  },
  {
    name: "an attribute without a value",
    text: replace("length = null", "length = )"),
    code: "QS4D-E007",
    at: "))",
    says: /expected a value .* but found '\)'/,
  },
  {
    name: "an unknown node keyword",
    text: replace("  decoder", "  mixer (in = 1) {}\n  decoder"),
    code: "QS4D-E008",
    at: "mixer",
    says: /unknown node 'mixer' in model @m; expected one of: .*encoder.*layer.*decoder/,
  },
  {
    name: "a missing required attribute",
    text: replace(" classes = 1,", ""),
    code: "QS4D-E009",
    at: "config",
    says: /missing required attribute 'classes' in model @m > config/,
  },
  {
    name: "a missing required node",
    text: VALID.replace(/ {2}decoder[\s\S]*?\n {2}}\n/, ""),
    code: "QS4D-E009",
    at: "model",
    says: /missing required node 'decoder'/,
  },
  {
    name: "a fraction where an integer belongs",
    text: replace("d_in = 1", "d_in = 1.5"),
    code: "QS4D-E010",
    at: "1.5",
    says: /attribute 'd_in' of model @m > config must be an integer, found '1.5'/,
  },
  {
    name: "an enum value that does not exist",
    text: replace("pooling = mean", "pooling = max"),
    code: "QS4D-E010",
    at: "max",
    says: /must be one of mean, found 'max'/,
  },
  {
    name: "too many values for the shape",
    text: replace("bias: f32[1] = [0]", "bias: f32[1] = [0, 1]"),
    code: "QS4D-E011",
    at: "[0, 1]",
    says: /tensor 'bias' of type f32\[1\]: lists 2 values, the shape holds 1/,
  },
  {
    name: "rows nested against the shape",
    text: replace("weight: f32[1,1] = [[1]]", "weight: f32[1,2] = [[1], [2]]"),
    code: "QS4D-E011",
    at: "[[1], [2]]",
    says: /holds 2 values, the shape says 1/,
  },
  {
    name: "a digest that is not a SHA-256",
    text: replace("weight: f32[1,1] = [[1]]", "weight: f32[1,1] #abc123"),
    code: "QS4D-E012",
    at: "#abc123",
    says: /bad digest '#abc123'/,
  },
  {
    name: "an attribute given twice",
    text: replace("state = 0,", "state = 0, state = 2,"),
    code: "QS4D-E013",
    at: ["state", 2],
    says: /duplicate attribute 'state' in model @m > config/,
  },
  {
    name: "a node given twice",
    text: replace(
      "  encoder",
      "  config (d_in = 1, channels = 1, state = 0, classes = 1, length = 1)\n  encoder",
    ),
    code: "QS4D-E013",
    at: ["config", 2],
    says: /duplicate node 'config' in model @m/,
  },
  {
    name: "an unknown attribute",
    text: replace("length = null", "length = null, depth = 3"),
    code: "QS4D-E014",
    at: "depth",
    says: /unknown attribute 'depth' in model @m > config; expected one of: d_in, channels, state, classes, length/,
  },
  {
    name: "a complex dtype",
    text: replace("bias: f32[1]", "bias: c64[1]"),
    code: "QS4D-E015",
    at: "c64",
    says: /unknown dtype 'c64' of tensor 'bias'/,
  },
  {
    name: "a word among tensor values",
    text: replace("bias: f32[1] = [0]", "bias: f32[1] = [zero]"),
    code: "QS4D-E016",
    at: "zero",
    says: /bad value zero in tensor 'bias' \(f32\): not a number/,
  },
  {
    name: "a model without a name",
    text: replace("model @m (", "model ("),
    code: "QS4D-E017",
    at: "model",
    says: /bad head of node 'model': expected the model's name .*found none/,
  },
  {
    name: "layers out of order",
    text: replace(
      "  decoder",
      "  layer 1 (activation = none, residual = false, norm_position = pre) {\n    ssm kernel (channels = 1, modes = 0, discretization = zoh) { k: f32[1,1] = [[1]] d: f32[1] = [0] }\n  }\n  decoder",
    ),
    code: "QS4D-E017",
    at: "layer",
    says: /expected 0, found 1/,
  },
  {
    name: "an unknown tensor",
    text: replace("    bias: f32[1] = [0]", "    bias: f32[1] = [0]\n    scale: f32[1] = [2]"),
    code: "QS4D-E018",
    at: "scale",
    says: /unknown tensor 'scale' in model @m > decoder; expected one of: weight, bias/,
  },
  {
    name: "a negative dimension",
    text: replace("bias: f32[1]", "bias: f32[-1]"),
    code: "QS4D-E019",
    at: "-1]",
    says: /bad dimension '-1' in the shape of tensor 'bias'/,
  },
  {
    name: "two models in one file",
    text: VALID + VALID,
    code: "QS4D-E020",
    at: ["model", 2],
    says: /exactly one 'model' node at top level, found 'model', 'model'/,
  },
];

function expectedPos(c: Case): { line: number; column: number } {
  if (typeof c.at === "string") return at(c.text, c.at);
  if (Array.isArray(c.at)) return at(c.text, c.at[0], c.at[1]);
  return c.at;
}

describe("malformed IR text", () => {
  it("the base text is valid", () => {
    expect(parseModel(VALID).name).toBe("m");
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.code} at its line:column`, () => {
      let error: unknown;
      try {
        parseModel(c.text, "case.qs4d");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Qs4dError);
      const d = (error as Qs4dError).diagnostic;
      expect(d.code).toBe(c.code);
      expect(d.message).toMatch(c.says);
      expect(d.location.file).toBe("case.qs4d");
      expect({ line: d.location.line, column: d.location.column }).toEqual(expectedPos(c));
      expect(d.hint).not.toBe("");
      expect((error as Error).message).toContain(
        `case.qs4d:${d.location.line}:${d.location.column}`,
      );
    });
  }

  it("covers at least ten distinct codes", () => {
    expect(new Set(CASES.map((c) => c.code)).size).toBeGreaterThanOrEqual(10);
  });
});
