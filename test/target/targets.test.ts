import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { BUILTIN_TARGETS, DEFAULT_TARGET, IMSSA_64 } from "../../src/target/builtins.js";
import { loadTarget, parseTarget, schemaError, targetDigest } from "../../src/target/load.js";

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Qs4dError) return e.diagnostic.code;
    throw e;
  }
  throw new Error("expected a coded error");
}

/** Keys in reverse order, recursively: the same JSON value written differently. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reversed(x)]),
    );
  }
  return v;
}

describe("targets", () => {
  it("every built-in validates against the schema and round-trips through a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "qs4dc-target-"));
    for (const t of BUILTIN_TARGETS) {
      // The schema itself, since parseTarget takes a built-in as valid without compiling it.
      expect(schemaError(JSON.parse(JSON.stringify(t)))).toBeNull();
      expect(parseTarget(JSON.stringify(t), `${t.name}.json`)).toEqual(t);
      const file = join(dir, `${t.name}.json`);
      writeFileSync(file, JSON.stringify(reversed(t), null, 1));
      const loaded = loadTarget(file);
      expect(loaded.digest).toBe(targetDigest(t));
      expect(loaded.origin).toBe(file);
    }
  });

  it("names the default and finds built-ins by name", () => {
    expect(DEFAULT_TARGET).toBe("imssa-64");
    expect(loadTarget(undefined).description).toBe(IMSSA_64);
    expect(loadTarget("ideal").description.cell.levels).toBe("model");
    expect(IMSSA_64.array).toEqual({ rows: 64, cols: 64, count: null });
  });

  it("digests differ when a field differs and cite every energy figure", () => {
    const digests = new Set(BUILTIN_TARGETS.map(targetDigest));
    expect(digests.size).toBe(BUILTIN_TARGETS.length);
    const changed = { ...IMSSA_64, adc: { ...IMSSA_64.adc, bits: 7 } };
    expect(targetDigest(changed)).not.toBe(targetDigest(IMSSA_64));
    for (const t of BUILTIN_TARGETS) {
      for (const e of Object.values(t.energy)) expect(e.source.length).toBeGreaterThan(10);
    }
  });

  it("rejects bad files with coded errors", () => {
    expect(code(() => loadTarget("no-such-target"))).toBe("QS4D-E400");
    expect(code(() => parseTarget("{", "t.json"))).toBe("QS4D-E401");
    const bad = (patch: object) => JSON.stringify({ ...IMSSA_64, ...patch });
    expect(code(() => parseTarget(bad({ encoding: "triple" }), "t.json"))).toBe("QS4D-E402");
    expect(code(() => parseTarget(bad({ extra: 1 }), "t.json"))).toBe("QS4D-E402");
    expect(
      code(() => parseTarget(bad({ cell: { ...IMSSA_64.cell, gMaxUs: 0.5 } }), "t.json")),
    ).toBe("QS4D-E403");
    expect(
      code(() => parseTarget(bad({ bitSlicing: { allowed: false, maxSlices: 2 } }), "t.json")),
    ).toBe("QS4D-E403");
  });
});
