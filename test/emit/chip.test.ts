import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import type { ChipOp } from "../../src/emit/chip-image.js";
import { readChip } from "../../src/emit/chip-read.js";
import { ARRAY_VECTORS, arrayVectorSection, OP_FIELDS } from "../../src/emit/chip-sections.js";
import { writeChip } from "../../src/emit/chip-write.js";
import { encodeContainer, type Section } from "../../src/emit/container.js";
import { decodeContainer } from "../../src/emit/container-read.js";
import type { HardwareProgram } from "../../src/ir/hardware.js";
import type { Model } from "../../src/ir/model.js";
import { f32 } from "../../src/ir/tensor.js";
import { IDEAL, IMSSA_64 } from "../../src/target/builtins.js";
import type { JsonObject, JsonValue } from "../../src/util/canonical-json.js";
import { CELLS, conductanceOf, INFO, SIGNALS, syntheticModel } from "./synthetic.js";

const MODEL = syntheticModel();
const BYTES = writeChip(MODEL, INFO);
const IMAGE = readChip(BYTES, "s.bin");

function thrown(run: () => unknown): Qs4dError {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error;
    throw error;
  }
  throw new Error("expected a Qs4dError, the call returned");
}

function withHardware(edit: (hw: HardwareProgram) => HardwareProgram): Model {
  return { ...MODEL, hardware: edit(MODEL.hardware!) };
}

/** Re-encode BYTES with its sections changed by `edit` (CRCs and layout stay valid). */
function edited(edit: (sections: Section[]) => Section[]): Uint8Array {
  const sections = [...decodeContainer(BYTES, "s.bin").sections.values()];
  return encodeContainer(edit(sections));
}

function editJson(name: string, edit: (value: Record<string, JsonValue>) => void): Uint8Array {
  return edited((sections) =>
    sections.map((s) => {
      if (s.name !== name || s.kind !== "json") return s;
      const value = JSON.parse(JSON.stringify(s.value)) as Record<string, JsonValue>;
      edit(value);
      return { ...s, value };
    }),
  );
}

function editArray(name: string, edit: (data: Int32Array) => Int32Array): Uint8Array {
  return edited((sections) =>
    sections.map((s) =>
      s.name === name && s.kind === "array"
        ? { ...s, data: edit((s.data as Int32Array).slice()) }
        : s,
    ),
  );
}

