// What `qs4dc verify` prints (one table: accuracy, argmax agreement and logit error against
// the emulator, first diverging layer) and the exit code of its bit-exactness verdict.

import { fail } from "../diag/error.js";
import type { Comparison, VerifyResult } from "../driver/verify.js";

const cell = (v: number, digits = 4) =>
  v === 0 ? "0" : Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(digits);

function divergenceText(d: Comparison["divergence"]): string {
  if (d === "n/a") return "n/a (no codes)";
  if (d === null) return "none";
  return `layer ${d.layer} (${d.codes} codes, sample ${d.sample})`;
}

/** The one table `qs4dc verify` prints. */
export function formatVerify(r: VerifyResult): string {
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
  return `${lines.join("\n")}\n${verdict}\n`;
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
