// Simulator benchmark (`npm run bench`, or `npx tsx bench/sim.ts` alone), figures printed, never
// asserted. The sCIFAR-sized model (H = 128, N = 128, 4 layers, L = 1024) compiled as a user
// would (`compile --target ideal`, and imssa-64 with --allow-loss), then the whole `qs4dc sim`
// command (a child process of the built CLI: reading and checking chip.bin included) on
// 4 inputs x 1024 steps, one thread, side by side with onnxruntime-node running the float
// model.onnx on the same inputs with one thread (a child process too, bench/ort-forward.mjs).
// Work is counted as programmed-cell MACs (the programmed cells of the columns each read
// converts, primaries and mirrors), steps and samples; each figure with onnxruntime's time for
// the same samples as a ratio. Then: worker threads on batches of 8 and 16 (speed-up, identical bytes),
// the device model with noise against the ideal chip (two samples in lockstep, as runSamples
// runs it, and one at a time; each engine in a process of its own), a plain C loop over the same dot products
// as the physical-limit reference (when a C compiler is present), and peak memory against L.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chipBytes } from "../src/driver/artifact.js";
import { lowerModel } from "../src/driver/lower.js";
import { readChip } from "../src/emit/chip-read.js";
import { importModel } from "../src/import/index.js";
import {
  type ConversionTable,
  columnCells,
  PAIR_RECORD,
  type ReadGroup,
} from "../src/sim/conversions.js";
import { NO_NOISE, type NoiseParams, targetNoise } from "../src/sim/noise.js";
import { engineFor, prepareChip, type SimChip } from "../src/sim/simulate.js";
import { chipTiming } from "../src/sim/timing.js";
import { loadTarget } from "../src/target/load.js";
import { writeNpy } from "../src/util/npy.js";

const ROOT = new URL("../", import.meta.url);
const MODELS = new URL("fixtures/models/", ROOT);
/** The built CLI as installed: package.json's bin (dist/cli/, the bundle). */
const CLI = fileURLToPath(
  new URL(JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")).bin.qs4dc, ROOT),
);
const ORT_FORWARD = fileURLToPath(new URL("bench/ort-forward.mjs", ROOT));
/** Preloaded into a child: its peak RSS (KiB) on stderr when it exits. */
const REPORT_RSS =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxRSS "+process.resourceUsage().maxRSS+"\\n"))';

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
  const [n, L, dIn] = manifest.files["inputs.f32"].shape as [number, number, number];
  const raw = readFileSync(new URL("inputs.f32", dir));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const data = new Float32Array(batch * length * dIn);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < length; t++)
      for (let i = 0; i < dIn; i++)
        data[(b * length + t) * dIn + i] = all[((b % n) * L + (t % L)) * dIn + i]!;
  return { data, batch, length, dIn };
}

function compiledBytes(name: string, target: string, allowLoss: boolean): Uint8Array {
  const modelPath = fileURLToPath(new URL(`${name}/weights.json`, MODELS));
  const lowering = {
    target: loadTarget(target),
    calibration: null,
    options: allowLoss ? { "allow-loss": true } : {},
  };
  return chipBytes(lowerModel(importModel(modelPath), lowering), { modelPath, lowering });
}

/** Programmed cells of the columns a read of this table converts. */
function tableCells(chip: SimChip, table: ConversionTable): number {
  let cells = 0;
  for (let c = 0; c < table.count; c++) {
    const columns = columnCells(chip.image.arrays[table.array[c]!]!);
    for (let w = table.wirePtr[c]!; w < table.wirePtr[c + 1]!; w++) {
      const col = table.wireCol[w]!;
      cells += columns.start[col + 1]! - columns.start[col]!;
    }
  }
  return cells;
}

/** Sum over every read of one sample of `perRead(group)`: each group read as its stage says. */
function perSample(chip: SimChip, length: number, perRead: (group: ReadGroup) => number): number {
  const timing = chipTiming(chip.image, chip.layout, chip.groups, { length });
  let sum = 0;
  for (const [op, group] of chip.groups) {
    const reads = timing.stages.find((s) => s.ops.includes(op))!.items;
    sum += reads * perRead(group);
  }
  return sum;
}

