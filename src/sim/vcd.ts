// `--trace FILE.vcd`: a window of cycles of the first sample as a Value Change Dump (IEEE 1364
// §18) that GTKWave opens: per array the row DAC codes and the column ADC codes, and the
// registers each read commits (SSM state and output), as two's complement vectors, at the
// cycles the timing model schedules them (DAC codes when the DACs settle, each ADC code when
// its shared ADC finishes that conversion, registers at the commit).

import type { ChipImage } from "../emit/chip-image.js";
import { VERSION } from "../version.js";
import type { ConversionTable, ReadGroup } from "./conversions.js";
import type { ReadProbe } from "./engine.js";
import type { ChipLayout } from "./layout.js";
import type { StreamHooks } from "./stream.js";
import type { ReadPhases, Timing } from "./timing.js";

export interface TraceWindow {
  readonly start: number;
  readonly count: number;
}

interface Variable {
  readonly scope: string;
  readonly name: string;
  readonly width: number;
}

/** Bits of a two's complement code in [-limit, limit]. */
function widthOf(limit: number): number {
  return Math.max(2, Math.ceil(Math.log2(limit + 1)) + 1);
}

/** VCD identifier codes: printable ASCII 33..126, base 94. */
function identifier(n: number): string {
  let id = "";
  let v = n;
  do {
    id += String.fromCharCode(33 + (v % 94));
    v = Math.floor(v / 94);
  } while (v > 0);
  return id;
}

