// Executor benchmark (`npm run bench:exec`, also part of `npm run bench`): time, samples per
// second and peak memory of the integer emulator (`emulate`), the float reference executor
// (`run`) and the calibration forwards of `compile --calib`, each beside onnxruntime-node (one
// thread, the float model.onnx, the same inputs) measured in the same bench run. Every figure
// comes from a child process of its own, so that its peak resident memory (maxRSS) is its own;
// memory is measured at growing sequence lengths: it must not grow with the length. Figures
// are printed, never asserted; times are the best of the repetitions after a warm-up.
//
// Recorded on the 2-core AMD EPYC shared by 7 sessions (load average 11-17, so wall times are
// 5-10x the CPU times; the CPU times are the comparable figures), before (fde21e2) -> after:
//   emulate big ideal, 4 x L=1024:     38.4 s CPU (24.1x onnxruntime) -> 14.9 s (9.9x)
//   run big, 4 x L=1024:                2.28 s CPU (1.43x onnxruntime) -> 2.04 s (1.36x)
//   calibration big, 8 x L=1024:       +5.42 s CPU (2.20x onnxruntime's 8) -> +2.48 s (1.01x)
//   emulate spoken-qat6, 2 x L=4000:    3.07 s CPU -> 2.01 s
//   peak RSS, L=1024 -> 4096: run 168 -> 177 MiB, emulate 356 -> 374 MiB, calibration 290 -> 294
//   MiB (emulator and calibration still hold each op's [L, H] buffers: not yet streamed).
// `run` in blocks of 32 time steps (e341b3c), same outputs bit for bit; 4 December 2026, load
// average 1.7-2.8 on the 2 cores, wall = CPU within 5%:
//   run big, 4 x L=1024:                1.67-1.90 s (old code, same minutes) -> 0.82-0.90 s;
//   onnxruntime-node the same inputs:   1.15-1.17 s, so run / onnxruntime 1.45x -> 0.71-0.79x.
// 5 December 2026, nothing else running (load 0.1 at the first run, 1.4 at the second: the
// bench itself), session start (fcdc325) -> after:
//   calibration big, 8 x L=1024, 1 thr: +1.90 s (0.89x onnxruntime's 8) -> +1.78 s (0.80x)
//   calibration big, 8 x L=1024, 2 thr: +1.50 s (0.71x) -> +0.45 s (0.20x), the built package;
//     on one thread the forwards alone 3.0 -> 1.55 s for a model read from model.onnx (ONNX
//     shapes were arrays of doubles) and from weights.json alike after two modes side by side
//   emulate big ideal, 4 x L=1024:     12.46 s (12.1x onnxruntime) -> 12.58 s (11.0x)
//   emulate spoken-qat6, 2 x L=4000:    1.67 s -> 1.39 s
//   run big, 4 x L=1024:                0.73 s (0.71x) -> 0.79 s (0.69x)
//   peak RSS, L=1024 -> 4096: emulate 342 -> 368 MiB before, 336 -> 317 MiB after (a buffer is
//   dropped after its last reader); calibration 276 -> 282 before, 295 -> 323 after; run flat.
// 5 December 2026, afternoon, after the emulator and calibration stream static-scale programs in
// chunks of 512 steps (a slow hour of the machine: onnxruntime's 4 forwards took 1.66 s):
//   emulate big ideal, 4 x L=1024:     10.00 s; the new sim part on the same lowered model and
//     samples (chip.bin written, read and prepared inside): 6.66 s, emulate / sim 1.50x
//   run big, 4 x L=1024:                0.76 s (0.46x onnxruntime)
//   calibration big, 8 x L=1024:       +2.78 s on 1 thread (0.86x), +0.82 s on 2 (0.25x)
//   peak RSS of the whole process (lowering included), L=1024 -> 4096: emulate 317 -> 328 MiB,
//   calibration 293 -> 311 MiB; in the emulator alone (one sample of big, calibrated) 295 MiB at
//   L = 65536 as at 1024, against 377 MiB before.
// 5 December 2026, evening, after the simulator's state records moved to WebAssembly and its
// commit stores single-writer elements directly (the sim part 1.4-1.6x faster), and the
// emulator reads its small readouts as fixed records in a flat loop:
//   bench run before the emulator change: emulate 9.51 s, sim 3.61 s, emulate / sim 2.64x
//   the parts alone, taking turns after it: emulate 7.09-7.35 s, sim 3.56-3.59 s: 2.00-2.05x
//     (the whole bench run after it: 7.52 s against 5.62 s, 1.34x, the sim part in a slow minute)
//   `qs4dc emulate` big ideal, 4 inputs, session start -> now in turns: 10.8-11.5 s -> 8.0-8.7 s
//   run big, 4 x L=1024:                0.77 s (0.71x onnxruntime)
//   calibration big, 8 x L=1024:       +1.92 s on 1 thread (0.87x), +0.82 s on 2 (0.37x)
// 5 December 2026, night, after the emulator's commit sums from a list of its primaries, its
// codes are int32, its small readouts run in runs sharing gains and limit, and its ADC codes
// clamp before rounding (adcCode); the sim part meanwhile prepares in one pass and streams
// shorter state records:
//   the parts alone, taking turns: emulate 7.0-7.1 s -> 6.15-6.3 s, sim 3.6 s -> 3.4-3.5 s
//   bench run: emulate 6.42 s, sim 3.62 s, emulate / sim 1.77x; spoken-qat6 8 x L=4000 alone:
//     emulate 2.96-3.02 s, sim 1.97-2.05 s (1.5x)
//   run big, 4 x L=1024:                0.77 s (0.73x onnxruntime)
//   calibration big, 8 x L=1024:       +1.52 s on 1 thread (0.71x), +0.87 s on 2 (0.40x)
// 5 December 2026, late evening, a 2-vCPU Intel Xeon VM, the batches on worker threads:
//   bench run: run 0.83 s (0.60x onnxruntime), emulate 6.46 s, sim 4.24 s (1.52x), calibration
//     0.94 s on 2 threads (0.35x)
//   emulate big ideal, 8 x L=1024, the emulation alone: 11.85 s in the calling thread, 5.58 s
//     on two workers
//   `qs4dc run` big, whole command, taking turns, --threads 1 -> 2: 8 inputs 1.68-1.73 s ->
//     1.09-1.14 s, 16 inputs 3.06 -> 1.74 s

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { chipBytes as sourceChipBytes } from "../src/driver/artifact.js";
import { type Lowered, lowerModel } from "../src/driver/lower.js";
import { readChip as sourceReadChip } from "../src/emit/chip-read.js";
import { emulateBatch } from "../src/emulate/batch.js";
import { emulate } from "../src/emulate/index.js";
import { importModel } from "../src/import/index.js";
import type { Model } from "../src/ir/model.js";
import { runModel } from "../src/run/index.js";
import {
  prepareChip as sourcePrepareChip,
  runSamples as sourceRunSamples,
} from "../src/sim/simulate.js";
import { loadTarget } from "../src/target/load.js";

