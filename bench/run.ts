// `npm run bench`: the machine first (figures mean little without it), then every benchmark
// module of bench/ in name order. A module exports its benchmark as the default export (or
// as functions named bench*); a benchmark expected here but not present yet is named, not run.

import { existsSync, readdirSync } from "node:fs";
import { arch, cpus, freemem, loadavg, release, totalmem, type } from "node:os";

/** Benchmarks other work provides; a missing one is a printed note. */
const EXPECTED: Readonly<Record<string, string>> = {
  "compile.ts": "compile time per shared model and per pass, growth with model size",
  "sim.ts":
    "the whole qs4dc sim command against onnxruntime-node, worker threads, device model, C reference, peak memory",
};

const HERE = new URL(".", import.meta.url);

function machine(): string {
  const cpu = cpus();
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return [
    `# machine: ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores`,
    `# ${type()} ${release()} ${arch()}, node ${process.version}, memory ${gib(totalmem())} (${gib(freemem())} free)`,
    // Figures taken on a shared machine mean little without the load they ran under.
    `# load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (1, 5, 15 min)`,
  ].join("\n");
}

type Benchmark = () => unknown;

function benchmarksOf(module: Readonly<Record<string, unknown>>): Benchmark[] {
  if (typeof module.default === "function") return [module.default as Benchmark];
  return Object.entries(module)
    .filter(([name, value]) => name.startsWith("bench") && typeof value === "function")
    .map(([, value]) => value as Benchmark);
}

async function main(): Promise<void> {
  console.log(machine());
  const files = readdirSync(HERE)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts")
    .sort();
  for (const [file, what] of Object.entries(EXPECTED)) {
    if (!existsSync(new URL(file, HERE)))
      console.log(`# skipped bench/${file} (${what}): not present yet`);
  }
  for (const file of files) {
    const module = (await import(new URL(file, HERE).href)) as Record<string, unknown>;
    const benchmarks = benchmarksOf(module);
    if (benchmarks.length === 0) console.log(`# skipped bench/${file}: it exports no benchmark`);
    for (const benchmark of benchmarks) await benchmark();
  }
}

await main();
