// Simulator benchmark (`npm run bench`, or `npx tsx bench/sim.ts` alone): throughput of the
// cycle-accurate simulator of chip.bin (cell operations and time steps per second, one thread)
// on the ideal chip and with device noise, and its peak memory, for a small model (digits on
// imssa-64) and the sCIFAR-sized one (H=128, N=128, 4 layers, L=1024, on `ideal`: it does not
// fit 64x64 arrays; calibrated, so its DAC scales are static and samples stream). Memory is
// measured at growing sequence lengths: it must not grow with the length. Figures are printed,
// never asserted; each is the best of a few repetitions after a warm-up.

import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { chipBytes } from "../src/driver/artifact.js";
import { lowerModel } from "../src/driver/lower.js";
import { readChip } from "../src/emit/chip-read.js";
import { importModel } from "../src/import/index.js";
import { countEvents } from "../src/sim/energy.js";
import { NO_NOISE, type NoiseParams, targetNoise } from "../src/sim/noise.js";
import { engineFor, prepareChip, runSamples, type SimChip } from "../src/sim/simulate.js";
import { chipTiming } from "../src/sim/timing.js";
import { loadTarget } from "../src/target/load.js";

const MODELS = new URL("../fixtures/models/", import.meta.url);

interface Inputs {
  readonly data: Float32Array;
  readonly batch: number;
  readonly length: number;
  readonly dIn: number;
}

/** The first `batch` golden inputs of a model, each repeated or cut to `length` steps. */
function inputs(name: string, batch: number, length: number): Inputs {
  const dir = new URL(`${name}/golden/`, MODELS);
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  const [, L, dIn] = manifest.files["inputs.f32"].shape as [number, number, number];
  const raw = readFileSync(new URL("inputs.f32", dir));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const data = new Float32Array(batch * length * dIn);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < length; t++)
      for (let i = 0; i < dIn; i++)
        data[(b * length + t) * dIn + i] = all[(b * L + (t % L)) * dIn + i]!;
  return { data, batch, length, dIn };
}

function compile(name: string, target: string, calibrate: number): SimChip {
  const modelPath = new URL(`${name}/weights.json`, MODELS).pathname;
  const model = importModel(modelPath);
  const length = model.config.length!;
  const calibration =
    calibrate === 0
      ? null
      : {
          inputs: Float64Array.from(inputs(name, calibrate, length).data),
          shape: [calibrate, length, 1],
        };
  const lowering = { target: loadTarget(target), calibration };
  return prepareChip(
    readChip(chipBytes(lowerModel(model, lowering), { modelPath, lowering }), `${name}.bin`),
  );
}

interface Throughput {
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly cellOpsPerSecond: number;
  readonly conversionsPerSecond: number;
  readonly macsPerSecond: number;
}

function throughput(chip: SimChip, x: Inputs, noise: NoiseParams, repeats: number): Throughput {
  const timing = chipTiming(chip.image, chip.layout, chip.groups, { length: x.length });
  const events = countEvents(chip.image, chip.groups, timing);
  const options = { noise, seed: 1, run: 0 };
  const engine = engineFor(chip, options);
  runSamples(chip, x, 0, Math.min(2, x.batch), options, engine); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    runSamples(chip, x, 0, x.batch, options, engine);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return {
    seconds: best,
    stepsPerSecond: (x.batch * x.length) / best,
    cellOpsPerSecond: (x.batch * events.cellOps) / best,
    conversionsPerSecond: (x.batch * events.adcConversions) / best,
    macsPerSecond: (x.batch * events.analogMacs) / best,
  };
}

function si(v: number): string {
  const [scale, prefix] = (
    [
      [1e9, "G"],
      [1e6, "M"],
      [1e3, "k"],
    ] as const
  ).find(([s]) => v >= s) ?? [1, ""];
  return `${(v / scale).toPrecision(3)}${prefix === "" ? "" : ` ${prefix}`}`;
}

/**
 * Cell operations: every cell of every array read (what the chip does); analog MACs: the
 * nonzero effective weights the simulator actually multiplies; conversions: ADC conversions.
 */
function row(label: string, t: Throughput): string {
  const figures = [
    `${si(t.cellOpsPerSecond)} cell ops/s`,
    `${si(t.macsPerSecond)} analog MACs/s`,
    `${si(t.conversionsPerSecond)} conversions/s`,
    `${si(t.stepsPerSecond)} steps/s`,
  ];
  return `${label.padEnd(44)} ${figures.map((f) => f.padStart(22)).join("")}  (${t.seconds.toFixed(2)} s)`;
}

/** Peak resident memory so far (resourceUsage's maxRSS is in KiB) and the heap now, in MiB. */
function memory(): string {
  const maxRss = process.resourceUsage().maxRSS / 1024;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  return `peak RSS ${maxRss.toFixed(0)} MiB, heap ${heap.toFixed(0)} MiB`;
}

export function benchSim(): void {
  console.log(
    `# simulator throughput (one thread, best of 3) and peak memory, ${cpus()[0]?.model.trim() ?? "cpu"} x ${cpus().length}, node ${process.version}`,
  );
  const small = "digits-qat8-h32n16-l2";
  const digits = compile(small, "imssa-64", 0);
  const x = inputs(small, 64, 64);
  console.log(row(`${small} on imssa-64, ideal`, throughput(digits, x, NO_NOISE, 3)));
  const noise = targetNoise(digits.image.target.description);
  console.log(row(`${small} on imssa-64, target noise`, throughput(digits, x, noise, 3)));

  const big = "big-h128n128-l4-L1024";
  const chip = compile(big, "ideal", 2);
  console.log(
    `# ${big} on ideal (${chip.image.arrays.length} arrays of 1024x1024), after compiling: ${memory()}`,
  );
  console.log(
    row(`${big} on ideal, ideal, L=1024`, throughput(chip, inputs(big, 2, 1024), NO_NOISE, 2)),
  );
  // Memory against sequence length: one sample each, lengths growing (maxRSS only grows).
  for (const length of [256, 1024, 4096]) {
    runSamples(chip, inputs(big, 1, length), 0, 1);
    console.log(`  ${big}, one sample of L=${String(length).padStart(5)}: ${memory()}`);
  }
}

export default benchSim;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) benchSim();
