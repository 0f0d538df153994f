// `--trace FILE.vcd`: a valid Value Change Dump (header, timescale, scopes, one $var per
// signal with a unique identifier, $enddefinitions, increasing #times, binary vectors of the
// declared widths), whose register values are the simulation's codes at the commit cycles.

import { describe, expect, it } from "vitest";
import { simulateWithCodes } from "../../src/sim/codes.js";
import { prepareChip, simulateChip } from "../../src/sim/index.js";
import { compiled, goldenInputs } from "./helpers.js";

const c = compiled("digits-qat8-h32n16-l2", "imssa-64")!;
const x = goldenInputs("digits-qat8-h32n16-l2", 0, 2);
const input = { data: x.data, batch: x.batch, length: x.length, dIn: x.dIn };

interface Vcd {
  readonly header: string[];
  readonly vars: Map<string, { width: number; name: string; scope: string }>;
  /** Per identifier: (time, value) in file order. */
  readonly changes: Map<string, [number, number][]>;
  readonly times: number[];
}

/** A strict reader of the subset of IEEE 1364 VCD that GTKWave needs. */
function parseVcd(text: string): Vcd {
  const lines = text.split("\n").filter((l) => l !== "");
  const header: string[] = [];
  const vars = new Map<string, { width: number; name: string; scope: string }>();
  const scopes: string[] = [];
  let i = 0;
  for (; lines[i] !== "$enddefinitions $end"; i++) {
    const line = lines[i]!;
    expect(line.endsWith("$end"), line).toBe(true);
    const scope = /^\$scope module (\S+) \$end$/.exec(line);
    const v = /^\$var wire (\d+) (\S+) (\S+) \$end$/.exec(line);
    if (scope !== null) scopes.push(scope[1]!);
    else if (line === "$upscope $end") scopes.pop();
    else if (v !== null) {
      expect(vars.has(v[2]!), `duplicate id ${v[2]}`).toBe(false);
      vars.set(v[2]!, { width: Number(v[1]), name: v[3]!, scope: scopes.join(".") });
    } else header.push(line);
  }
  expect(scopes).toEqual([]);
  const changes = new Map<string, [number, number][]>();
  const times: number[] = [];
  let time = -1;
  for (i++; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "$dumpvars" || line === "$end") continue;
    if (line.startsWith("#")) {
      const t = Number(line.slice(1));
      expect(t).toBeGreaterThan(time);
      time = t;
      times.push(t);
      continue;
    }
    const m = /^b([01]+) (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const info = vars.get(m![2]!)!;
    expect(info, `undeclared id ${m![2]}`).toBeDefined();
    expect(m![1]!.length).toBe(info.width);
    const bits = m![1]!;
    const value = Number.parseInt(bits, 2) - (bits[0] === "1" ? 2 ** bits.length : 0);
    if (!changes.has(m![2]!)) changes.set(m![2]!, []);
    changes.get(m![2]!)!.push([time, value]);
  }
  return { header, vars, changes, times };
}

describe("VCD trace", async () => {
  const window = { start: 0, count: 400 };
  const sim = await simulateChip(prepareChip(c.chip), input, {
    noise: null,
    seed: 0,
    runs: 1,
    threads: 1,
    trace: window,
  });
  const vcd = parseVcd(sim.vcd!);

  it("has a header, a timescale, scopes and one variable per row DAC, column ADC and register", () => {
    expect(vcd.header).toContain("$timescale 1ns $end");
    expect(vcd.header.some((l) => l.startsWith("$version qs4dc"))).toBe(true);
    const names = [...vcd.vars.values()];
    expect(names.some((v) => v.scope === "chip.a0" && v.name.startsWith("dac_r"))).toBe(true);
    expect(names.some((v) => v.scope === "chip.a0" && v.name.startsWith("adc_c"))).toBe(true);
    expect(names.some((v) => v.scope === "chip.registers" && v.name === "l0_x_0")).toBe(true);
    // 8-bit codes in [-127, 127].
    expect(names.find((v) => v.name === "l0_x_0")!.width).toBe(8);
    expect(vcd.times[0]).toBe(0);
    expect(vcd.times.at(-1)).toBe((window.start + window.count) * 10);
  });

  it("register l0.y[0] holds the first sample's y codes at each commit (after the lag)", () => {
    const id = [...vcd.vars].find(([, v]) => v.name === "l0_y_0")![0];
    const values = vcd.changes.get(id)!.map(([, v]) => v);
    const codes = simulateWithCodes(c.chip, x.data, [x.batch, x.length, x.dIn]);
    const y = codes.layers.find((l) => l.layer === 0)!.yq!;
    // $dumpvars 0, then read 0 commits y(-1) = 0, read t commits y(t-1).
    const expected = [0, 0, ...Array.from({ length: values.length - 2 }, (_, t) => y[t]!)];
    expect(values).toEqual(expected);
    expect(values.some((v) => v !== 0)).toBe(true);
  });
});