describe("chip.bin: writer and reader agree with the hand-built model", () => {
  it("holds the sections docs/chip-format.md lists, in order", () => {
    const names = IMAGE.sections.map((s) => s.name);
    expect(names.slice(0, 3)).toEqual(["manifest", "target", "program"]);
    expect(names).toContain("op.0.weight");
    expect(names).toContain("op.1.input-quant.scale");
    expect(names).toContain("op.1.output-scale");
    expect(names).not.toContain("op.5.bias");
    expect(names.filter((n) => n.startsWith("array.0"))).toEqual([
      "array.0",
      ...["signal", "element", "polarity"].map((f) => `array.0.row.${f}`),
      ...["col-plus", "col-minus", "signal", "element", "polarity", "slice", "adc", "limit"].map(
        (f) => `array.0.readout.${f}`,
      ),
      "array.0.term.signal",
      "array.0.term.gain",
      ...["row", "col", "level", "conductance-us"].map((f) => `array.0.cell.${f}`),
    ]);
  });

  it("manifest: compiler, source digest, options, passes, reports as JSON", () => {
    expect(IMAGE.manifest.compiler).toEqual({ name: "qs4dc", version: "0.1.0" });
    expect(IMAGE.manifest.source).toEqual({
      model: "synthetic",
      digest: "ab".repeat(32),
      meta: { source: "hand-built test model" },
    });
    expect(IMAGE.manifest.options).toEqual({ target: "imssa-64", prune: 0 });
    expect(IMAGE.manifest.passes).toEqual(["layout-imssa", "tile", "map-conductance"]);
    expect(IMAGE.manifest.reports).toEqual({
      requantize: { sqnrDb: [40.5, "Infinity"] },
      tile: { arrays: 1, utilization: 72 / 4096 },
    });
  });

  it("target: the full description with its digest, and the resolved parameters", () => {
    expect(IMAGE.target.name).toBe("imssa-64");
    expect(IMAGE.target.description).toEqual(IMSSA_64);
    expect(IMAGE.target.description.timing.readNs).toBe(100);
    expect(IMAGE.target.params).toEqual(MODEL.hardware!.params);
  });

  it("signals and the array, field by field", () => {
    expect(IMAGE.signals).toEqual(SIGNALS);
    expect(IMAGE.placed).toBe(true);
    const a = IMAGE.arrays[0]!;
    expect([a.name, a.rows, a.cols, a.readouts, a.terms, a.cells]).toEqual([
      "a0",
      64,
      64,
      7,
      2,
      13,
    ]);
    expect([...a.row.signal.subarray(0, 13)]).toEqual([0, 0, 2, 2, 2, 2, 0, 0, 2, 2, 2, 2, -1]);
    expect([...a.row.element.subarray(6, 12)]).toEqual([1, 1, 2, 2, 3, 3]);
    expect([...a.row.polarity.subarray(0, 6)]).toEqual([1, -1, 1, -1, 1, -1]);
    expect([...a.readout.colPlus]).toEqual([0, 2, 4, 6, 8, 10, 11]);
    expect([...a.readout.polarity]).toEqual([1, 1, 1, 1, 1, 1, -1]);
    expect([...a.readout.adc]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...a.term.signal.subarray(4, 6)]).toEqual([2, 0]);
    expect(a.term.gain[5]).toBe(2.25);
    expect(a.term.gain[1]).toBe(1 / 3);
    expect([...a.cell.row]).toEqual(CELLS.map((c) => c[0]));
    expect([...a.cell.col]).toEqual(CELLS.map((c) => c[1]));
    expect([...a.cell.level]).toEqual(CELLS.map((c) => c[2]));
    expect([...a.cell.conductanceUs]).toEqual(CELLS.map((c) => conductanceOf(c[2])));
    expect(a.placements[1]).toEqual({
      block: "l0.h1",
      rowOffset: 6,
      colOffset: 6,
      rows: 6,
      cols: 6,
    });
  });

  it("the digital program with its constants, bit for bit", () => {
    const ops = IMAGE.program;
    expect(ops.map((o) => o.op)).toEqual(["linear", "ssm", "gelu", "add", "mean-pool", "linear"]);
    const ssm = ops[1] as Extract<ChipOp, { op: "ssm" }>;
    expect(ssm.inputQuant.kind).toBe("static");
    if (ssm.inputQuant.kind === "static") {
      expect([...ssm.inputQuant.scale.data]).toEqual([0.1, 0.2]);
      expect(ssm.inputQuant.limit).toBe(127);
    }
    expect([ssm.inputSignal, ssm.inputDelayedSignal, ssm.stateSignal, ssm.outputSignal]).toEqual([
      0, 1, 2, 3,
    ]);
    expect(ssm.outputScale).toEqual({
      dtype: "f64",
      shape: [2],
      data: new Float64Array([0.0078125, 1e-300]),
    });
    expect(ssm.digitalD).toBeNull();
    const decoder = ops[5] as Extract<ChipOp, { op: "linear" }>;
    expect(decoder.weight.dtype).toBe("f32");
    expect(decoder.weight.shape).toEqual([3, 2]);
    expect(Object.is(decoder.weight.data[5], -0)).toBe(true);
    expect(decoder.bias).toBeNull();
    expect(ops[3]).toEqual({ op: "add", input: "g", other: "enc", output: "r" });
  });

  it("is deterministic: same bytes again, and whatever the reports' insertion order", () => {
    expect(writeChip(syntheticModel(), INFO)).toEqual(BYTES);
    const reversed = new Map([...INFO.reports.entries()].reverse());
    expect(writeChip(MODEL, { ...INFO, reports: reversed })).toEqual(BYTES);
  });
});

describe("chip.bin writer refuses what cannot be programmed", () => {
  const cases: [string, Model, typeof INFO, RegExp][] = [
    ["not lowered", { ...MODEL, hardware: null }, INFO, /layout-imssa has not run/],
    ["not placed", withHardware((hw) => ({ ...hw, placed: false })), INFO, /tile has not run/],
    [
      "no conductances",
      withHardware((hw) => ({
        ...hw,
        crossbars: hw.crossbars.map((x) => ({ ...x, conductanceUs: null })),
      })),
      INFO,
      /map-conductance has not run/,
    ],
    ["another target", MODEL, { ...INFO, target: IDEAL }, /compiled for target 'imssa-64'/],
    [
      "a digest-only tensor",
      withHardware((hw) => ({
        ...hw,
        program: hw.program.map((op) =>
          op.op === "linear" ? { ...op, weight: { ...f32([2, 1]), data: null } } : op,
        ),
      })),
      INFO,
      /no data/,
    ],
  ];
  it.each(cases)("%s -> QS4D-E520", (_, model, info, reason) => {
    const e = thrown(() => writeChip(model, info));
    expect(e.diagnostic.code).toBe("QS4D-E520");
    expect(e.message).toMatch(reason);
    expect(e.message).toContain("'synthetic'");
  });

  it("an IR field chip.bin does not carry is an internal error, not a silent loss", () => {
    const model = withHardware((hw) => ({
      ...hw,
      program: [
        ...hw.program,
        { op: "gelu", input: "logits", output: "logits", extra: 1 } as never,
      ],
    }));
    const e = thrown(() => writeChip(model, INFO));
    expect([e.diagnostic.code, e.exitCode]).toEqual(["QS4D-E005", 3]);
    expect(e.message).toContain("extra");
  });
});

