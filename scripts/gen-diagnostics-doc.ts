// Writes docs/diagnostics.md from the diagnostics table (src/diag/codes.ts).
// test/diag/diagnostics-doc.test.ts fails when the committed file is out of step.
import { writeFileSync } from "node:fs";
import { renderDiagnosticsDoc } from "../src/diag/doc.js";

writeFileSync(new URL("../docs/diagnostics.md", import.meta.url), renderDiagnosticsDoc());
