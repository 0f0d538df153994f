// Cycle counting (docs/simulator.md §5). The program becomes a chain of pipeline stages: digital
// stages (row-wise periphery ops on `lanes` parallel lanes) and array stages (one read per time
// step: DAC settle, the read, the conversions serialized over each array's shared ADCs, the
// register commit, plus the SSM's quantize/dequantize). Every stage works on one item (a time
// step, or a read) at a time and starts item i when it has finished item i-1 and the item of
// the stage before it that produces the row it needs is done; so layers overlap as a pipeline
// (layer l reads step t while layer l+1 reads step t-1), and an op that needs the whole
// sequence (a per-sample scale) waits for its last row. The schedule is data-independent:
// computed once per chip and length.

import type { ChipImage, ChipOp } from "../emit/chip-image.js";
import type { ReadGroup } from "./conversions.js";
import type { ChipLayout } from "./layout.js";

/** Digital operations per element of each row-wise op (a MAC or an add is one operation). */
export const OPS_PER_ELEMENT = {
  /** mean, variance (2), normalize and affine (3) */
  "layer-norm": 6,
  /** (x - mean) * inv * w + b */
  "batch-norm": 3,
  /** erf as a 10-term polynomial, 2 multiplies */
  gelu: 12,
  relu: 1,
  /** exp as a 10-term polynomial, add, divide, multiply */
  glu: 13,
  add: 1,
  /** max scan, multiply, round, divide */
  "fake-quant": 4,
  "mean-pool": 1,
  /** SSM input: divide (or multiply) and round to a DAC code */
  quantize: 2,
  /** SSM output: code x scale (and / s per sample; + D u digitally: 3 more) */
  dequantize: 1,
} as const;

export interface StageTiming {
  readonly name: string;
  readonly kind: "digital" | "arrays";
  /** Items (time steps or reads) per sample. */
  readonly items: number;
  readonly cyclesPerItem: number;
  /** Waits for the whole sequence of the stage before it (a per-sample statistic). */
  readonly barrier: boolean;
  /** Program op indices in this stage. */
  readonly ops: readonly number[];
  /** Cycle of the start of each item in the first sample's schedule. */
  readonly start: Float64Array;
}

export interface Timing {
  readonly clockMHz: number;
  readonly cycleNs: number;
  readonly lanes: number;
  readonly length: number;
  readonly stages: readonly StageTiming[];
  /** Steady state: the slowest per-step stage's cycles (the initiation interval). */
  readonly cyclesPerStep: number;
  /** First input row to logits, one sample. */
  readonly latencyCycles: number;
  /** Between consecutive samples in a back-to-back batch (the busiest stage's cycles per sample). */
  readonly sampleIntervalCycles: number;
  /** Per array read of each array op: phases of a read, in cycles from its start. */
  readonly readPhases: ReadonlyMap<number, ReadPhases>;
  readonly digitalOps: number;
}

export interface ReadPhases {
  /** DAC passes P of the read (a signal wider than the DAC): each is a DAC settle and a read. */
  readonly passes: number;
  readonly dac: number;
  readonly read: number;
  /** Cycles of one conversion step on one ADC. */
  readonly conversion: number;
  /** Conversion steps on the busiest ADC (one per conversion unless wider than the ADC). */
  readonly rounds: number;
  /**
   * The register commit: one register access, or for an accumulating signal a read-modify-write
   * (register read, one digital add, register write; every element in parallel).
   */
  readonly commit: number;
  /** Quantize before the DACs and dequantize after the commit, on the lanes. */
  readonly quantize: number;
  readonly dequantize: number;
}

interface Draft {
  name: string;
  kind: "digital" | "arrays";
  items: number;
  cycles: number;
  barrier: boolean;
  ops: number[];
  /** Output row j is ready when item outputItem(j) finishes. */
  lag: number;
  /** One output row per sample (mean-pool) instead of one per item. */
  pooled: boolean;
}

export interface TimingOptions {
  readonly length: number;
  /** Digital lanes; default the widest SSM layer's channels. */
  readonly lanes?: number;
}

const opsPerRow = (op: ChipOp, width: ReadonlyMap<string, number>): number => {
  const x = width.get(op.input)!;
  switch (op.op) {
    case "linear":
      return op.weight.data.length;
    case "glu":
      return (x / 2) * OPS_PER_ELEMENT.glu;
    case "ssm":
    case "crossbar-linear":
      return 0;
    default:
      return x * OPS_PER_ELEMENT[op.op];
  }
};

