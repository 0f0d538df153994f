// Every diagnostic code is raised by some test, or says why not. A code is covered when a test
// file names it (the tests that raise a code assert it by name); the few that no test can
// reach from the shared fixtures are listed below, each with the reason. A code no source
// raises is removed from the table rather than listed here.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { DIAGNOSTICS, type DiagnosticCode } from "../../src/diag/codes.js";

/** Codes no test raises, and why: a reason a reviewer can check, not "hard to test". */
const UNTESTED: Readonly<Partial<Record<DiagnosticCode, string>>> = {
  "QS4D-E123":
    "ZOH and bilinear kernels differ by O((dt A)^2) relative, so both fit only for a tiny dt; a float32 graph cannot compute that kernel within 1e-5 (exp(dt A) - 1 cancels), and every fixture graph is float32: it needs a float64 ONNX graph built for it",
  "QS4D-E127":
    "needs a QuantizeLinear on a kernel intermediate that is none of log dt, A, C, B, dA, dB, K; an edit of the fixture graphs that puts one there changes the kernel first (QS4D-E113) or leaves the data path unplaceable (QS4D-E108)",
};

/** Codes tests name on purpose although the table has none: the misspelt-code tests. */
const NOT_CODES: ReadonlySet<string> = new Set(["QS4D-E999"]);

const TEST_ROOT = new URL("..", import.meta.url).pathname;
const THIS_FILE = new URL(import.meta.url).pathname;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return /\.(ts|mjs|js)$/.test(entry.name) && path !== THIS_FILE ? [path] : [];
  });
}

/** Every code some test file (other than this one) names. */
function mentioned(): Set<string> {
  const found = new Set<string>();
  for (const file of testFiles(TEST_ROOT)) {
    for (const m of readFileSync(file, "utf8").matchAll(/QS4D-[EWN]\d{3}/g)) found.add(m[0]);
  }
  return found;
}

describe("diagnostic coverage", () => {
  const named = mentioned();
  const table = new Set<string>(DIAGNOSTICS.map((d) => d.code));

  it("every code in the table is raised by a test, or listed as untested with a reason", () => {
    const missing = [...table].filter((c) => !named.has(c) && !(c in UNTESTED));
    expect(missing, "codes no test names: add a test that raises each").toEqual([]);
  });

  it("the untested list is current: its codes exist, no test names them, each has a reason", () => {
    for (const [code, reason] of Object.entries(UNTESTED)) {
      expect(table.has(code), `${code} is not in the table`).toBe(true);
      expect(named.has(code), `${code} is tested now: remove it from UNTESTED`).toBe(false);
      expect(reason!.length).toBeGreaterThan(40);
    }
  });

  it("tests name only codes of the table (a removed code leaves no test behind)", () => {
    const unknown = [...named].filter((c) => !table.has(c) && !NOT_CODES.has(c));
    expect(unknown, `in ${relative(process.cwd(), TEST_ROOT)}`).toEqual([]);
  });
});
