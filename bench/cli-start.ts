// CLI start-up (issue 13): `npx tsx bench/cli-start.ts [--runs N] [--cli FILE]` (after
// `npm run build`). Times the built CLI (package.json's bin, or --cli FILE, e.g. an older
// build's dist/src/cli/main.js to compare) as a user runs it, median wall time of N runs each
// (default 10), from spawn to exit:
// - `--version`;
// - when a compile starts its work: `qs4dc compile` of a model file that does not exist, which
//   ends in the coded QS4D-E001 at the start of the import, after the arguments are parsed and
//   the compile command's modules are loaded (checked: exit 2 and that code, every run);
// - the whole compile of examples/digits-qat8.onnx to a chip.bin;
// - a bare `node -e 0`, for scale.
// Figures only, never asserted; the machine's load is printed before and after, and on a
// loaded machine compare them with the bare node line.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const RUNS = Number(flag("--runs") ?? 10);
const bin = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).bin.qs4dc as string;
const CLI = resolve(flag("--cli") ?? join(ROOT, bin));

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly exit: number;
  readonly stderr?: string;
}

function medianMs(c: Case): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, { cwd: ROOT, encoding: "utf8" });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== c.exit || !r.stderr.includes(c.stderr ?? ""))
      throw new Error(`${c.name}: exit ${r.status}, expected ${c.exit}\n${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const out = mkdtempSync(join(tmpdir(), "qs4dc-cli-start-"));
const cases: Case[] = [
  { name: "node -e 0 (bare node)", args: ["-e", "0"], exit: 0 },
  { name: "qs4dc --version", args: [CLI, "--version"], exit: 0 },
  {
    name: "compile starts work (missing model: QS4D-E001)",
    args: [CLI, "compile", join(out, "missing.onnx"), "-o", join(out, "never.bin")],
    exit: 2,
    stderr: "QS4D-E001",
  },
  {
    name: "compile examples/digits-qat8.onnx (whole)",
    args: [CLI, "examples/digits-qat8.onnx", "-o", join(out, "chip.bin"), "--force", "-q"],
    exit: 0,
  },
];
console.log(`# ${CLI}\n# load average before: ${load()}`);
try {
  for (const c of cases)
    console.log(
      `${c.name.padEnd(50)} ${medianMs(c).toFixed(0).padStart(6)} ms (median of ${RUNS})`,
    );
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(`# load average after: ${load()}`);