function binary(value: number, width: number): string {
  const bits = (value < 0 ? 2 ** width + value : value).toString(2);
  return bits.padStart(width, value < 0 ? "1" : "0");
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

/** Per group: variable index of each driven row, conversion and written register. */
interface GroupVars {
  readonly rows: {
    array: number;
    row: number;
    register: number;
    polarity: number;
    variable: number;
  }[];
  readonly primaries: Int32Array;
  readonly mirrors: Int32Array;
  /** Finish cycle of each conversion, from the read's start (its slot on its ADC). */
  readonly primaryAt: Int32Array;
  readonly mirrorAt: Int32Array;
  readonly registers: { register: number; variable: number }[];
  readonly phases: ReadPhases;
  readonly stage: number;
}

export class VcdTracer implements ReadProbe {
  private readonly variables: Variable[] = [];
  private readonly groupVars = new Map<ReadGroup, GroupVars>();
  private readonly opOfGroup = new Map<ReadGroup, number>();
  /** Latest value before the window per variable, and its time. */
  private readonly before: Int32Array;
  private readonly beforeAt: Float64Array;
  private readonly events: number[] = [];
  private readStart = 0;

  constructor(
    private readonly image: ChipImage,
    layout: ChipLayout,
    groups: ReadonlyMap<number, ReadGroup>,
    private readonly timing: Timing,
    private readonly window: TraceWindow,
  ) {
    const registerVars = new Map<number, number>();
    for (const [op, group] of groups) {
      this.opOfGroup.set(group, op);
      const stage = timing.stages.findIndex((s) => s.ops.includes(op));
      this.groupVars.set(
        group,
        this.declare(group, layout, stage, timing.readPhases.get(op)!, registerVars),
      );
    }
    this.before = new Int32Array(this.variables.length);
    this.beforeAt = new Float64Array(this.variables.length).fill(-1);
  }

  private add(scope: string, name: string, limit: number): number {
    this.variables.push({ scope, name, width: widthOf(limit) });
    return this.variables.length - 1;
  }

  private declare(
    group: ReadGroup,
    layout: ChipLayout,
    stage: number,
    phases: ReadPhases,
    registerVars: Map<number, number>,
  ): GroupVars {
    const image = this.image;
    const signals = new Set<number>();
    for (const s of group.primaries.termSignal) if (s >= 0) signals.add(s);
    const rows: GroupVars["rows"] = [];
    for (const k of group.arrays) {
      const a = image.arrays[k]!;
      for (let r = 0; r < a.rows; r++) {
        const s = a.row.signal[r]!;
        if (!signals.has(s)) continue;
        const register = layout.offset[s]! + a.row.element[r]!;
        rows.push({
          array: k,
          row: r,
          register,
          polarity: a.row.polarity[r]!,
          variable: this.add(`a${k}`, `dac_r${r}`, image.signals[s]!.limit),
        });
      }
    }
    const conversions = (table: ConversionTable) =>
      Int32Array.from({ length: table.count }, (_, c) => {
        const a = image.arrays[table.array[c]!]!;
        return this.add(
          `a${table.array[c]}`,
          `adc_c${a.readout.colPlus[table.readout[c]!]}`,
          table.limit[c]!,
        );
      });
    const slots = conversionSlots(group, phases);
    const registers: GroupVars["registers"] = [];
    for (const w of group.written) {
      for (let e = 0; e < w.length; e++) {
        const register = w.offset + e;
        if (!registerVars.has(register))
          registerVars.set(
            register,
            this.add("registers", `${safe(image.signals[w.signal]!.name)}_${e}`, w.limit),
          );
        registers.push({ register, variable: registerVars.get(register)! });
      }
    }
    return {
      rows,
      primaries: conversions(group.primaries),
      mirrors: conversions(group.mirrors),
      primaryAt: slots.primaries,
      mirrorAt: slots.mirrors,
      registers,
      phases,
      stage,
    };
  }

  /** Hooks that feed this tracer from the first sample's reads. */
  hooks(): StreamHooks {
    return {
      probe: this,
      beforeRead: (op, read) => {
        const stage = this.timing.stages.find((s) => s.ops.includes(op))!;
        this.readStart = stage.start[read]!;
      },
    };
  }

  private record(cycle: number, variable: number, value: number): void {
    if (cycle >= this.window.start + this.window.count) return;
    if (cycle < this.window.start) {
      if (cycle >= this.beforeAt[variable]!) {
        this.beforeAt[variable] = cycle;
        this.before[variable] = value;
      }
      return;
    }
    this.events.push(cycle, variable, value);
  }

  conversions(
    group: ReadGroup,
    registers: Int32Array,
    primaries: Int32Array,
    mirrors: Int32Array,
  ): void {
    const g = this.groupVars.get(group)!;
    const t0 = this.readStart + g.phases.quantize;
    for (const r of g.rows) this.record(t0, r.variable, r.polarity * registers[r.register]!);
    const converted = t0 + g.phases.passes * (g.phases.dac + g.phases.read);
    for (let c = 0; c < primaries.length; c++)
      this.record(converted + g.primaryAt[c]!, g.primaries[c]!, primaries[c]!);
    for (let c = 0; c < mirrors.length; c++)
      this.record(converted + g.mirrorAt[c]!, g.mirrors[c]!, mirrors[c]!);
  }

  committed(group: ReadGroup, registers: Int32Array): void {
    const g = this.groupVars.get(group)!;
    const p = g.phases;
    const analog = p.passes * (p.dac + p.read);
    const at = this.readStart + p.quantize + analog + p.rounds * p.conversion + p.commit;
    for (const r of g.registers) this.record(at, r.variable, registers[r.register]!);
  }

  /** The VCD text. Times are in ns (ps when a cycle is not a whole number of ns). */
  text(file: string): string {
    const ns = Number.isInteger(this.timing.cycleNs);
    const unit = ns ? this.timing.cycleNs : Math.round(this.timing.cycleNs * 1000);
    const out: string[] = [
      `$version qs4dc ${VERSION} $end`,
      `$comment ${file}: first sample, cycles [${this.window.start}, ${this.window.start + this.window.count}) at ${this.timing.clockMHz} MHz $end`,
      `$timescale 1${ns ? "ns" : "ps"} $end`,
      "$scope module chip $end",
    ];
    const byScope = new Map<string, number[]>();
    this.variables.forEach((v, i) => {
      if (!byScope.has(v.scope)) byScope.set(v.scope, []);
      byScope.get(v.scope)!.push(i);
    });
    for (const [scope, vars] of byScope) {
      out.push(`$scope module ${scope} $end`);
      for (const i of vars) {
        const v = this.variables[i]!;
        out.push(`$var wire ${v.width} ${identifier(i)} ${v.name} $end`);
      }
      out.push("$upscope $end");
    }
    out.push("$upscope $end", "$enddefinitions $end", `#${this.window.start * unit}`, "$dumpvars");
    this.variables.forEach((v, i) => {
      out.push(`b${binary(this.before[i]!, v.width)} ${identifier(i)}`);
    });
    out.push("$end");
    const order = Array.from({ length: this.events.length / 3 }, (_, i) => i);
    order.sort((a, b) => this.events[3 * a]! - this.events[3 * b]! || a - b);
    let time = this.window.start;
    for (const e of order) {
      const [cycle, variable, value] = [
        this.events[3 * e]!,
        this.events[3 * e + 1]!,
        this.events[3 * e + 2]!,
      ];
      if (cycle !== time) {
        out.push(`#${cycle * unit}`);
        time = cycle;
      }
      out.push(`b${binary(value, this.variables[variable]!.width)} ${identifier(variable)}`);
    }
    out.push(`#${(this.window.start + this.window.count) * unit}`);
    return `${out.join("\n")}\n`;
  }
}

/** Each conversion's finish, in cycles after the read: its turn on its array's ADC. */
function conversionSlots(
  group: ReadGroup,
  phases: ReadPhases,
): { primaries: Int32Array; mirrors: Int32Array } {
  const turn = new Map<string, number>();
  const all: {
    table: 0 | 1;
    c: number;
    array: number;
    adc: number;
    readout: number;
    steps: number;
  }[] = [];
  for (const [t, table] of [group.primaries, group.mirrors].entries()) {
    for (let c = 0; c < table.count; c++)
      all.push({
        table: t as 0 | 1,
        c,
        array: table.array[c]!,
        adc: table.adc[c]!,
        readout: table.readout[c]!,
        steps: table.adcSteps[c]!,
      });
  }
  all.sort((x, y) => x.array - y.array || x.readout - y.readout);
  const slots = {
    primaries: new Int32Array(group.primaries.count),
    mirrors: new Int32Array(group.mirrors.count),
  };
  for (const x of all) {
    const key = `${x.array}:${x.adc}`;
    // A conversion wider than the ADC occupies it for its steps.
    const n = (turn.get(key) ?? 0) + x.steps;
    turn.set(key, n);
    (x.table === 0 ? slots.primaries : slots.mirrors)[x.c] = n * phases.conversion;
  }
  return slots;
}