describe("chip.bin reader checks the meaning of every section", () => {
  const program = (edit: (p: Record<string, JsonValue>) => void) => editJson("program", edit);
  const op = (i: number, edit: (o: Record<string, JsonValue>) => void) =>
    program((p) => edit((p.ops as JsonObject[])[i] as Record<string, JsonValue>));
  const cases: [string, string, Uint8Array, string][] = [
    [
      "missing program",
      "QS4D-E514",
      edited((s) => s.filter((x) => x.name !== "program")),
      "program",
    ],
    [
      "missing cell levels",
      "QS4D-E514",
      edited((s) => s.filter((x) => x.name !== "array.0.cell.level")),
      "array.0.cell.level",
    ],
    [
      "missing op tensor",
      "QS4D-E514",
      edited((s) => s.filter((x) => x.name !== "op.0.weight")),
      "op.0.weight",
    ],
    ["manifest format", "QS4D-E515", editJson("manifest", (m) => (m.format = "zip")), "$.format"],
    [
      "source digest",
      "QS4D-E515",
      editJson("manifest", (m) => ((m.source as Record<string, JsonValue>).digest = "x")),
      "$.source.digest",
    ],
    [
      "target digest",
      "QS4D-E515",
      editJson("target", (t) => (t.digest = "0".repeat(64))),
      "$.digest",
    ],
    [
      "params levels",
      "QS4D-E515",
      editJson("target", (t) => ((t.params as Record<string, JsonValue>).levels = 1)),
      "$.params.levels",
    ],
    [
      "signal kind",
      "QS4D-E515",
      program((p) => ((p.signals as Record<string, JsonValue>[])[0]!.kind = "clock")),
      "$.signals[0].kind",
    ],
    ["placed flag type", "QS4D-E515", program((p) => (p.placed = "yes")), "$.placed"],
    ["op kind", "QS4D-E515", op(2, (o) => (o.op = "softmax")), "$.ops[2].op"],
    ["signal index", "QS4D-E515", op(1, (o) => (o.stateSignal = 4)), "$.ops[1].stateSignal"],
    ["undefined buffer", "QS4D-E515", op(2, (o) => (o.input = "nowhere")), "$.ops[2].input"],
    ["last op", "QS4D-E515", program((p) => (p.ops as JsonValue[]).pop()), "$.ops"],
    [
      "tensor shape",
      "QS4D-E516",
      op(0, (o) => ((o.weight as Record<string, JsonValue>).shape = [3, 1])),
      "op.0.weight",
    ],
    [
      "tensor dtype",
      "QS4D-E515",
      op(0, (o) => ((o.weight as Record<string, JsonValue>).section = "array.0.cell.level")),
      "$.ops[0].weight.section",
    ],
    ["array size", "QS4D-E515", editJson("array.0", (a) => (a.rows = 32)), "$"],
    ["cell count", "QS4D-E516", editJson("array.0", (a) => (a.cells = 12)), "array.0.cell.row"],
    [
      "placement",
      "QS4D-E515",
      editJson(
        "array.0",
        (a) => ((a.placements as Record<string, JsonValue>[])[1]!.rowOffset = 60),
      ),
      "$.placements[1]",
    ],
    ["row signal", "QS4D-E515", editArray("array.0.row.signal", (d) => d.fill(9, 3, 4)), "[3]"],
    ["row element", "QS4D-E515", editArray("array.0.row.element", (d) => d.fill(4, 2, 3)), "[2]"],
    [
      "readout column",
      "QS4D-E515",
      editArray("array.0.readout.col-plus", (d) => d.fill(64, 0, 1)),
      "[0]",
    ],
    ["readout ADC", "QS4D-E515", editArray("array.0.readout.adc", (d) => d.fill(8, 6, 7)), "[6]"],
    ["cell level 0", "QS4D-E515", editArray("array.0.cell.level", (d) => d.fill(0, 4, 5)), "[4]"],
    ["cell level 64", "QS4D-E515", editArray("array.0.cell.level", (d) => d.fill(64, 4, 5)), "[4]"],
    ["cell order", "QS4D-E515", editArray("array.0.cell.col", (d) => d.fill(0, 2, 3)), "[2]"],
    [
      "vector dtype",
      "QS4D-E515",
      edited((s) =>
        s.map((x) =>
          x.name === "array.0.term.gain" ? { ...x, dtype: "f32", data: new Float32Array(14) } : x,
        ),
      ),
      "$",
    ],
  ];

  it.each(cases)("%s -> %s", (_, code, bytes, where) => {
    const e = thrown(() => readChip(bytes, "s.bin"));
    expect(e.diagnostic.code).toBe(code);
    expect(e.diagnostic.location.file).toBe("s.bin");
    expect(e.diagnostic.location.path).toContain(where);
  });
});

describe("docs/chip-format.md is in step with the code", () => {
  const doc = readFileSync(new URL("../../docs/chip-format.md", import.meta.url), "utf8");

  it("documents every array vector with its element type", () => {
    for (const v of ARRAY_VECTORS) {
      const name = arrayVectorSection(0, v).replace("array.0.", "array.k.");
      expect(doc).toMatch(new RegExp(`\\| \`${name.replaceAll(".", "\\.")}\` \\| ${v.dtype} \\|`));
    }
  });

  it("documents every op and every reader diagnostic", () => {
    for (const op of Object.keys(OP_FIELDS)) expect(doc).toContain(`\`${op}\``);
    for (let code = 501; code <= 516; code++) expect(doc).toContain(`E${code}`);
  });
});
