import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DIAGNOSTICS, type DiagnosticCode } from "../../src/diag/codes.js";
import { renderDiagnosticsDoc } from "../../src/diag/doc.js";
import { DiagnosticSink, fail, makeDiagnostic, Qs4dError } from "../../src/diag/error.js";

describe("diagnostics table", () => {
  it("docs/diagnostics.md is in step with the table (regenerate: npx tsx scripts/gen-diagnostics-doc.ts)", () => {
    const doc = readFileSync(new URL("../../docs/diagnostics.md", import.meta.url), "utf8");
    expect(doc).toBe(renderDiagnosticsDoc());
  });

  it("codes are unique, well formed and in the severity's series", () => {
    const codes = DIAGNOSTICS.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const d of DIAGNOSTICS) {
      expect(d.code).toMatch(/^QS4D-[EWN]\d{3}$/);
      const letter = d.code[5];
      expect({ E: "error", W: "warning", N: "note" }[letter as "E"]).toBe(d.severity);
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.hint.length).toBeGreaterThan(0);
    }
  });

  it("fail() raises a coded error with filled message and location", () => {
    try {
      fail("QS4D-E001", { file: "a.onnx", reason: "no such file" }, { file: "a.onnx" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Qs4dError);
      const e = error as Qs4dError;
      expect(e.exitCode).toBe(2);
      expect(e.diagnostic.message).toBe("cannot read 'a.onnx': no such file");
      expect(e.message).toContain("a.onnx: error QS4D-E001");
    }
  });

  it("unknown codes do not compile, and from untyped callers are a programming error", () => {
    // @ts-expect-error: not a row of the table (tsc --noEmit fails if this ever compiles)
    expect(() => fail("QS4D-E999")).toThrow(/unknown diagnostic code/);
    // @ts-expect-error: a misspelt warning code does not compile either
    expect(() => new DiagnosticSink().warn("QS4D-W4O2")).toThrow(/unknown diagnostic code/);
    expect(() => makeDiagnostic("QS4D-E99" as DiagnosticCode)).toThrow(/unknown diagnostic code/);
  });

  it("every code of the table is a DiagnosticCode", () => {
    const codes: readonly DiagnosticCode[] = DIAGNOSTICS.map((d) => d.code);
    const sample: DiagnosticCode = "QS4D-E001";
    expect(codes).toContain(sample);
  });
});
