// The one mapping from CLI flags and API options to pass options (src/driver/pass-options.ts)
// covers exactly the options the passes declare, under their camelCased names.

import { describe, expect, it } from "vitest";
import { LOWERING_CHOICE_KEYS, passOptions } from "../../src/driver/pass-options.js";
import { REGISTRY } from "../../src/passes/registry.js";

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe("flags and API options -> pass options", () => {
  it("maps every declared option from its camelCased name, and nothing else", () => {
    const declared = REGISTRY.options.map((o) => o.name);
    expect([...LOWERING_CHOICE_KEYS].sort()).toEqual(declared.map(camel).sort());
    const given = Object.fromEntries(LOWERING_CHOICE_KEYS.map((k) => [k, "1"]));
    expect(Object.keys(passOptions(given)).sort()).toEqual([...declared].sort());
  });

  it("gives values as strings, and leaves out what was not given (or false)", () => {
    expect(passOptions({ realizeModes: 4, maxError: 0.02, allowLoss: true })).toEqual({
      "realize-modes": "4",
      "max-error": "0.02",
      "allow-loss": "true",
    });
    expect(passOptions({ allowLoss: false })).toEqual({});
  });
});
