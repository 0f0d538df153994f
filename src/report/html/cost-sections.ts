// The cost sections of the HTML report: QS4D's cost metrics against a float32 model of the same
// shape, and the cycle and energy breakdown of the simulator's timing and energy model (handed
// in by the driver: the report layer does not import the simulator).

import type { CompilationReport, CostEntry } from "../build.js";
import type { CostMetrics } from "../cost.js";
import { esc, num, section, table } from "./markup.js";
import { bars } from "./svg.js";

/**
 * The cycles and energy of one sample, as the simulator's report gives them (src/sim/report.ts:
 * its SimReport has these fields, so the driver hands it over as it is).
 */
export interface ChipRunCost {
  readonly input: { readonly length: number };
  readonly timing: {
    readonly clockMHz: number;
    readonly digitalLanes: number;
    readonly cyclesPerStep: number;
    readonly latencyCycles: number;
    readonly latencyMicroseconds: number;
    readonly samplesPerSecond: number;
    readonly stages: readonly {
      readonly name: string;
      readonly kind: string;
      readonly items: number;
      readonly cyclesPerItem: number;
      readonly waitsForWholeSequence: boolean;
    }[];
  };
  readonly energy: {
    readonly perSample: Readonly<
      Record<
        string,
        {
          readonly events: number;
          readonly picojoulesEach: number;
          readonly picojoules: number;
          readonly source: string;
        }
      >
    >;
    readonly totalPicojoulesPerSample: number;
    readonly opsPerSample: number;
    readonly topsPerWatt: number;
    readonly watts: number;
    readonly jetsonNano: { readonly topsPerWatt: readonly [number, number] };
  };
}

const METRICS: readonly [keyof CostMetrics, string][] = [
  ["ace", "ACE (bit operations per step)"],
  ["modelBits", "model size (bits)"],
  ["adcComplexity", "ADC complexity"],
];

function costColumns(c: CompilationReport["cost"]): [string, CostEntry | null][] {
  return [
    ["compiled", c.compiled],
    ["as trained", c.trained],
  ];
}

export function costSection(r: CompilationReport): string {
  const columns = costColumns(r.cost).filter((e): e is [string, CostEntry] => e[1] !== null);
  const head = ["metric", "float32", ...columns.flatMap(([n]) => [n, `${n}: × smaller`])];
  const rows = METRICS.map(([key, label]) => [
    esc(label),
    num(r.cost.float[key]),
    ...columns.flatMap(([, e]) => [num(e.metrics[key]), `${num(e.vsFloat[key], 3)}×`]),
  ]);
  const bitsRows = columns.map(([name, e]) => [
    esc(name),
    ...Object.values(e.bits).map((b) => String(b)),
  ]);
  const bitsHead = ["bit widths", ...Object.keys(r.cost.compiled.bits)];
  const chart = bars({
    className: "cost-chart",
    title: "Cost relative to float32",
    xLabel: "metric",
    yLabel: "× smaller than float32",
    categories: METRICS.map(([k]) => k),
    groups: columns.map(([name, e]) => ({ name, values: METRICS.map(([k]) => e.vsFloat[k]) })),
  });
  return section(
    "cost",
    "QS4D cost metrics against float",
    [
      `<p>Shape: ${r.cost.compiled.shape.layers} layers × ${r.cost.compiled.shape.channels} channels × ${r.cost.compiled.shape.state} states.</p>`,
      `<div class="plots">${chart}</div>`,
      table("cost", head, rows),
      table("cost-bits", bitsHead, bitsRows),
    ].join("\n"),
  );
}

function energyChart(e: ChipRunCost["energy"]): string {
  const parts = Object.entries(e.perSample);
  return bars({
    className: "energy-chart",
    title: "Energy per sample by component",
    xLabel: "component",
    yLabel: "pJ",
    categories: parts.map(([k]) => k),
    groups: [{ name: "pJ", values: parts.map(([, c]) => c.picojoules) }],
  });
}

export function cyclesEnergySection(run: ChipRunCost | null, note: string): string {
  if (run === null) return section("cycles", "Cycles and energy", `<p>${esc(note)}</p>`);
  const t = run.timing;
  const e = run.energy;
  const summary = table(
    "timing",
    [
      "sequence length",
      "clock",
      "lanes",
      "cycles/step",
      "latency",
      "samples/s",
      "energy/sample",
      "TOPS/W",
      "Jetson Nano TFLOPS/W",
    ],
    [
      [
        String(run.input.length),
        `${num(t.clockMHz)} MHz`,
        String(t.digitalLanes),
        String(t.cyclesPerStep),
        `${t.latencyCycles} cycles (${num(t.latencyMicroseconds)} µs)`,
        num(t.samplesPerSecond),
        `${num(e.totalPicojoulesPerSample)} pJ`,
        num(e.topsPerWatt),
        `${num(e.jetsonNano.topsPerWatt[0])}–${num(e.jetsonNano.topsPerWatt[1])}`,
      ],
    ],
  );
  const stages = table(
    "stages",
    ["stage", "kind", "items/sample", "cycles/item", "waits for whole sequence"],
    t.stages.map((s) => [
      esc(s.name),
      esc(s.kind),
      String(s.items),
      String(s.cyclesPerItem),
      s.waitsForWholeSequence ? "yes" : "",
    ]),
  );
  const energy = table(
    "energy",
    ["component", "events/sample", "pJ each", "pJ/sample", "source"],
    Object.entries(e.perSample).map(([k, c]) => [
      esc(k),
      num(c.events),
      num(c.picojoulesEach),
      num(c.picojoules),
      esc(c.source),
    ]),
  );
  return section(
    "cycles",
    "Cycles and energy",
    [
      `<p>${esc(note)}</p>`,
      summary,
      `<div class="plots">${energyChart(e)}</div>`,
      stages,
      energy,
    ].join("\n"),
  );
}
