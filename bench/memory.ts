// Peak memory against the sequence length (issue 12, item 6): `npm run bench:memory` or
// `npx tsx bench/memory.ts`. For each model it tiles golden sample 0 to lengths L and runs one
// sample through `qs4dc sim` (ideal chip), `qs4dc emulate`, `qs4dc run` and `qs4dc compile
// --calib` (the calibration forwards) as child processes under /usr/bin/time -v, printing each
// one's peak resident set size (maxRSS, MB). The chip.bin `sim` runs is compiled once per
// model at its trained length. Figures are printed, never asserted; the machine and its load
// (os.loadavg) come first, since other processes share it.
//
//   --cli PATH        the qs4dc entry point to measure (default: this checkout's dist/, built by
//                     `npm run build`; another checkout's dist gives the "before" figures)
//   --lengths a,b     sequence lengths (default 256,1024,4096,16384)
//   --models a,b      fixture models (default: qs4d-digits-qat-h32n16-l2, per-sample qs4d-max
//                     quantizers; digits-qat8-h32n16-l2, static scales)
//   --commands a,b    of sim,emulate,run,calib (default: all four)

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeNpy } from "../src/util/npy.js";

const ROOT = new URL("../", import.meta.url).pathname;
const FIXTURES = join(ROOT, "fixtures/models");

const { values: args } = parseArgs({
  options: {
    cli: { type: "string", default: join(ROOT, "dist/src/cli/main.js") },
    lengths: { type: "string", default: "256,1024,4096,16384" },
    models: { type: "string", default: "qs4d-digits-qat-h32n16-l2,digits-qat8-h32n16-l2" },
    commands: { type: "string", default: "sim,emulate,run,calib" },
  },
});

/** Golden sample 0 of `model` repeated up to `length` steps, as a [1, length, dIn] .npy. */
function tiledInput(model: string, length: number, file: string): void {
  const dir = join(FIXTURES, model, "golden");
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const [, L, dIn] = manifest.files["inputs.f32"].shape as [number, number, number];
  const raw = readFileSync(join(dir, "inputs.f32"));
  const sample = new Float32Array(raw.buffer, raw.byteOffset, L * dIn);
  const data = new Float32Array(length * dIn);
  for (let t = 0; t < length; t++)
    data.set(sample.subarray((t % L) * dIn, ((t % L) + 1) * dIn), t * dIn);
  writeFileSync(file, writeNpy({ dtype: "float32", shape: [1, length, dIn], data }));
}

/** Peak RSS in MB of `node cli ...argv`, from /usr/bin/time -v; null when the command failed. */
function peakRss(argv: string[]): number | null {
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, args.cli, ...argv], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  if (r.status !== 0 || kb === undefined) {
    console.error(`failed: ${argv.join(" ")}\n${r.stderr.split("\n").slice(-6).join("\n")}`);
    return null;
  }
  return Number(kb) / 1024;
}

function commandLine(command: string, model: string, chip: string, input: string, out: string) {
  const weights = join(FIXTURES, model, "weights.json");
  switch (command) {
    case "sim":
      return ["sim", chip, "--input", input, "-o", out];
    case "emulate":
      return ["emulate", weights, "--input", input, "-o", out, "-q", "--allow-loss"];
    case "run":
      return ["run", weights, "--input", input, "-o", out];
    default:
      return ["compile", weights, "--calib", input, "--allow-loss", "-o", `${out}.chip.bin`];
  }
}

const gitHead = () => {
  try {
    return execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
    }).trim();
  } catch {
    return "?";
  }
};

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, node ${process.version}`,
);
console.log(
  `load (1, 5, 15 min) at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")}`,
);
console.log(`cli: ${args.cli} (bench checkout at ${gitHead()})`);
const lengths = args.lengths.split(",").map(Number);
const commands = args.commands.split(",");
const dir = mkdtempSync(join(tmpdir(), "qs4dc-memory-"));
try {
  for (const model of args.models.split(",")) {
    const chip = join(dir, `${model}.chip.bin`);
    const trained = join(dir, "trained.npy");
    tiledInput(model, 64, trained);
    execFileSync(
      process.execPath,
      [args.cli, "compile", join(FIXTURES, model, "weights.json"), "--allow-loss", "-o", chip],
      {
        stdio: "ignore",
      },
    );
    console.log(`\n${model}: peak RSS (MB) of one sample`);
    console.log(["L", ...commands].map((c) => c.padStart(9)).join(""));
    for (const L of lengths) {
      const input = join(dir, `input-${L}.npy`);
      tiledInput(model, L, input);
      const row = commands.map((c) =>
        peakRss(commandLine(c, model, chip, input, join(dir, "out.npy"))),
      );
      console.log(
        [L, ...row.map((mb) => (mb === null ? "failed" : mb.toFixed(0)))]
          .map((v) => String(v).padStart(9))
          .join(""),
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\nload (1, 5, 15 min) at end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")}`,
);