/** Programmed-cell MACs of one sample: every read of every group x the cells it converts. */
function programmedCellMacs(chip: SimChip, length: number): number {
  return perSample(
    chip,
    length,
    (g) => tableCells(chip, g.primaries) + tableCells(chip, g.mirrors),
  );
}

interface Child {
  readonly seconds: number;
  readonly maxRssMiB: number;
  readonly stdout: string;
}

/** Runs node with `args`, timed from spawn to exit, its peak RSS from the preloaded hook. */
function timedNode(args: readonly string[]): Child {
  const start = performance.now();
  const r = spawnSync(process.execPath, ["--import", REPORT_RSS, ...args], { encoding: "utf8" });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${r.stderr}`);
  const rss = /maxRSS (\d+)/.exec(r.stderr);
  return { seconds, maxRssMiB: Number(rss?.[1] ?? 0) / 1024, stdout: r.stdout };
}

function si(v: number): string {
  const [scale, prefix] = (
    [
      [1e9, " G"],
      [1e6, " M"],
      [1e3, " k"],
    ] as const
  ).find(([s]) => v >= s) ?? [1, ""];
  return `${(v / scale).toPrecision(3)}${prefix}`;
}

function load(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${cpus().length} cores`;
}

interface Workspace {
  readonly dir: string;
  file(name: string): string;
}

function npy(ws: Workspace, name: string, x: Inputs): string {
  const file = ws.file(name);
  writeFileSync(
    file,
    writeNpy({ dtype: "float32", shape: [x.batch, x.length, x.dIn], data: x.data } as never),
  );
  return file;
}

/** The whole `qs4dc sim` command against onnxruntime on the same inputs, one thread each. */
function commandVsOrt(ws: Workspace, name: string, target: string, x: Inputs): void {
  const bytes = compiledBytes(name, target, target !== "ideal");
  const chipFile = ws.file(`${target}.bin`);
  writeFileSync(chipFile, bytes);
  const chip = prepareChip(readChip(bytes, chipFile));
  const input = npy(ws, `x-${x.batch}.npy`, x);
  const f32 = ws.file(`x-${x.batch}.f32`);
  writeFileSync(f32, x.data);
  const sim = timedNode(
    [CLI, "sim", chipFile, "--input", input, "-o", ws.file("y.npy")].concat([
      "--threads",
      "1",
      "-q",
    ]),
  );
  const model = fileURLToPath(new URL(`${name}/model.onnx`, MODELS));
  const ort = timedNode([ORT_FORWARD, model, f32, `${x.batch}`, `${x.length}`, `${x.dIn}`]);
  const inner = JSON.parse(ort.stdout) as { createMs: number; runMs: number };
  const macs = x.batch * programmedCellMacs(chip, x.length);
  const ratio = sim.seconds / ort.seconds;
  const steps = x.batch * x.length;
  console.log(
    `${name} on ${target} (${chip.image.arrays.length} arrays), ${x.batch} x ${x.length} steps, whole command, 1 thread: ${load()}`,
  );
  const rows: [string, string, string][] = [
    [
      "time",
      `${sim.seconds.toFixed(2)} s`,
      `${ort.seconds.toFixed(2)} s (session ${(inner.createMs / 1000).toFixed(2)} s + run ${(inner.runMs / 1000).toFixed(2)} s)`,
    ],
    [
      "programmed-cell MACs/s",
      `${si(macs / sim.seconds)}`,
      `${si(macs / ort.seconds)} (same samples)`,
    ],
    ["steps/s", si(steps / sim.seconds), si(steps / ort.seconds)],
    ["samples/s", (x.batch / sim.seconds).toFixed(2), (x.batch / ort.seconds).toFixed(2)],
    ["peak RSS", `${sim.maxRssMiB.toFixed(0)} MiB`, `${ort.maxRssMiB.toFixed(0)} MiB`],
  ];
  console.log(`  ${"".padEnd(24)}${"qs4dc sim".padEnd(22)}onnxruntime-node (1 thread)`);
  for (const [what, ours, theirs] of rows)
    console.log(`  ${what.padEnd(24)}${ours.padEnd(22)}${theirs}`);
  console.log(
    `  time ratio sim / onnxruntime: ${ratio.toFixed(2)} whole processes, ${(sim.seconds / (inner.runMs / 1000)).toFixed(2)} against its run alone (${(macs / x.batch / 1e6).toFixed(0)} M programmed-cell MACs per sample, mirror columns included)`,
  );
  cReference(ws, chip, x.batch * x.length, sim.seconds);
}