const MODELS = new URL("../fixtures/models/", import.meta.url);
const BUILT = (module: string) => new URL(`../dist/src/${module}`, import.meta.url);
const BUILT_LOWER = BUILT("driver/lower.js");

/** A module of the built package when dist/ is built (what a user runs), else the source's. */
async function builtOr<T>(module: string, source: T): Promise<T> {
  return existsSync(BUILT(module)) ? ((await import(BUILT(module).href)) as T) : source;
}
const BIG = "big-h128n128-l4-L1024";
const SPOKEN = "spoken-qat6-h32n32-l4";

interface Inputs {
  readonly data: Float32Array;
  readonly shape: [number, number, number];
}

/** The first `batch` golden inputs of a model, each cut to `length` steps or repeated to it. */
function inputs(name: string, batch: number, length: number): Inputs {
  const dir = new URL(`${name}/golden/`, MODELS);
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  const [, L, dIn] = manifest.files["inputs.f32"].shape as [number, number, number];
  const raw = readFileSync(new URL("inputs.f32", dir));
  const golden = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const data = new Float32Array(batch * length * dIn);
  for (let b = 0; b < batch; b++) {
    const sample = golden.subarray(b * L * dIn, (b + 1) * L * dIn);
    for (let at = 0; at < length; at += L) {
      const steps = Math.min(L, length - at);
      data.set(sample.subarray(0, steps * dIn), (b * length + at) * dIn);
    }
  }
  return { data, shape: [batch, length, dIn] };
}

