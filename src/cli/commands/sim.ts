// `qs4dc sim CHIP.bin --input X.npy [-o Y.npy] [--report R.json] [--labels L.npy]
// [--noise SPEC --seed N --runs K --threads T] [--trace FILE.vcd --trace-window S:C]`:
// the cycle-accurate simulator of chip.bin alone (docs/simulator.md). Every input is checked
// before anything runs and the outputs are written as one transaction after the whole run, so
// a bad input leaves no file behind. Logits: float32 [batch, classes], or [runs, batch, classes].

import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { fail } from "../../diag/error.js";
import {
  checkLabels,
  checkSimInput,
  conversionsPerStep,
  loadChip,
  type NoiseParams,
  parseNoise,
  type SimulateOptions,
  simulateChip,
  targetNoise,
} from "../../sim/index.js";
import { formatSummary } from "../../sim/report.js";
import type { TraceWindow } from "../../sim/vcd.js";
import { checkOutputs, type Output, writeOutputs } from "../../util/atomic-write.js";
import { readNpy, writeNpy } from "../../util/npy.js";
import { readFileBytes } from "../../util/read-file.js";
import { noteChipInputLength } from "../input-length.js";
import { integerOption } from "../integer-option.js";

interface SimFlags {
  readonly input: string;
  readonly output?: string;
  readonly report?: string;
  readonly labels?: string;
  readonly noise?: string;
  readonly seed: string;
  readonly runs: string;
  readonly threads?: string;
  readonly lanes?: string;
  readonly trace?: string;
  readonly traceWindow?: string;
  readonly quiet?: boolean;
}

/** ADC conversions simulated before a progress bar is worth showing (a few seconds' work). */
const LONG_RUN_CONVERSIONS = 5e7;

function traceWindow(flags: SimFlags): TraceWindow | null {
  if (flags.trace === undefined) {
    if (flags.traceWindow !== undefined)
      fail("QS4D-E609", {
        option: "--trace-window",
        value: flags.traceWindow,
        reason: "needs --trace FILE.vcd",
      });
    return null;
  }
  const text = flags.traceWindow ?? "0:1000";
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  if (match === null)
    fail("QS4D-E609", {
      option: "--trace-window",
      value: text,
      reason: "expected START:COUNT in cycles",
    });
  const start = integerOption("--trace-window", match![1]!, 0, Number.MAX_SAFE_INTEGER);
  const count = integerOption("--trace-window", match![2]!, 1, 10_000_000);
  return { start, count };
}

/** The progress bar on stderr, for long runs on a terminal only. */
function progressBar(total: number, conversions: number): Pick<SimulateOptions, "onProgress"> {
  if (process.stderr.isTTY !== true || conversions < LONG_RUN_CONVERSIONS) return {};
  const bar = new SingleBar({
    stream: process.stderr,
    format: "sim [{bar}] {percentage}% {value}/{total} samples | eta {eta}s",
  });
  bar.start(total, 0);
  return {
    onProgress: (done) => {
      bar.update(done);
      if (done === total) bar.stop();
    },
  };
}

/** The runs' logits as one float32 .npy: [batch, classes], or [runs, batch, classes]. */
function logitsNpy(perRun: readonly Float32Array[], batch: number, classes: number): Uint8Array {
  const logits = new Float32Array(perRun.length * batch * classes);
  perRun.forEach((l, r) => {
    logits.set(l, r * batch * classes);
  });
  const shape = perRun.length === 1 ? [batch, classes] : [perRun.length, batch, classes];
  return writeNpy({ dtype: "float32", shape, data: logits });
}

