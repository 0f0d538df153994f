// Runs the whole vitest suite and prints the one closing line CI reads:
// "N passed, N failed[, N skipped]". Exit code is vitest's (non-zero when anything failed).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const report = ".vitest-report.json";
rmSync(report, { force: true });
const run = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
  { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } },
);
if (!existsSync(report)) {
  console.log("0 passed, 1 failed");
  process.exit(run.status === 0 ? 1 : (run.status ?? 1));
}
const r = JSON.parse(readFileSync(report, "utf8"));
const skipped = r.numPendingTests + (r.numTodoTests ?? 0);
// A test file that fails to load has no assertions of its own: count it as one failure.
const brokenFiles = (r.testResults ?? []).filter(
  (s) => s.status === "failed" && s.assertionResults.length === 0,
).length;
const line = `${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed${skipped ? `, ${skipped} skipped` : ""}`;
console.log(line);
process.exit(run.status ?? 1);
