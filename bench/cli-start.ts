// CLI start-up (issue 13): `npx tsx bench/cli-start.ts` (after `npm run build`). Prints the
// median wall time of the built CLI for `--version`, for `compile --help` (the compile
// command's modules loaded, no model read: when a compile starts its work) and a bare
// `node -e 0` for scale, over --runs N runs each (default 10). Figures only, never asserted;
// on a loaded machine compare them with the bare node line.

import { spawnSync } from "node:child_process";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = `${ROOT}dist/src/cli/main.js`;
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag < 0 ? 10 : Number(process.argv[runsFlag + 1]);

function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
    if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const cases: [string, string[]][] = [
  ["node -e 0 (bare node)", ["-e", "0"]],
  ["qs4dc --version", [CLI, "--version"]],
  ["qs4dc compile --help (compile's modules loaded)", [CLI, "compile", "--help"]],
];
for (const [name, args] of cases) {
  console.log(`${name.padEnd(50)} ${medianMs(args).toFixed(0).padStart(6)} ms (median of ${RUNS})`);
}
