// Runs one minimal case of minimal.ts by name and prints its outcome as one line of JSON:
// `npx tsx test/fuzz/run-minimal.ts UNDAMPED_MODE`. The regression of a case that hangs runs
// it through this script in a child process it can kill (regressions.test.ts).

import { runCase } from "./harness.js";
import { MINIMAL_CASES } from "./minimal.js";

const name = process.argv[2] ?? "";
const c = MINIMAL_CASES[name];
if (c === undefined) {
  console.error(`unknown case '${name}'; one of: ${Object.keys(MINIMAL_CASES).join(", ")}`);
  process.exit(2);
}
const outcome = await runCase(c);
console.log(JSON.stringify(outcome));