const model = (name: string): Model =>
  importModel(new URL(`${name}/weights.json`, MODELS).pathname);

interface Time {
  /** Wall time. */
  readonly seconds: number;
  /** CPU time of the whole process (every thread): on a loaded machine, the steadier figure. */
  readonly cpu: number;
}

/** The best of `repeats` timed calls, after `warmUps` untimed ones. */
async function best(warmUps: number, repeats: number, work: () => unknown): Promise<Time> {
  for (let w = 0; w < warmUps; w++) await work();
  let time = { seconds: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY };
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    await work();
    const used = process.cpuUsage(cpu);
    const t = { seconds: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
    if (t.seconds < time.seconds) time = t;
  }
  return time;
}

/** The model lowered for `ideal`, calibrated on its first `samples` golden inputs. */
function lowered(name: string, samples: number, length: number): Lowered {
  const x = inputs(name, samples, length);
  const calibration = { inputs: Float64Array.from(x.data), shape: x.shape };
  return lowerModel(model(name), { target: loadTarget("ideal"), calibration });
}

/** One measurement, run in a child process: [what, model, samples, length] -> seconds. */
const PARTS: Record<
  string,
  (name: string, batch: number, length: number, threads: number) => Promise<Time>
> = {
  async ort(name, batch, length) {
    const session = await ort.InferenceSession.create(
      new URL(`${name}/model.onnx`, MODELS).pathname,
      { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 },
    );
    const x = inputs(name, batch, length);
    const feed = { [session.inputNames[0]!]: new ort.Tensor("float32", x.data, x.shape) };
    return best(1, 2, () => session.run(feed));
  },
  async run(name, batch, length) {
    const m = model(name);
    const x = inputs(name, batch, length);
    return best(0, 1, () => runModel(m, x.data, x.shape));
  },
  async emulate(name, batch, length) {
    const m = lowered(name, Math.min(batch, 8), length).model;
    const x = inputs(name, batch, length);
    const run = (await builtOr("emulate/index.js", { emulate })).emulate;
    return best(0, 1, () => run(m, x.data, x.shape));
  },
  /** `emulate`'s batch spread over `threads` threads (worker threads beside this one). */
  async emulateThreads(name, batch, length, threads) {
    const m = lowered(name, Math.min(batch, 8), length).model;
    const x = inputs(name, batch, length);
    const spread = (await builtOr("emulate/batch.js", { emulateBatch })).emulateBatch;
    return best(0, 1, () => spread(m, x.data, x.shape, { threads }));
  },
  /**
   * The simulator on the same lowered model and samples as `emulate`, in this process: chip.bin
   * written, read, checked and prepared, then run on one thread, all inside the timed call.
   */
  async sim(name, batch, length) {
    const m = lowered(name, Math.min(batch, 8), length);
    const x = inputs(name, batch, length);
    const { chipBytes } = await builtOr("driver/artifact.js", { chipBytes: sourceChipBytes });
    const { readChip } = await builtOr("emit/chip-read.js", { readChip: sourceReadChip });
    const { prepareChip, runSamples } = await builtOr("sim/simulate.js", {
      prepareChip: sourcePrepareChip,
      runSamples: sourceRunSamples,
    });
    const modelPath = new URL(`${name}/weights.json`, MODELS).pathname;
    const lowering = { target: loadTarget("ideal") };
    const bytes = chipBytes(m, { modelPath, lowering });
    const samples = { data: x.data, length, dIn: x.shape[2] };
    return best(0, 1, () =>
      runSamples(prepareChip(readChip(bytes, `${name}.bin`)), samples, 0, batch),
    );
  },
  /**
   * What calibrating on `batch` samples adds to the plain lowering. The built package's
   * lowering when dist/ is built: its calibration workers start from JavaScript, as a user's
   * do (under tsx a worker first compiles the TypeScript it loads).
   */
  async calibrate(name, batch, length, threads) {
    const m = model(name);
    const x = inputs(name, batch, length);
    const calibration = { inputs: Float64Array.from(x.data), shape: x.shape };
    const target = loadTarget("ideal");
    const lower = existsSync(BUILT_LOWER)
      ? ((await import(BUILT_LOWER.href)) as { lowerModel: typeof lowerModel }).lowerModel
      : lowerModel;
    const plain = await best(1, 2, () => lower(m, { target }));
    const calibrated = await best(1, 2, () => lower(m, { target, calibration, threads }));
    return { seconds: calibrated.seconds - plain.seconds, cpu: calibrated.cpu - plain.cpu };
  },
};