/** `--threads 1` against `--threads 2` on a batch of 8: speed-up and identical bytes. */
function threads(ws: Workspace, name: string, x: Inputs): void {
  const chipFile = ws.file("ideal.bin");
  const input = npy(ws, `x-${x.batch}.npy`, x);
  const run = (n: number) => {
    const out = ws.file(`y-threads-${n}.npy`);
    const r = timedNode([
      CLI,
      "sim",
      chipFile,
      "--input",
      input,
      "-o",
      out,
      "--threads",
      `${n}`,
      "-q",
    ]);
    return { seconds: r.seconds, bytes: readFileSync(out) };
  };
  const before = load();
  // Taking turns, best of two each: this machine's minutes differ by up to 40%.
  const runs = [run(1), run(2), run(1), run(2)];
  const [one, two] = [0, 1].map((i) =>
    runs[i]!.seconds <= runs[i + 2]!.seconds ? runs[i]! : runs[i + 2]!,
  ) as [(typeof runs)[0], (typeof runs)[0]];
  const same = runs.every((r) => Buffer.compare(r.bytes, runs[0]!.bytes) === 0);
  console.log(
    `${name} on ideal, batch ${x.batch} x ${x.length}, taking turns, best of 2: --threads 1 ${one.seconds.toFixed(2)} s, --threads 2 ${two.seconds.toFixed(2)} s, speed-up ${(one.seconds / two.seconds).toFixed(2)}x, output bytes ${same ? "identical" : "DIFFER"} (${before} before, ${load()} after)`,
  );
  const half = x.batch / 2;
  const ceiling = machineCeiling(ws, chipFile, {
    ...x,
    batch: half,
    data: x.data.subarray(0, half * x.length * x.dIn),
  });
  console.log(
    `  the machine's own ceiling: two independent \`sim --threads 1\` processes on half the batch each, side by side, ${ceiling.pair.toFixed(2)} s against one alone ${ceiling.alone.toFixed(2)} s: ${((2 * ceiling.alone) / ceiling.pair).toFixed(2)}x the throughput of one`,
  );
}

/**
 * Two `sim --threads 1` processes at once on `x` each, against one alone (best of 2 each): how
 * much two cores of this machine give this workload when nothing is shared, the ceiling of
 * any thread speed-up here (memory traffic and the virtual machine's scheduling, not the code).
 */
function machineCeiling(
  ws: Workspace,
  chipFile: string,
  x: Inputs,
): { alone: number; pair: number } {
  const input = npy(ws, `x-half-${x.batch}.npy`, x);
  const args = (out: string) =>
    [CLI, "sim", chipFile, "--input", input, "-o", ws.file(out), "--threads", "1", "-q"] as const;
  const alone = () => timedNode([...args("y-alone.npy")]).seconds;
  const pair = () => {
    const start = performance.now();
    const other = spawnSync("sh", [
      "-c",
      `"${process.execPath}" ${args("y-pair-a.npy").join(" ")} & "${process.execPath}" ${args("y-pair-b.npy").join(" ")} & wait`,
    ]);
    if (other.status !== 0) throw new Error(`two sim processes failed: ${other.stderr}`);
    return (performance.now() - start) / 1000;
  };
  const times = [alone(), pair(), alone(), pair()];
  return { alone: Math.min(times[0]!, times[2]!), pair: Math.min(times[1]!, times[3]!) };
}

