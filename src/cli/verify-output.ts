// What `qs4dc verify` prints (one table: accuracy, argmax agreement and logit error against
// the emulator, first diverging layer) and the exit code of its bit-exactness verdict.

import { fail } from "../diag/error.js";
import type { Comparison, NoisyResult, VerifyResult } from "../driver/compare-executors.js";
import type { AccuracyStats } from "../sim/report.js";

const cell = (v: number, digits = 4) =>
  v === 0 ? "0" : Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(digits);

function divergenceText(d: Comparison["divergence"]): string {
  if (d === "n/a") return "n/a (no codes)";
  if (d === null) return "none";
  return `layer ${d.layer} (${d.codes} codes, sample ${d.sample})`;
}

const stats = (s: AccuracyStats) => `mean ${cell(s.mean)}, std ${cell(s.std)}, min ${cell(s.min)}`;

/** The noisy runs' line: accuracy and agreement with the reference over the runs. */
function noisyLine(n: NoisyResult): string {
  const accuracy = n.accuracy === null ? "" : `accuracy ${stats(n.accuracy)}; `;
  return `under device noise (${n.runs} runs): ${accuracy}argmax agreement with reference ${stats(n.agreement)}\n`;
}

/** The one table `qs4dc verify` prints, and the noisy runs' line when there are any. */
export function formatVerify(r: VerifyResult, noisy: NoisyResult | null = null): string {
  const rows: [string, string, string, string][] = [
    ["", "reference", "emulator", "simulator (ideal)"],
  ];
  if (r.accuracy !== null) {
    rows.push([
      "accuracy",
      cell(r.accuracy.reference),
      cell(r.accuracy.emulator),
      cell(r.accuracy.simulator),
    ]);
  }
  rows.push([
    "argmax agreement with emulator",
    cell(r.reference.agreement),
    "-",
    cell(r.simulator.agreement),
  ]);
  rows.push([
    "max |logit - emulator|",
    cell(r.reference.maxLogitError),
    "-",
    cell(r.simulator.maxLogitError),
  ]);
  rows.push([
    "first layer diverging from emulator",
    divergenceText(r.reference.divergence),
    "-",
    divergenceText(r.simulator.divergence),
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
  );
  const verdict = r.exact
    ? `ideal simulation == emulator: bit exact on all ${r.batch} samples`
    : `ideal simulation != emulator on ${r.simulator.differingSamples} of ${r.batch} samples`;
  return `${lines.join("\n")}\n${verdict}\n${noisy === null ? "" : noisyLine(noisy)}`;
}

/** QS4D-E620 with exit code 1 when the ideal simulation and the emulator differ. */
export function failIfInexact(r: VerifyResult): void {
  if (r.exact) return;
  const d = r.simulator.divergence;
  const diverged = d !== null && d !== "n/a";
  fail(
    "QS4D-E620",
    {
      samples: r.simulator.differingSamples,
      batch: r.batch,
      sample: diverged ? d.sample : r.simulator.firstDifferingSample,
      where: diverged ? `layer ${d.layer} ${d.codes} codes` : "logits",
    },
    {},
    1,
  );
}

/**
 * QS4D-E621 with exit code 1 when the emulator, the ideal simulation or the mean of the noisy
 * runs strays from the reference by more than the fidelity budget: with labels, accuracy points
 * lost; without, the share of samples (in points) whose argmax differs from the reference's.
 */
export function failIfOutsideBudget(
  r: VerifyResult,
  noisy: NoisyResult | null,
  budget: number,
): void {
  const lost: string[] = [];
  if (r.accuracy !== null) {
    const executors: [string, number][] = [
      ["the emulator", r.accuracy.emulator],
      ["the ideal simulation", r.accuracy.simulator],
    ];
    if (noisy?.accuracy) executors.push(["the noisy runs' mean", noisy.accuracy.mean]);
    for (const [name, accuracy] of executors) {
      const drop = (r.accuracy.reference - accuracy) * 100;
      if (drop > budget) lost.push(`${name} loses ${drop.toFixed(1)} points of accuracy`);
    }
  } else {
    // The simulator equals the emulator here (failIfInexact), so one comparison says both.
    const executors: [string, number][] = [["the chip", r.reference.agreement]];
    if (noisy !== null) executors.push(["the noisy runs' mean", noisy.agreement.mean]);
    for (const [name, agreement] of executors) {
      const disagree = (1 - agreement) * 100;
      if (disagree > budget)
        lost.push(`${name}'s argmax differs from the reference's (${disagree.toFixed(1)} %)`);
    }
  }
  if (lost.length === 0) return;
  fail("QS4D-E621", { what: lost.join("; "), batch: r.batch, budget }, {}, 1);
}
