// chip.bin's fields of the residual state update (docs/chip-format.md §10-§11): the signal
// field `accumulate` and the array section `readout.shift`, each written only when used, read
// back with validation, and shown by `inspect`.

import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { readChip } from "../../src/emit/chip-read.js";
import { writeChip } from "../../src/emit/chip-write.js";
import { encodeContainer, type Section } from "../../src/emit/container.js";
import { decodeContainer } from "../../src/emit/container-read.js";
import { formatInspect, inspectChip } from "../../src/emit/inspect.js";
import type { JsonValue } from "../../src/util/canonical-json.js";
import { RESIDUAL_INFO, residualModel } from "../sim/residual-chip.js";
import { INFO, syntheticModel } from "./synthetic.js";

const BYTES = writeChip(residualModel(), RESIDUAL_INFO);
const IMAGE = readChip(BYTES, "r.bin");

function thrown(run: () => unknown): Qs4dError {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error;
    throw error;
  }
  throw new Error("expected a Qs4dError, the call returned");
}

function edited(edit: (sections: Section[]) => Section[]): Uint8Array {
  return encodeContainer(edit([...decodeContainer(BYTES, "r.bin").sections.values()]));
}

const withShifts = (data: Int32Array | Float32Array) =>
  edited((sections) =>
    sections.map((s) =>
      s.name === "array.0.readout.shift"
        ? { ...s, dtype: data instanceof Int32Array ? "i32" : "f32", data }
        : s,
    ),
  );

function withSignal(edit: (signal: Record<string, JsonValue>) => void): Uint8Array {
  return edited((sections) =>
    sections.map((s) => {
      if (s.name !== "program" || s.kind !== "json") return s;
      const value = JSON.parse(JSON.stringify(s.value)) as Record<string, JsonValue>;
      edit((value.signals as Record<string, JsonValue>[])[2]!);
      return { ...s, value };
    }),
  );
}

describe("chip.bin carries the residual state update", () => {
  it("round trip: the state signal accumulates, the readouts keep their shifts", () => {
    expect(IMAGE.signals.map((s) => s.accumulate)).toEqual([undefined, undefined, true, undefined]);
    expect(IMAGE.signals.filter((s) => "accumulate" in s).length).toBe(1);
    expect(Array.from(IMAGE.arrays[0]!.readout.shift)).toEqual([3, 3, 2, 2, 0, 0]);
    const program = decodeContainer(BYTES, "r.bin").sections.get("program")!;
    expect(program.kind === "json" && JSON.stringify(program.value.signals)).toContain(
      '{"accumulate":true,"kind":"ssm-state","length":2,"limit":2047,"name":"l0.x"}',
    );
  });

  it("the shift section follows the other readout vectors", () => {
    const names = IMAGE.sections.map((s) => s.name);
    const at = names.indexOf("array.0.readout.shift");
    expect(names[at - 1]).toBe("array.0.readout.limit");
    expect(names[at + 1]).toBe("array.0.term.signal");
  });

  it("only when used: no field, no section for a chip without them (or with all shifts 0)", () => {
    const plain = readChip(writeChip(syntheticModel(), INFO), "s.bin");
    expect(plain.sections.some((s) => s.name.endsWith(".readout.shift"))).toBe(false);
    expect(plain.signals.some((s) => "accumulate" in s)).toBe(false);
    expect(Array.from(plain.arrays[0]!.readout.shift)).toEqual(new Array(7).fill(0));
    const unshifted = readChip(
      writeChip(residualModel({ shifts: { xr: 0, xi: 0 } }), RESIDUAL_INFO),
      "u.bin",
    );
    expect(unshifted.sections.some((s) => s.name.endsWith(".readout.shift"))).toBe(false);
    expect(unshifted.signals[2]!.accumulate).toBe(true);
    const replacing = writeChip(residualModel({ accumulate: false }), RESIDUAL_INFO);
    expect(readChip(replacing, "p.bin").signals.some((s) => "accumulate" in s)).toBe(false);
  });

  it.each([
    [31, "31 is outside [-16, 30]"],
    [-17, "-17 is outside [-16, 30]"],
  ])("rejects shift %i (QS4D-E515)", (shift, reason) => {
    const e = thrown(() => readChip(withShifts(Int32Array.from([3, 3, shift, 2, 0, 0])), "x.bin"));
    expect(e.diagnostic.code).toBe("QS4D-E515");
    expect(e.message).toContain("array.0.readout.shift");
    expect(e.message).toContain("[2]");
    expect(e.message).toContain(reason);
  });

  it("rejects a shift section of the wrong size (E516) or element type (E515)", () => {
    const short = thrown(() => readChip(withShifts(Int32Array.from([3, 3, 2])), "x.bin"));
    expect(short.diagnostic.code).toBe("QS4D-E516");
    const floats = thrown(() => readChip(withShifts(new Float32Array(6)), "x.bin"));
    expect(floats.diagnostic.code).toBe("QS4D-E515");
  });

  it.each([
    [false, "expected true or no field"],
    ["yes", "expected true or false"],
    [1, "expected true or false"],
  ] as const)("rejects accumulate: %j (QS4D-E515)", (value, reason) => {
    const e = thrown(() =>
      readChip(
        withSignal((s) => (s.accumulate = value)),
        "x.bin",
      ),
    );
    expect(e.diagnostic.code).toBe("QS4D-E515");
    expect(e.message).toContain("$.signals[2].accumulate");
    expect(e.message).toContain(reason);
  });

  it("inspect shows the accumulating signals and the shifted readouts", () => {
    const summary = inspectChip(IMAGE, BYTES.length);
    expect(summary.accumulating).toEqual(["l0.x"]);
    expect(summary.arrays[0]!.shiftedReadouts).toBe(4);
    expect(summary.arrays[0]!.shifts).toEqual([2, 3]);
    const text = formatInspect(summary);
    expect(text).toContain("accumulate 1 signals: l0.x");
    expect(text).toContain("shifts    4 readouts on 1 arrays shifted by 2, 3 bits");
    const plain = inspectChip(readChip(writeChip(syntheticModel(), INFO), "s.bin"), 0);
    expect("accumulating" in plain || "shifts" in plain.arrays[0]!).toBe(false);
    expect(formatInspect(plain)).not.toMatch(/^(accumulate|shifts) /m);
  });
});
