// The simulation report (`--report R.json`) and its summary on stderr: timing, energy by
// component with sources, efficiency beside the Jetson Nano, and accuracy over the runs.
// Deterministic: nothing in it depends on the host, the thread count or the clock on the wall.

import type { ChipImage } from "../emit/chip-image.js";
import { chipEnergy, countEvents, type Energy, type EventCounts } from "./energy.js";
import type { NoiseParams } from "./noise.js";
import type { SimChip } from "./simulate.js";
import type { Timing } from "./timing.js";

export interface AccuracyStats {
  /** Per run, in run order. */
  readonly runs: readonly number[];
  readonly mean: number;
  /** Sample standard deviation over runs (0 for one run). */
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

export interface SimReport {
  readonly chip: {
    readonly file: string;
    readonly model: string;
    readonly target: string;
    readonly arrays: number;
    readonly compiler: string;
  };
  readonly input: {
    readonly batch: number;
    readonly length: number;
    readonly dIn: number;
    readonly classes: number;
  };
  readonly mode: "ideal" | "device";
  readonly noise: NoiseParams | null;
  readonly seed: number | null;
  readonly runs: number;
  readonly timing: {
    readonly clockMHz: number;
    readonly digitalLanes: number;
    readonly cyclesPerStep: number;
    readonly latencyCycles: number;
    readonly latencyMicroseconds: number;
    readonly stepsPerSecond: number;
    readonly samplesPerSecond: number;
    readonly batchCycles: number;
    readonly stages: readonly {
      readonly name: string;
      readonly kind: string;
      readonly items: number;
      readonly cyclesPerItem: number;
      readonly waitsForWholeSequence: boolean;
    }[];
  };
  readonly events: EventCounts;
  readonly energy: Energy;
  readonly accuracy: AccuracyStats | null;
}

export function accuracyOf(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let b = 0; b < labels.length; b++)
    if (argmax(logits, b * classes, classes) === labels[b]) correct++;
  return correct / labels.length;
}

export function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[from + i]! > v[from + best]!) best = i;
  return best;
}

export function accuracyStats(perRun: readonly number[]): AccuracyStats {
  const n = perRun.length;
  const mean = perRun.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? perRun.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return {
    runs: perRun,
    mean,
    std: Math.sqrt(variance),
    min: Math.min(...perRun),
    max: Math.max(...perRun),
  };
}

export interface ReportInputs {
  readonly chip: SimChip;
  readonly timing: Timing;
  readonly batch: number;
  readonly noise: NoiseParams | null;
  readonly seed: number | null;
  readonly runs: number;
  readonly accuracy: AccuracyStats | null;
}

export function buildReport(r: ReportInputs): SimReport {
  const { image, layout, groups } = r.chip;
  const t = r.timing;
  const events = countEvents(image, groups, t);
  const seconds = (cycles: number) => (cycles * t.cycleNs) / 1e9;
  const batchCycles = t.latencyCycles + (r.batch - 1) * t.sampleIntervalCycles;
  return {
    chip: chipInfo(image),
    input: { batch: r.batch, length: t.length, dIn: layout.dIn, classes: layout.classes },
    mode: r.noise === null ? "ideal" : "device",
    noise: r.noise,
    seed: r.seed,
    runs: r.runs,
    timing: {
      clockMHz: t.clockMHz,
      digitalLanes: t.lanes,
      cyclesPerStep: t.cyclesPerStep,
      latencyCycles: t.latencyCycles,
      latencyMicroseconds: seconds(t.latencyCycles) * 1e6,
      stepsPerSecond: t.length / seconds(t.sampleIntervalCycles),
      samplesPerSecond: 1 / seconds(t.sampleIntervalCycles),
      batchCycles,
      stages: t.stages.map((s) => ({
        name: s.name,
        kind: s.kind,
        items: s.items,
        cyclesPerItem: s.cyclesPerItem,
        waitsForWholeSequence: s.barrier,
      })),
    },
    events,
    energy: chipEnergy(image, events, t),
    accuracy: r.accuracy,
  };
}

function chipInfo(image: ChipImage): SimReport["chip"] {
  return {
    file: image.file,
    model: image.manifest.source.model,
    target: image.target.name,
    arrays: image.arrays.length,
    compiler: `${image.manifest.compiler.name} ${image.manifest.compiler.version}`,
  };
}

const fixed = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

function engineering(v: number, unit: string): string {
  const prefixes: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
    [1, ""],
    [1e-3, "m"],
    [1e-6, "µ"],
    [1e-9, "n"],
    [1e-12, "p"],
  ];
  const [scale, prefix] = prefixes.find(([s]) => Math.abs(v) >= s) ?? [1e-12, "p"];
  return `${(v / scale).toPrecision(4)} ${prefix}${unit}`;
}

/** The human summary printed on stderr. */
export function formatSummary(r: SimReport): string {
  const t = r.timing;
  const e = r.energy;
  const lines = [
    `simulated ${r.chip.model} on ${r.chip.target} (${r.chip.arrays} arrays): ${r.input.batch} samples x ${r.input.length} steps, ${r.mode}${r.runs > 1 ? `, ${r.runs} runs` : ""}`,
    `  timing   ${t.cyclesPerStep} cycles/step at ${t.clockMHz} MHz, latency ${t.latencyCycles} cycles (${engineering(t.latencyMicroseconds * 1e-6, "s")}), ${engineering(t.samplesPerSecond, "samples/s")}, ${engineering(t.stepsPerSecond, "steps/s")}`,
    `  energy   ${engineering(e.totalPicojoulesPerSample * 1e-12, "J")}/sample: ${Object.entries(
      e.perSample,
    )
      .map(([k, c]) => `${k} ${engineering(c.picojoules * 1e-12, "J")}`)
      .join(", ")}`,
    `  efficiency ${fixed(e.topsPerWatt)} TOPS/W (${engineering(e.opsPerSample, "ops")}/sample); Jetson Nano ${fixed(e.jetsonNano.topsPerWatt[0], 4)}-${fixed(e.jetsonNano.topsPerWatt[1], 4)} TFLOPS/W`,
  ];
  if (r.accuracy !== null) {
    const a = r.accuracy;
    lines.push(
      r.runs > 1
        ? `  accuracy mean ${fixed(a.mean, 4)}, std ${fixed(a.std, 4)}, min ${fixed(a.min, 4)}, max ${fixed(a.max, 4)} over ${r.runs} runs`
        : `  accuracy ${fixed(a.mean, 4)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
