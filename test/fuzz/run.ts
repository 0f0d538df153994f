// The long differential fuzz: `npm run fuzz -- --minutes 20 --seed 7`. Runs cases (seed, 0),
// (seed, 1), ... until the time or the case count is up, then prints the number of cases, how
// many compiled and agreed, the refusals by code and stage, what the agreeing chips exercised,
// and every finding with its (seed, index) and a minimal description (one example per distinct
// finding, with a count). Exit code 1 when a finding is not a known bug (known.ts).
//
// The cases run in a child process that this one watches: a case that takes longer than
// --timeout, or a process that dies (out of memory, stack overflow), is a finding too, and the
// run goes on from the next case in a new child.
//
//   --seed S       (default: from the clock, printed)  --minutes M   (default 20)
//   --cases N      stop after N cases                  --from I      first index (default 0)
//   --timeout S    seconds one case may take (120)     --slow MS     list cases slower (5000)
//   --case I       only case I, in full
//   --shrink       with --case: shrink a failing case to a smaller one that fails the same way
//   --shrink-slow MS  with --case: shrink a case to a smaller one still slower than MS
//   --out DIR      with --shrink: write it as model.qs4d, target.json, input.npy and print the
//                  qs4dc commands that reproduce it

import { type ChildProcess, fork } from "node:child_process";
import { parseArgs } from "node:util";
import { positiveMinutes, wholeNumber } from "./args.js";
import { caseAt, describeCase, describeInput } from "./cases.js";
import { type Finding, type Outcome, runCase, signature } from "./harness.js";
import { knownBug } from "./known.js";
import { failsLike, shrink, writeReproduction } from "./shrink.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    minutes: { type: "string", default: "20" },
    cases: { type: "string" },
    from: { type: "string", default: "0" },
    timeout: { type: "string", default: "120" },
    case: { type: "string" },
    slow: { type: "string", default: "5000" },
    shrink: { type: "boolean", default: false },
    "shrink-slow": { type: "string" },
    out: { type: "string" },
  },
});

const seed = wholeNumber("seed", values.seed, Date.now() % 1_000_000);
const minutes = positiveMinutes(values.minutes);

/** Messages of the child process that runs the cases. */
type Message =
  | { readonly kind: "start"; readonly index: number }
  | { readonly kind: "done"; readonly index: number; readonly outcome: Outcome };

const CHILD = "QS4DC_FUZZ_CHILD";

if (process.env[CHILD] !== undefined) {
  // The child: cases from..until (exclusive) or until the deadline (epoch ms).
  const [from, until, deadline] = process.env[CHILD].split(",").map(Number) as [
    number,
    number,
    number,
  ];
  for (let index = from; index < until && Date.now() < deadline; index++) {
    process.send!({ kind: "start", index } satisfies Message);
    const outcome = await runCase(caseAt(seed, index));
    await new Promise((done) => process.send!({ kind: "done", index, outcome }, done));
  }
  process.exit(0);
}

function print(outcome: Outcome): void {
  if (outcome.kind === "agree") {
    console.log(`agree (${outcome.ms.toFixed(0)} ms, chip ${outcome.chipBytes} bytes)`);
    console.log(`features: ${outcome.features.join(" ")}`);
    console.log(`warnings: ${outcome.warnings.join(" ") || "none"}`);
  } else if (outcome.kind === "refused") {
    console.log(`refused at ${outcome.stage}: ${outcome.code}: ${outcome.message}`);
  } else {
    const f = outcome.finding;
    console.log(`FINDING ${f.kind} at ${f.stage}: ${f.summary}\n${f.detail}`);
  }
}

if (values.case !== undefined) {
  const index = wholeNumber("case", values.case, 0);
  const c = caseAt(seed, index);
  console.log(`case (seed ${seed}, index ${index})\n${describeCase(c)}`);
  const outcome = await runCase(c);
  print(outcome);
  const slowCase = values["shrink-slow"];
  if ((values.shrink && outcome.kind === "finding") || slowCase !== undefined) {
    const ms = wholeNumber("shrink-slow", slowCase, 0);
    const keep =
      outcome.kind === "finding" && slowCase === undefined
        ? failsLike(outcome.finding)
        : (o: Outcome) => o.ms > ms;
    const shrunk = await shrink(c, keep);
    console.log(
      `\nshrunk in ${shrunk.tries} tries: ${shrunk.steps.join("; ") || "nothing removed"}`,
    );
    console.log(describeInput(shrunk.input));
    console.log("still:");
    print(shrunk.outcome);
    if (values.out !== undefined) {
      console.log(
        `\nreproduction in ${values.out}:\n${writeReproduction(shrunk.input, values.out)}`,
      );
    }
  }
  process.exit(outcome.kind === "finding" ? 1 : 0);
}

const first = wholeNumber("from", values.from, 0);
const limit = wholeNumber("cases", values.cases, Number.MAX_SAFE_INTEGER);
const slowMs = wholeNumber("slow", values.slow, 5000);
const timeoutMs = 1000 * wholeNumber("timeout", values.timeout, 120);
const deadline = Date.now() + minutes * 60_000;
const refusals = new Map<string, number>();
const findings = new Map<string, { finding: Finding; indices: number[] }>();
const coverage = new Map<string, number>();
const slow: { index: number; ms: number }[] = [];
let agreed = 0;
let cases = 0;
let lastReport = Date.now();