async function sim(chipPath: string, flags: SimFlags): Promise<void> {
  const writes = [flags.output, flags.report, flags.trace].some((f) => f !== undefined);
  if (flags.quiet === true && !writes) {
    fail("QS4D-E811", { command: "qs4dc sim", reason: "-q without -o, --report or --trace" });
  }
  // In shared memory: the chip's arrays are views on these bytes, shared with worker threads as they are.
  const bytes = readFileBytes(chipPath, true);
  const chip = loadChip(bytes, chipPath);
  const input = checkSimInput(readNpy(flags.input), chip.layout.dIn, flags.input, chipPath);
  noteChipInputLength(chip.image, input.length, flags.input);
  const labels =
    flags.labels === undefined
      ? null
      : checkLabels(readNpy(flags.labels), input.batch, chip.layout.classes, flags.labels);
  const runs = integerOption("--runs", flags.runs, 1, 1_000_000);
  const seed = integerOption("--seed", flags.seed, 0, Number.MAX_SAFE_INTEGER);
  const threads =
    flags.threads === undefined ? undefined : integerOption("--threads", flags.threads, 1, 1024);
  const lanes =
    flags.lanes === undefined ? undefined : integerOption("--lanes", flags.lanes, 1, 1 << 20);
  // Several runs without --noise mean the target's device noise: the runs would be identical otherwise.
  const spec = flags.noise ?? (runs > 1 ? "target" : "none");
  const noise: NoiseParams = parseNoise(spec, targetNoise(chip.image.target.description));
  const trace = traceWindow(flags);
  checkOutputs(
    [flags.output, flags.report, flags.trace]
      .filter((path) => path !== undefined)
      .map((path) => ({ path, folder: false })),
  );
  const result = await simulateChip(chip, input, {
    noise,
    seed,
    runs,
    labels,
    ...(threads !== undefined ? { threads } : {}),
    trace,
    ...(lanes !== undefined ? { lanes } : {}),
    ...progressBar(
      runs * input.batch,
      runs * input.batch * input.length * conversionsPerStep(chip.image),
    ),
  });
  const outputs: Output[] = [];
  if (flags.output !== undefined)
    outputs.push({
      path: flags.output,
      data: logitsNpy(result.logits, input.batch, chip.layout.classes),
    });
  if (flags.report !== undefined)
    outputs.push({ path: flags.report, data: `${JSON.stringify(result.report, null, 2)}\n` });
  if (flags.trace !== undefined) outputs.push({ path: flags.trace, data: result.vcd! });
  writeOutputs(outputs);
  if (flags.quiet !== true) process.stderr.write(formatSummary(result.report));
}

export function register(program: Command): void {
  program
    .command("sim")
    .description(
      "simulate a chip.bin cycle by cycle (from the file alone): logits, cycles, latency, energy; with --noise, a Monte Carlo over programmings",
    )
    .argument("<chip>", "chip.bin written by 'qs4dc compile'")
    .requiredOption(
      "--input <file>",
      "inputs .npy [batch, length, d_in] (or [batch, length] when d_in = 1), float32 or float64",
    )
    .option(
      "-o, --output <file>",
      "write the logits .npy, float32: [batch, classes], or [runs, batch, classes] with --runs > 1",
    )
    .option(
      "--report <file>",
      "write the report as JSON: timing, energy by component, TOPS/W, accuracy",
    )
    .option(
      "--labels <file>",
      "labels .npy [batch] (integers): accuracy, and its mean, std and min over runs",
    )
    .option(
      "--noise <spec>",
      "device noise: 'target' (the target's parameters), 'none' (the ideal chip, the default), or overrides of the target's, e.g. prog=0.02,read=0.01,stuck=0.001 (keys: prog, read, stuck, stuck-on, stuck-off, adc, dac)",
    )
    .option(
      "--seed <n>",
      "seed of every random draw (programming, read noise, converter offsets)",
      "0",
    )
    .option(
      "--runs <k>",
      "Monte Carlo runs, one programming of the chip each (default noise: the target's)",
      "1",
    )
    .option(
      "--threads <n>",
      "worker threads (default: the machine's parallelism when the work is worth it); results do not depend on it",
    )
    .option(
      "--lanes <n>",
      "parallel lanes of the digital periphery (default: the widest layer's channels)",
    )
    .option(
      "--trace <file>",
      "write a VCD trace of the first sample (row DAC codes, column ADC codes, registers)",
    )
    .option("--trace-window <start:count>", "cycles traced, default 0:1000")
    .option("-q, --quiet", "no summary on stderr")
    .action(async (chipPath: string, flags: SimFlags) => {
      await sim(chipPath, flags);
    });
}