const ENGINE_TIME = fileURLToPath(new URL("bench/engine-time.mjs", ROOT));

/**
 * Seconds for a batch on the ideal chip, on the device model with the target's noise (two
 * samples in lockstep) and on the same one sample at a time, each in a child process of its
 * own (bench/engine-time.mjs: the built package, the engine warmed on one sample, best of
 * `repeats` runs), the three taking turns for `rounds` rounds; the best of each.
 */
function idealAndNoisy(
  ws: Workspace,
  chipFile: string,
  x: Inputs,
  repeats: number,
  rounds: number,
): { ideal: number; noisy: number; alone: number } {
  const f32 = ws.file(`engine-${x.batch}x${x.length}.f32`);
  writeFileSync(f32, x.data);
  const best = { ideal: Infinity, noisy: Infinity, alone: Infinity };
  const args = [chipFile, f32, `${x.batch}`, `${x.length}`, `${x.dIn}`];
  for (let r = 0; r < rounds; r++) {
    for (const [key, mode] of [
      ["ideal", "ideal"],
      ["noisy", "noise"],
      ["alone", "alone"],
    ] as const) {
      const out = execFileSync(process.execPath, [ENGINE_TIME, ...args, mode, `${repeats}`], {
        encoding: "utf8",
      });
      best[key] = Math.min(best[key], (JSON.parse(out) as { seconds: number }).seconds);
    }
  }
  return best;
}

/**
 * Multiply-adds of one sample of `length` steps on the device model with `noise`: every read
 * of every group x its effective weights (the primaries'; mirrors follow by negation).
 */
function effectiveWeights(chip: SimChip, noise: NoiseParams, length: number): number {
  const engine = engineFor(chip, { noise, device: true }) as {
    multiplyAdds?(table: ConversionTable): number;
  };
  return perSample(chip, length, (g) => engine.multiplyAdds!(g.primaries));
}

/** The device model with the target's noise against the ideal chip, same samples, one thread. */
function deviceVsIdeal(ws: Workspace): void {
  const cases = [
    { name: "digits-qat8-h32n16-l2", batch: 32, length: 64, repeats: 7 },
    { name: "big-h128n128-l4-L1024", batch: 2, length: 128, repeats: 3 },
  ];
  for (const { name, batch, length, repeats } of cases) {
    const bytes = compiledBytes(name, "imssa-64", true);
    const chipFile = ws.file(`${name}-imssa-64.bin`);
    writeFileSync(chipFile, bytes);
    const chip = prepareChip(readChip(bytes, chipFile));
    const x = inputs(name, batch, length);
    const noise = targetNoise(chip.image.target.description);
    const { ideal, noisy, alone } = idealAndNoisy(ws, chipFile, x, repeats, 2);
    const macs = x.batch * programmedCellMacs(chip, x.length);
    console.log(
      `${name} on imssa-64, ${x.batch} x ${x.length} steps, one thread, each engine in a process of its own (built package, taking turns, best of 2 x ${repeats}): ideal ${si(macs / ideal)} MACs/s (${ideal.toFixed(3)} s), target noise ${si(macs / noisy)} MACs/s (${noisy.toFixed(3)} s, two samples in lockstep): noise / ideal ${(noisy / ideal).toFixed(2)}x; one sample at a time ${alone.toFixed(3)} s, ${(alone / ideal).toFixed(2)}x`,
    );
    const work = (n: NoiseParams) => effectiveWeights(chip, n, x.length) / x.length;
    const [dense, sparse] = [work(noise), work(NO_NOISE)];
    console.log(
      `  multiply-adds per step: ${si(dense)} with programming error (every erased cell of a driven row conducts), ${si(sparse)} without (the ideal chip's nonzero weights): ${(dense / sparse).toFixed(1)}x the work, ${((dense * 8) / 2 ** 20).toFixed(1)} MiB of binary64 weights streamed per step`,
    );
  }
}