function record(index: number, outcome: Outcome): void {
  cases++;
  if (outcome.ms > slowMs) slow.push({ index, ms: outcome.ms });
  if (outcome.kind === "agree") {
    agreed++;
    for (const f of outcome.features) coverage.set(f, (coverage.get(f) ?? 0) + 1);
  } else if (outcome.kind === "refused") {
    const key = `${outcome.code} (${outcome.stage})`;
    refusals.set(key, (refusals.get(key) ?? 0) + 1);
  } else {
    const key = signature(outcome.finding);
    const seen = findings.get(key);
    if (seen !== undefined) seen.indices.push(index);
    else {
      findings.set(key, { finding: outcome.finding, indices: [index] });
      const bug = knownBug(outcome.finding);
      const tag = bug === undefined ? "" : ` [known bug: ${bug.id}]`;
      const f = outcome.finding;
      console.log(`\nFINDING (seed ${seed}, index ${index}): ${f.kind} at ${f.stage}${tag}`);
      console.log(`  ${f.summary}`);
      console.log(describeCase(caseAt(seed, index)).replace(/^/gm, "  "));
    }
  }
  if (Date.now() - lastReport > 60_000) {
    lastReport = Date.now();
    const found = [...findings.values()].reduce((n, f) => n + f.indices.length, 0);
    console.log(`... ${cases} cases, ${agreed} agreed, ${found} findings`);
  }
}

/**
 * One child from `from`: resolves with the index it was running when it hung or died, or
 * null when it finished its cases.
 */
function runChild(from: number): Promise<{ index: number; why: string } | null> {
  return new Promise((resolve) => {
    const env = { ...process.env, [CHILD]: `${from},${first + limit},${deadline}` };
    const child: ChildProcess = fork(process.argv[1]!, process.argv.slice(2), { env });
    let current: { index: number; start: number } | null = null;
    let hung: string | null = null;
    const watchdog = setInterval(() => {
      if (current !== null && Date.now() - current.start > timeoutMs) {
        hung = `no result after ${timeoutMs / 1000} s`;
        child.kill("SIGKILL");
      }
    }, 1000);
    child.on("message", (m: Message) => {
      if (m.kind === "start") current = { index: m.index, start: Date.now() };
      else {
        record(m.index, m.outcome);
        current = null;
      }
    });
    child.on("exit", (code, signal) => {
      clearInterval(watchdog);
      if (current === null && code === 0) resolve(null);
      else {
        const why = hung ?? `the process died (exit code ${code}, signal ${signal})`;
        resolve({ index: current?.index ?? from, why });
      }
    });
  });
}

console.log(
  `differential fuzz: seed ${seed}, ${minutes} min${limit < Number.MAX_SAFE_INTEGER ? `, at most ${limit} cases` : ""}`,
);
for (let from = first; from < first + limit && Date.now() < deadline; ) {
  const failed = await runChild(from);
  if (failed === null) break;
  const finding: Finding = {
    kind: failed.why.startsWith("no result") ? "hang" : "process-died",
    stage: "process",
    code: "case",
    summary: failed.why,
    detail: "",
  };
  record(failed.index, { kind: "finding", ms: timeoutMs, finding });
  from = failed.index + 1;
}

const refused = [...refusals.values()].reduce((a, b) => a + b, 0);
const found = [...findings.values()].reduce((n, f) => n + f.indices.length, 0);
console.log(
  `\n${cases} cases (seed ${seed}): ${agreed} compiled and agreed bit for bit, ${refused} refused with a coded diagnostic, ${found} findings`,
);
if (coverage.size > 0) {
  const tags = [...coverage].sort((a, b) => a[0].localeCompare(b[0]));
  console.log(`chips that agreed, by feature: ${tags.map(([k, n]) => `${k} ${n}`).join(", ")}`);
}
if (refusals.size > 0) {
  console.log("refusals by code:");
  for (const [key, n] of [...refusals].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${String(n).padStart(6)}  ${key}`);
  }
}
if (slow.length > 0) {
  const list = slow.map((s) => `${s.index} (${(s.ms / 1000).toFixed(1)} s)`).join(", ");
  console.log(`slower than ${slowMs} ms: ${list}`);
}
if (findings.size > 0) {
  console.log("findings (rerun one with --seed S --case I [--shrink --out DIR]):");
  for (const { finding, indices } of findings.values()) {
    const known = knownBug(finding);
    const tag = known === undefined ? "NEW" : `known bug ${known.id}`;
    const shown = indices.slice(0, 8).join(", ") + (indices.length > 8 ? ", ..." : "");
    console.log(
      `  ${indices.length} x [${tag}] ${finding.kind} at ${finding.stage}: ${finding.summary}`,
    );
    console.log(`      (seed ${seed}, index ${shown})`);
    if (finding.detail !== "") console.log(finding.detail.replace(/^/gm, "      "));
  }
}
const unknown = [...findings.values()].filter((f) => knownBug(f.finding) === undefined).length;
if (findings.size > 0) {
  console.log(
    `${unknown} of ${findings.size} distinct findings are not known bugs (test/fuzz/known.ts)`,
  );
}
process.exit(unknown > 0 ? 1 : 0);