export function chipTiming(
  image: ChipImage,
  layout: ChipLayout,
  groups: ReadonlyMap<number, ReadGroup>,
  options: TimingOptions,
): Timing {
  const d = image.target.description;
  const clockMHz = d.digital.clockMHz;
  const cycleNs = 1000 / clockMHz;
  const cycles = (ns: number) => Math.ceil(ns / cycleNs - 1e-9);
  const L = options.length;
  const lanes = options.lanes ?? defaultLanes(image);
  const opCycles = (ops: number) => Math.ceil(ops / lanes) * cycles(d.timing.digitalOpNs);
  const drafts: Draft[] = [];
  const readPhases = new Map<number, ReadPhases>();
  let rows = L;
  let digitalOps = 0;
  let current: Draft | null = null;
  const digital = (barrier: boolean): Draft => {
    const stage: Draft = {
      name: "",
      kind: "digital",
      items: rows,
      cycles: 0,
      barrier,
      ops: [],
      lag: 0,
      pooled: false,
    };
    drafts.push(stage);
    return stage;
  };
  image.program.forEach((op, i) => {
    const group = groups.get(i);
    if (group !== undefined) {
      const h = layout.width.get(op.input)!;
      const ssm = op.op === "ssm" ? op : null;
      const lagged = ssm?.outputMode === "lagged";
      const access = cycles(d.timing.registerAccessNs);
      const phases: ReadPhases = {
        passes: group.passes,
        dac: cycles(d.timing.dacSettleNs),
        read: cycles(d.timing.readNs),
        conversion: cycles(d.timing.adcConversionNs),
        rounds: Math.max(0, ...group.adcRounds),
        commit: group.accumulated > 0 ? 2 * access + cycles(d.timing.digitalOpNs) : access,
        quantize: opCycles(h * OPS_PER_ELEMENT.quantize),
        dequantize: opCycles(layout.width.get(op.output)! * dequantizeOps(op)),
      };
      readPhases.set(i, phases);
      const perRead =
        phases.quantize +
        phases.passes * (phases.dac + phases.read) +
        phases.rounds * phases.conversion +
        phases.commit +
        phases.dequantize;
      const barrier = ssm === null || ssm.inputQuant.kind === "sample";
      drafts.push({
        name: `${op.output} arrays`,
        kind: "arrays",
        items: lagged ? rows + 1 : rows,
        cycles: perRead,
        barrier,
        ops: [i],
        lag: lagged ? 1 : 0,
        pooled: false,
      });
      // The accumulate commit's adds: one per accumulated element per read.
      digitalOps +=
        (lagged ? rows + 1 : rows) *
        (h * OPS_PER_ELEMENT.quantize +
          layout.width.get(op.output)! * dequantizeOps(op) +
          group.accumulated);
      current = null;
      return;
    }
    if (current === null || op.op === "fake-quant") current = digital(op.op === "fake-quant");
    const ops = opsPerRow(op, layout.width);
    current.ops.push(i);
    current.cycles += opCycles(ops);
    digitalOps += ops * rows;
    if (op.op === "mean-pool") {
      current.pooled = true;
      rows = 1;
      current = null;
    }
  });
  for (const s of drafts) s.name ||= `${image.program[s.ops[0]!]!.output} periphery`;
  const stages = schedule(drafts);
  const perStep = stages.filter((s) => s.items > 1).map((s) => s.cyclesPerItem);
  const last = stages.at(-1)!;
  return {
    clockMHz,
    cycleNs,
    lanes,
    length: L,
    stages,
    cyclesPerStep: Math.max(0, ...perStep),
    latencyCycles: last.start[last.items - 1]! + last.cyclesPerItem,
    sampleIntervalCycles: Math.max(...stages.map((s) => s.items * s.cyclesPerItem)),
    readPhases,
    digitalOps,
  };
}

function dequantizeOps(op: ChipOp): number {
  if (op.op === "crossbar-linear") return 3;
  if (op.op !== "ssm") return 0;
  return (
    OPS_PER_ELEMENT.dequantize +
    (op.inputQuant.kind === "sample" ? 1 : 0) +
    (op.digitalD !== null ? 3 : 0)
  );
}

/** The widest SSM layer's channel count (one digital lane per channel). */
function defaultLanes(image: ChipImage): number {
  let lanes = 1;
  for (const op of image.program)
    if (op.op === "ssm") lanes = Math.max(lanes, image.signals[op.inputSignal]!.length);
  return lanes;
}

/** Start cycles of every item: start = max(own previous finish, the needed input row's ready time). */
function schedule(drafts: readonly Draft[]): StageTiming[] {
  let ready: (row: number) => number = () => 0;
  let rowsIn = Number.POSITIVE_INFINITY;
  return drafts.map((s) => {
    const start = new Float64Array(s.items);
    let free = 0;
    for (let i = 0; i < s.items; i++) {
      const need = s.barrier ? rowsIn - 1 : Math.min(i, rowsIn - 1);
      start[i] = Math.max(free, Number.isFinite(rowsIn) ? ready(need) : 0);
      free = start[i]! + s.cycles;
    }
    const finish = (item: number) => start[item]! + s.cycles;
    ready = s.pooled
      ? () => finish(s.items - 1)
      : (row) => finish(Math.min(row + s.lag, s.items - 1));
    rowsIn = s.pooled ? 1 : s.items - s.lag;
    return {
      name: s.name,
      kind: s.kind,
      items: s.items,
      cyclesPerItem: s.cycles,
      barrier: s.barrier,
      ops: s.ops,
      start,
    };
  });
}
