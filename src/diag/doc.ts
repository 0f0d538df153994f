import { DIAGNOSTICS } from "./codes.js";

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** docs/diagnostics.md, generated: one row per code, sorted by code. */
export function renderDiagnosticsDoc(): string {
  const rows = [...DIAGNOSTICS]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((d) => `| ${d.code} | ${d.severity} | ${cell(d.message)} | ${cell(d.hint)} |`);
  return [
    "# Diagnostics",
    "",
    "Every user-facing problem qs4dc reports has a stable code. Codes are never reused for another",
    "meaning. Errors exit with code 2 (bad input or usage) unless noted: 1 is a verification",
    "mismatch, 3 an internal error. `{name}` marks a value filled in from the actual problem; every",
    "diagnostic also names where it happened (file, JSON path, tensor, ONNX node or line:column).",
    "The limits every reader checks, and how outputs are written, are in [limits.md](limits.md).",
    "",
    "This file is generated from `src/diag/areas/*.ts` by `npx tsx scripts/gen-diagnostics-doc.ts`;",
    "a test fails when it is out of step with the table.",
    "",
    "| code | severity | message | hint |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
