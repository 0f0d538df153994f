// Executor benchmark (`npm run bench:exec`, also part of `npm run bench`): time, samples per
// second and peak memory of the integer emulator (`emulate`), the float reference executor
// (`run`) and the calibration forwards of `compile --calib`, each beside onnxruntime-node (one
// thread, the float model.onnx, the same inputs) measured in the same bench run. Every figure
// comes from a child process of its own, so that its peak resident memory (maxRSS) is its own;
// memory is measured at growing sequence lengths: it must not grow with the length. Figures
// are printed, never asserted; times are the best of the repetitions after a warm-up.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { lowerModel } from "../src/driver/lower.js";
import { emulate } from "../src/emulate/index.js";
import { importModel } from "../src/import/index.js";
import type { Model } from "../src/ir/model.js";
import { runModel } from "../src/run/index.js";
import { loadTarget } from "../src/target/load.js";

const MODELS = new URL("../fixtures/models/", import.meta.url);
const BIG = "big-h128n128-l4-L1024";
const SPOKEN = "spoken-qat6-h32n32-l4";

interface Inputs {
  readonly data: Float32Array;
  readonly shape: [number, number, number];
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
  return { data, shape: [batch, length, dIn] };
}

const model = (name: string): Model =>
  importModel(new URL(`${name}/weights.json`, MODELS).pathname);

/** Best wall time in seconds of `repeats` calls after one warm-up call. */
async function best(repeats: number, work: () => unknown): Promise<number> {
  await work();
  let seconds = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await work();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return seconds;
}

/** The model lowered for `ideal`, calibrated on its first `samples` golden inputs. */
function lowered(name: string, samples: number, length: number): Model {
  const m = model(name);
  const x = inputs(name, samples, length);
  const calibration = { inputs: Float64Array.from(x.data), shape: x.shape };
  return lowerModel(m, { target: loadTarget("ideal"), calibration }).model;
}

/** One measurement, run in a child process: [what, model, samples, length] -> seconds. */
const PARTS: Record<string, (name: string, batch: number, length: number) => Promise<number>> = {
  async ort(name, batch, length) {
    const session = await ort.InferenceSession.create(
      new URL(`${name}/model.onnx`, MODELS).pathname,
      { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 },
    );
    const x = inputs(name, batch, length);
    const feed = { [session.inputNames[0]!]: new ort.Tensor("float32", x.data, x.shape) };
    return best(2, () => session.run(feed));
  },
  async run(name, batch, length) {
    const m = model(name);
    const x = inputs(name, batch, length);
    return best(1, () => runModel(m, x.data, x.shape));
  },
  async emulate(name, batch, length) {
    const m = lowered(name, Math.min(batch, 8), length);
    const x = inputs(name, batch, length);
    return best(1, () => emulate(m, x.data, x.shape));
  },
  /** What calibrating on `batch` samples adds to the plain lowering. */
  async calibrate(name, batch, length) {
    const m = model(name);
    const x = inputs(name, batch, length);
    const calibration = { inputs: Float64Array.from(x.data), shape: x.shape };
    const target = loadTarget("ideal");
    const plain = await best(1, () => lowerModel(m, { target }));
    const calibrated = await best(1, () => lowerModel(m, { target, calibration }));
    return calibrated - plain;
  },
};

interface Figure {
  readonly seconds: number;
  readonly peakMiB: number;
}

/** Runs one part in a child process (same loader flags as this one). */
function measure(part: string, name: string, batch: number, length: number): Figure {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), part, name, `${batch}`];
  const child = spawnSync(process.execPath, [...args, `${length}`], { encoding: "utf8" });
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !line.startsWith("{"))
    throw new Error(`bench part ${part} ${name} failed:\n${child.stderr}`);
  return JSON.parse(line) as Figure;
}

function row(label: string, batch: number, f: Figure, ortSeconds: number | null): string {
  const ratio = ortSeconds === null ? "" : `  ${(f.seconds / ortSeconds).toFixed(2)}x onnxruntime`;
  const rate = `${(batch / f.seconds).toFixed(2)} samples/s`;
  return `${label.padEnd(48)} ${f.seconds.toFixed(2).padStart(7)} s ${rate.padStart(16)}  peak RSS ${f.peakMiB.toFixed(0).padStart(5)} MiB${ratio}`;
}

export function benchExecutors(): void {
  console.log(
    `# executors (one thread each, best after warm-up), ${cpus()[0]?.model.trim() ?? "cpu"} x ${cpus().length}, node ${process.version}`,
  );
  const ort4 = measure("ort", BIG, 4, 1024);
  const ort8 = measure("ort", BIG, 8, 1024);
  console.log(row(`onnxruntime-node ${BIG}, 4 x L=1024`, 4, ort4, null));
  console.log(row(`onnxruntime-node ${BIG}, 8 x L=1024`, 8, ort8, null));
  console.log(row(`run ${BIG}, 4 x L=1024`, 4, measure("run", BIG, 4, 1024), ort4.seconds));
  console.log(
    row(`emulate ${BIG} ideal, 4 x L=1024`, 4, measure("emulate", BIG, 4, 1024), ort4.seconds),
  );
  console.log(
    row(`calibration ${BIG}, 8 x L=1024`, 8, measure("calibrate", BIG, 8, 1024), ort8.seconds),
  );
  console.log(
    row(`emulate ${SPOKEN} ideal, 2 x L=4000`, 2, measure("emulate", SPOKEN, 2, 4000), null),
  );
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

async function child(part: string, name: string, batch: string, length: string): Promise<void> {
  const seconds = await PARTS[part]!(name, Number(batch), Number(length));
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ seconds, peakMiB }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [part, name, batch, length] = process.argv.slice(2);
  if (part === undefined) benchExecutors();
  else await child(part, name!, batch!, length!);
}
