// The long mutation fuzz: `npm run fuzz:mutate -- --minutes 20 --seed 7` (or --cases N).
// Mutates every input kind (weights.json, ONNX, IR text, .npy, chip.bin) and runs the real
// command line on each case in-process; prints the cases, the exit codes, the codes by input
// kind, and every finding (crash, uncoded exit 2, stack trace, file left behind, file touched
// outside the case, non-finite output) with its (seed, index) to rebuild it. Exit 1 on any
// finding. Cases run in this process: a hang or a process death stops the run (the last
// "case N" line printed names it).
//
//   --seed S   (default: from the clock, printed)   --minutes M  (default 10)
//   --cases N  stop after N cases                    --from I     first index (default 0)
//   --case I   only case I, with its command line and stderr

import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { positiveMinutes, wholeNumber } from "../args.js";
import { buildCorpus, type CaseResult, newRoot, runMutationCase } from "./harness.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    minutes: { type: "string", default: "10" },
    cases: { type: "string" },
    from: { type: "string", default: "0" },
    case: { type: "string" },
  },
});

const seed = wholeNumber("seed", values.seed, Date.now() % 1_000_000);
const minutes = positiveMinutes(values.minutes);
const maxCases =
  values.cases === undefined ? Number.POSITIVE_INFINITY : wholeNumber("cases", values.cases, 0);
const from = wholeNumber("from", values.from, 0);

const root = newRoot(tmpdir());
const corpus = await buildCorpus(root);

if (values.case !== undefined) {
  const r = await runMutationCase(corpus, seed, wholeNumber("case", values.case, 0));
  console.log(`seed ${seed} case ${r.index}: ${r.kind}, exit ${r.exit}, ${r.finding ?? "clean"}`);
  console.log(`qs4dc ${r.argv.join(" ")}`);
  console.log(r.stderr);
  rmSync(root, { recursive: true, force: true });
  process.exit(r.finding === null ? 0 : 1);
}

const deadline = Date.now() + minutes * 60_000;
const exits = new Map<number, number>();
const codes = new Map<string, number>();
const findings: CaseResult[] = [];
let cases = 0;
console.log(
  `mutation fuzz: seed ${seed}, from case ${from}, ${Number.isFinite(maxCases) ? `${maxCases} cases` : `${minutes} min`}`,
);
for (let index = from; cases < maxCases && Date.now() < deadline; index++) {
  const r = await runMutationCase(corpus, seed, index);
  cases++;
  exits.set(r.exit, (exits.get(r.exit) ?? 0) + 1);
  const key = `${r.kind} ${r.code ?? (r.exit === 0 ? "ok" : `exit ${r.exit}`)}`;
  codes.set(key, (codes.get(key) ?? 0) + 1);
  if (r.finding !== null) {
    findings.push(r);
    console.log(
      `FINDING seed ${seed} case ${index} (${r.kind}): ${r.finding}\n  qs4dc ${r.argv.join(" ")}\n  ${r.stderr.split("\n").slice(0, 3).join("\n  ")}`,
    );
  }
  if (cases % 500 === 0) console.log(`case ${index}: ${cases} run, ${findings.length} findings`);
}
rmSync(root, { recursive: true, force: true });

const count = (what: RegExp) => findings.filter((f) => what.test(f.finding!)).length;
console.log(`\n${cases} cases, seed ${seed}, cases ${from}..${from + cases - 1}`);
console.log(
  `exit codes: ${[...exits]
    .sort((a, b) => a[0] - b[0])
    .map(([e, n]) => `${e}: ${n}`)
    .join(", ")}`,
);
console.log(
  `findings: ${findings.length} (crashes ${count(/^exit \d+$/)}, uncoded ${count(/^exit 2 without/)}, stack traces ${count(/^stack/)}, leftovers ${count(/^left behind/)}, touched outside ${count(/^a seed file/)}, non-finite outputs ${count(/^a non-finite/)})`,
);
console.log("outcomes by input kind and code:");
for (const [key, n] of [...codes].sort()) console.log(`  ${key}: ${n}`);
process.exit(findings.length === 0 ? 0 : 1);