const C_LOOP = String.raw`
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* The simulator's dot products over the same effective weights, in C: per read of each
   group, S_k = sum w x register, a = sum g_k S_k, code = clamp(rint(a)), then stored. */
typedef struct { int n, terms, entries, *termsOf, *sizes, *idx, *w, *dest, *limit; double *gain; } Group;
static int *ints(FILE *f, int n) { int *p = malloc(sizeof(int) * (n + 1)); if (fread(p, 4, n, f) != (size_t)n) exit(2); return p; }
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb"); long reads = atol(argv[2]);
  int *head = ints(f, 2); int registers = head[0], groups = head[1];
  Group *g = calloc(groups, sizeof(Group));
  for (int k = 0; k < groups; k++) {
    int *h = ints(f, 3); g[k].n = h[0]; g[k].terms = h[1]; g[k].entries = h[2];
    g[k].termsOf = ints(f, g[k].n); g[k].sizes = ints(f, g[k].terms); g[k].idx = ints(f, g[k].entries);
    g[k].w = ints(f, g[k].entries); g[k].dest = ints(f, g[k].n); g[k].limit = ints(f, g[k].n);
    g[k].gain = malloc(sizeof(double) * g[k].terms); if (fread(g[k].gain, 8, g[k].terms, f) != (size_t)g[k].terms) return 2;
  }
  int *reg = calloc(registers, 4), *codes = malloc(4 * registers);
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  long macs = 0;
  for (long r = 0; r < reads; r++) {
    reg[0] = (int)(r % 255) - 127;
    for (int k = 0; k < groups; k++) {
      Group *G = &g[k]; int t = 0, e = 0;
      for (int c = 0; c < G->n; c++) {
        double analog = 0;
        for (int j = 0; j < G->termsOf[c]; j++, t++) {
          double s = 0;
          for (int end = e + G->sizes[t]; e < end; e++) s += (double)G->w[e] * reg[G->idx[e]];
          analog += G->gain[t] * s;
        }
        double q = rint(analog); int l = G->limit[c];
        codes[c] = q > l ? l : q < -l ? -l : (int)q;
      }
      for (int c = 0; c < G->n; c++) reg[G->dest[c]] = codes[c];
      macs += G->entries;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  long check = 0; for (int i = 0; i < registers; i++) check += reg[i];
  printf("%.6f %ld %ld\n", (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec), macs, check);
  return 0;
}
`;

/** Every group's kernel as flat int32/float64 data for the C loop (conversion by conversion). */
function kernelData(chip: SimChip): Buffer {
  const parts: Buffer[] = [
    Buffer.from(Int32Array.from([chip.layout.registers, chip.groups.size]).buffer),
  ];
  for (const group of chip.groups.values()) {
    const { pairs, pairGain, program, gain, wideWeight } = group.primaries.ideal;
    if (wideWeight !== null) throw new Error("weights beyond int32: no C reference");
    const termsOf: number[] = [];
    const sizes: number[] = [];
    const idx: number[] = [];
    const w: number[] = [];
    const dest: number[] = [];
    const gains: number[] = [];
    for (let p = 0, q = 0; p < pairs.length; p += PAIR_RECORD, q += 2) {
      dest.push(pairs[p]!);
      termsOf.push(2);
      for (let k = 0; k < 2; k++) {
        gains.push(pairGain[q + k]!);
        let n = 0;
        for (let e = 0; e < 2; e++) {
          // (0, 0): padding, not a cell.
          if (pairs[p + 2 + 4 * k + 2 * e] === 0) continue;
          idx.push(pairs[p + 1 + 4 * k + 2 * e]!);
          w.push(pairs[p + 2 + 4 * k + 2 * e]!);
          n++;
        }
        sizes.push(n);
      }
    }
    let p = 0;
    let g = 0;
    while (p < program.length) {
      const count = program[p++]!;
      const terms = program[p++]!;
      const shape = program.subarray(p, p + terms);
      p += terms;
      for (let i = 0; i < count; i++) {
        dest.push(program[p++]!);
        termsOf.push(terms);
        for (const n of shape) {
          sizes.push(n);
          gains.push(gain[g++]!);
          for (let e = 0; e < n; e++, p += 2) {
            idx.push(program[p]!);
            w.push(program[p + 1]!);
          }
        }
      }
    }
    // The C loop stores codes by conversion order; map them to registers here.
    const order = dest.map((c) => group.primaries.dest[c]!);
    parts.push(
      Buffer.from(Int32Array.from([dest.length, sizes.length, idx.length]).buffer),
      Buffer.from(Int32Array.from(termsOf).buffer),
      Buffer.from(Int32Array.from(sizes).buffer),
      Buffer.from(Int32Array.from(idx).buffer),
      Buffer.from(Int32Array.from(w).buffer),
      Buffer.from(Int32Array.from(order).buffer),
      Buffer.from(Int32Array.from(dest, (c) => group.primaries.limit[c]!).buffer),
      Buffer.from(Float64Array.from(gains).buffer),
    );
  }
  return Buffer.concat(parts);
}

