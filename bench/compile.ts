// Compile-time benchmark (`npm run bench`, or `npx tsx bench/compile.ts` alone): the lowering
// pipeline on every shared model, per pass, and its growth with model size. Figures are
// printed, never asserted. Each figure is the median of several runs after a warm-up run.

import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { DiagnosticSink } from "../src/diag/error.js";
import { importModel } from "../src/import/index.js";
import type { Model } from "../src/ir/model.js";
import { runPasses } from "../src/passes/manager.js";
import { DEFAULT_PIPELINE } from "../src/passes/pipeline.js";
import type { TileReport } from "../src/passes/tile.js";
import { loadTarget } from "../src/target/load.js";
import { syntheticModel } from "../test/passes/synthetic.js";

const RUNS = 5;

interface Timing {
  readonly total: number;
  readonly perPass: Map<string, number>;
  readonly arrays: number;
  readonly cells: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function compileOnce(model: Model, target: string): Timing {
  const loaded = loadTarget(target);
  const perPass = new Map<string, number>();
  let current = model;
  const context = {
    target: loaded.description,
    options: {},
    calibration: null,
    calibrationLabels: null,
    diagnostics: new DiagnosticSink(),
    reports: new Map<string, unknown>(),
  };
  const start = performance.now();
  for (const pass of DEFAULT_PIPELINE) {
    const t0 = performance.now();
    current = runPasses(current, [pass], context);
    perPass.set(pass, performance.now() - t0);
  }
  const tile = context.reports.get("tile") as TileReport;
  return {
    total: performance.now() - start,
    perPass,
    arrays: tile.arrays.length,
    cells: tile.cellsProgrammed,
  };
}

function measure(model: Model, target: string): Timing {
  compileOnce(model, target);
  const runs = Array.from({ length: RUNS }, () => compileOnce(model, target));
  const perPass = new Map<string, number>();
  for (const pass of DEFAULT_PIPELINE)
    perPass.set(pass, median(runs.map((r) => r.perPass.get(pass)!)));
  return {
    total: median(runs.map((r) => r.total)),
    perPass,
    arrays: runs[0]!.arrays,
    cells: runs[0]!.cells,
  };
}

function row(label: string, t: Timing, extra = ""): string {
  const passes = DEFAULT_PIPELINE.map((p) => `${p} ${t.perPass.get(p)!.toFixed(1)}`).join(", ");
  return `${label.padEnd(44)} ${t.total.toFixed(1).padStart(8)} ms  ${String(t.arrays).padStart(4)} arrays ${String(t.cells).padStart(7)} cells ${extra}\n    (${passes})`;
}

export function benchCompile(): void {
  console.log(
    `# compile time (median of ${RUNS}), ${cpus()[0]?.model ?? "cpu"} x ${cpus().length}, node ${process.version}`,
  );
  // The kernel-only model includes realize-kernel's system identification; big-h128n128 on
  // imssa-64 and imssa-256 has every channel (260 x 260) split over several arrays.
  const shared: [string, string][] = [
    ["digits-float-h32n16-l2", "imssa-64"],
    ["digits-qat8-h32n16-l2", "imssa-64"],
    ["qs4d-digits-qat-h32n16-l2", "imssa-64"],
    ["kernelonly-digits-h32n16-l2", "imssa-64"],
    ["big-h128n128-l4-L1024", "ideal"],
    ["big-h128n128-l4-L1024", "imssa-64"],
    ["big-h128n128-l4-L1024", "imssa-256"],
  ];
  const imported = new Map<string, { model: Model; ms: number }>();
  for (const [name, target] of shared) {
    if (!imported.has(name)) {
      const path = new URL(`../fixtures/models/${name}/weights.json`, import.meta.url).pathname;
      const t0 = performance.now();
      const model = importModel(path);
      imported.set(name, { model, ms: performance.now() - t0 });
    }
    const { model, ms } = imported.get(name)!;
    console.log(
      row(`${name} on ${target}`, measure(model, target), `(import ${ms.toFixed(0)} ms)`),
    );
  }
  console.log("# growth with model size (synthetic float models on ideal)");
  for (const [channels, state, layers] of [
    [32, 16, 2],
    [64, 64, 2],
    [128, 128, 4],
    [256, 128, 4],
  ] as const) {
    const model = syntheticModel({ channels, state, layers });
    const modes = channels * (state / 2) * layers;
    console.log(
      row(`H=${channels} N=${state} layers=${layers} (${modes} modes)`, measure(model, "ideal")),
    );
  }
}

export default benchCompile;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) benchCompile();
