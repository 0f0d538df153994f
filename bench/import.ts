// Import-time benchmark (`npm run bench`, or `npx tsx bench/import.ts` alone): importing each
// model.onnx and model.folded.onnx of fixtures/models, and how the import time grows with the
// sequence length L. "cold" is one import in a fresh process (what a CLI command pays: no code
// optimised yet), the median of COLD processes; "warm" the median of WARM imports in this
// process after one more. The growth with L is measured on two graphs re-sized in memory: the
// IMSSA demo (float; Vandermonde kernel over a position vector l = L-1..0) and spoken-qat6
// (quantized; dA^l by binary powering with constant bit masks of l). Figures are printed,
// never asserted.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import onnxProto from "onnx-proto";
import { importModel } from "../src/import/index.js";

const { onnx } = onnxProto;

const MODELS = new URL("../fixtures/models/", import.meta.url);
const COLD = 3;
const WARM = 5;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeImport(path: string): number {
  const t0 = performance.now();
  importModel(path);
  return performance.now() - t0;
}

/** One import in a fresh process (this file with `--one PATH`), in ms. */
function coldImport(path: string): number {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, self, "--one", path], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`import of ${path} failed: ${child.stderr}`);
  return Number(child.stdout.trim().split("\n").at(-1));
}

function warmImport(path: string): number {
  timeImport(path);
  return median(Array.from({ length: WARM }, () => timeImport(path)));
}

/** Float32 values of a Constant's tensor (raw_data or float_data). */
function floatValues(t: onnxProto.onnx.ITensorProto): Float32Array {
  const raw = t.rawData;
  if (raw && raw.length > 0)
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float32Array.from(t.floatData ?? []);
}

function int64Values(t: onnxProto.onnx.ITensorProto): number[] {
  const raw = t.rawData;
  if (raw && raw.length > 0)
    return [
      ...new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
    ].map(Number);
  return (t.int64Data ?? []).map(Number);
}

/** A [from] vector over the taps (l = from-1-j, bit b of l, or its complement) at length `to`. */
function resizedTaps(v: Float32Array, from: number, to: number): Float32Array {
  const lag = (j: number, n: number) => n - 1 - j;
  const forms: ((l: number) => number)[] = [(l) => l];
  for (let b = 0; b < 31; b++)
    forms.push(
      (l) => (l >> b) & 1,
      (l) => 1 - ((l >> b) & 1),
    );
  const form = forms.find((f) => v.every((x, j) => x === f(lag(j, from))));
  if (form === undefined) throw new Error("a tap vector that is neither positions nor bit masks");
  return Float32Array.from({ length: to }, (_, j) => form(lag(j, to)));
}

/** The model re-sized from length `from` to `to` (to < 4096 for a 12-bit binary powering). */
function resized(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const graph = m.graph!;
  for (const input of graph.input ?? [])
    for (const d of input.type?.tensorType?.shape?.dim ?? [])
      if (Number(d.dimValue) === from) d.dimValue = to;
  for (const node of graph.node ?? []) {
    const kernel = node.attribute?.find((a) => a.name === "kernel_shape")?.ints ?? [];
    const causal = node.opType === "Conv" && Number(kernel[0]) === from;
    for (const a of node.attribute ?? []) {
      if (causal && (a.name === "kernel_shape" || a.name === "pads"))
        a.ints = (a.ints ?? []).map((v) => Number(v) - from + to);
      const t = a.t;
      if (node.opType !== "Constant" || !t) continue;
      const dims = (t.dims ?? []).map(Number);
      if (t.dataType === 1 && dims.length === 1 && dims[0] === from) {
        t.dims = [to];
        t.rawData = new Uint8Array(resizedTaps(floatValues(t), from, to).buffer);
        t.floatData = [];
      } else if (t.dataType === 7 && dims.length <= 1) {
        const values = int64Values(t);
        if (!values.includes(from)) continue;
        t.rawData = new Uint8Array(
          BigInt64Array.from(values, (v) => BigInt(v === from ? to : v)).buffer,
        );
        t.int64Data = [];
      }
    }
  }
  for (const p of m.metadataProps ?? []) {
    if (p.key !== "s4d.config") continue;
    const config = JSON.parse(p.value ?? "{}");
    config.seq_len = to;
    p.value = JSON.stringify(config);
  }
  return onnx.ModelProto.encode(m).finish();
}

export function benchImport(): void {
  console.log(
    `# import time of model.onnx (cold: median of ${COLD} fresh processes; warm: median of ${WARM}), ${cpus()[0]?.model ?? "cpu"} x ${cpus().length}, node ${process.version}`,
  );
  const names = [
    "digits-float-h32n16-l2",
    "digits-qat8-h32n16-l2",
    "qs4d-digits-qat-h32n16-l2",
    "kernelonly-digits-h32n16-l2",
    "imssa-demo-float-h3n28-l1",
    "big-h128n128-l4-L1024",
    "spoken-qat6-h32n32-l4",
  ];
  for (const name of names) {
    for (const file of ["model.onnx", "model.folded.onnx"]) {
      const path = new URL(`${name}/${file}`, MODELS).pathname;
      if (!existsSync(path)) continue;
      const cold = median(Array.from({ length: COLD }, () => coldImport(path)));
      const length = importModel(path).config.length;
      console.log(
        `${`${name}/${file}`.padEnd(44)} L=${String(length).padStart(5)}  cold ${cold.toFixed(0).padStart(6)} ms  warm ${warmImport(path).toFixed(0).padStart(6)} ms`,
      );
    }
  }
  console.log("# growth with L: the same graph re-sized (warm, median)");
  const dir = mkdtempSync(join(tmpdir(), "qs4dc-bench-import-"));
  try {
    const sweeps: [string, number, number[]][] = [
      ["imssa-demo-float-h3n28-l1", 1000, [250, 1000, 4000, 16000]],
      ["spoken-qat6-h32n32-l4", 4000, [500, 1000, 2000, 4000]],
    ];
    for (const [name, from, lengths] of sweeps) {
      const bytes = readFileSync(new URL(`${name}/model.onnx`, MODELS));
      const row = lengths.map((to) => {
        const path = join(dir, `${name}-L${to}.onnx`);
        writeFileSync(path, resized(bytes, from, to));
        return `L=${to} ${warmImport(path).toFixed(0)} ms`;
      });
      console.log(`${name.padEnd(44)} ${row.join(", ")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default benchImport;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const one = process.argv.indexOf("--one");
  if (one > 0) console.log(timeImport(process.argv[one + 1]!).toFixed(1));
  else benchImport();
}