/**
 * The plain C loop over the same dot products (no periphery, no file reading), if a compiler
 * is present: its time for the reads the command did, against the command's whole time.
 */
function cReference(ws: Workspace, chip: SimChip, reads: number, simSeconds: number): void {
  const cc = ["cc", "gcc", "clang"].find((c) => spawnSync(c, ["--version"]).status === 0);
  if (cc === undefined) {
    console.log("  C reference: skipped (no C compiler: cc, gcc or clang)");
    return;
  }
  const source = ws.file("loop.c");
  const binary = ws.file("loop");
  writeFileSync(source, C_LOOP);
  execFileSync(cc, ["-O2", "-o", binary, source, "-lm"]);
  const data = ws.file("kernel.bin");
  writeFileSync(data, kernelData(chip));
  const [seconds, entries] = execFileSync(binary, [data, `${reads}`], { encoding: "utf8" })
    .trim()
    .split(" ")
    .map(Number) as [number, number];
  console.log(
    `  C reference (${cc} -O2, the simulator's own ${si(entries)} multiply-adds: the primaries' nonzero effective weights, as a mirror column's code is its primary's negated; no periphery): ${seconds.toFixed(2)} s, ${si(entries / seconds)}/s; the whole sim command takes ${(simSeconds / seconds).toFixed(2)}x its time`,
  );
}

/** Peak RSS of `qs4dc sim` on one sample at growing L: it must not grow with L. */
function memoryAgainstLength(ws: Workspace, name: string): void {
  for (const length of [256, 1024, 4096]) {
    const input = npy(ws, `x-L${length}.npy`, inputs(name, 1, length));
    const r = timedNode(
      [CLI, "sim", ws.file("ideal.bin"), "--input", input, "-o", ws.file("y.npy")].concat([
        "--threads",
        "1",
        "-q",
      ]),
    );
    console.log(
      `  ${name} on ideal, one sample of L = ${String(length).padStart(5)}: peak RSS ${r.maxRssMiB.toFixed(0)} MiB (${r.seconds.toFixed(2)} s)`,
    );
  }
}

export async function benchSim(): Promise<void> {
  console.log(
    `# simulator: ${cpus()[0]?.model.trim() ?? "cpu"} x ${cpus().length}, node ${process.version}, ${load()}`,
  );
  if (!existsSync(CLI)) {
    console.log("# skipped: dist/ not built (npm run build)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "qs4dc-bench-sim-"));
  const ws = { dir, file: (name: string) => join(dir, name) };
  try {
    deviceVsIdeal(ws);
    const big = "big-h128n128-l4-L1024";
    commandVsOrt(ws, big, "imssa-64", inputs(big, 4, 1024));
    commandVsOrt(ws, big, "ideal", inputs(big, 4, 1024));
    threads(ws, big, inputs(big, 8, 1024));
    threads(ws, big, inputs(big, 16, 1024));
    memoryAgainstLength(ws, big);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default benchSim;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchSim();