interface Figure extends Time {
  readonly peakMiB: number;
}

/** Runs one part in a child process (same loader flags as this one). */
function measure(part: string, name: string, batch: number, length: number, threads = 1): Figure {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), part, name, `${batch}`];
  const child = spawnSync(process.execPath, [...args, `${length}`, `${threads}`], {
    encoding: "utf8",
  });
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !line.startsWith("{"))
    throw new Error(`bench part ${part} ${name} failed:\n${child.stderr}`);
  return JSON.parse(line) as Figure;
}

/** Wall and CPU time, samples per second (wall), peak memory, and the ratios to onnxruntime. */
function row(label: string, batch: number, f: Figure, ort: Figure | null): string {
  const ratio =
    ort === null
      ? ""
      : `  ${(f.seconds / ort.seconds).toFixed(2)}x onnxruntime wall, ${(f.cpu / ort.cpu).toFixed(2)}x CPU`;
  const rate = `${(batch / f.seconds).toFixed(2)} samples/s`;
  const times = `${f.seconds.toFixed(2).padStart(7)} s wall ${f.cpu.toFixed(2).padStart(7)} s CPU`;
  return `${label.padEnd(46)} ${times} ${rate.padStart(16)}  peak RSS ${f.peakMiB.toFixed(0).padStart(5)} MiB${ratio}`;
}

export function benchExecutors(): void {
  console.log(
    `# executors (best after warm-up; one thread unless said), ${cpus()[0]?.model.trim() ?? "cpu"} x ${cpus().length}, node ${process.version}`,
  );
  const ort4 = measure("ort", BIG, 4, 1024);
  const ort8 = measure("ort", BIG, 8, 1024);
  console.log(row(`onnxruntime-node ${BIG}, 4 x L=1024`, 4, ort4, null));
  console.log(row(`onnxruntime-node ${BIG}, 8 x L=1024`, 8, ort8, null));
  console.log(row(`run ${BIG}, 4 x L=1024`, 4, measure("run", BIG, 4, 1024), ort4));
  const emulated = measure("emulate", BIG, 4, 1024);
  const simulated = measure("sim", BIG, 4, 1024);
  console.log(row(`emulate ${BIG} ideal, 4 x L=1024`, 4, emulated, ort4));
  console.log(row(`sim ${BIG} ideal, 4 x L=1024 (chip.bin read)`, 4, simulated, ort4));
  console.log(
    `  emulate / sim, the same lowered model and samples: ${(emulated.seconds / simulated.seconds).toFixed(2)}x wall, ${(emulated.cpu / simulated.cpu).toFixed(2)}x CPU`,
  );
  for (const threads of [1, cpus().length]) {
    const f = measure("calibrate", BIG, 8, 1024, threads);
    console.log(row(`calibration ${BIG}, 8 x L=1024, ${threads} thr`, 8, f, ort8));
  }
  for (const threads of [1, cpus().length]) {
    const f = measure("emulateThreads", BIG, 8, 1024, threads);
    console.log(row(`emulate ${BIG} ideal, 8 x L=1024, ${threads} thr`, 8, f, ort8));
  }
  const spoken = measure("emulate", SPOKEN, 2, 4000);
  console.log(row(`emulate ${SPOKEN} ideal, 2 x L=4000`, 2, spoken, null));
  // Memory against sequence length: one sample (two for calibration), lengths growing.
  for (const length of [1024, 4096]) {
    for (const part of ["run", "emulate", "calibrate"]) {
      const f = measure(part, BIG, part === "calibrate" ? 2 : 1, length);
      console.log(
        `  ${part.padEnd(10)} ${BIG}, L=${String(length).padStart(5)}: peak RSS ${f.peakMiB.toFixed(0)} MiB`,
      );
    }
  }
}

export default benchExecutors;

async function child(part: string, args: readonly string[]): Promise<void> {
  const [name, batch, length, threads] = args;
  const time = await PARTS[part]!(name!, Number(batch), Number(length), Number(threads));
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...time, peakMiB }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [part, ...args] = process.argv.slice(2);
  if (part === undefined) benchExecutors();
  else await child(part, args);
}
