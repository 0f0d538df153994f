// Long-sequence fidelity harness (issue 9): `npm run bench:long` or `npx tsx bench/long-seq.ts`.
// For each (model, target) it compiles with calibration on a few golden inputs, then runs the
// float reference (`run`), the integer emulator (`emulate`) and the ideal cycle-accurate
// simulation of the chip.bin (`sim`, no noise) on held-out golden inputs, and prints one row:
// accuracies, emulator-vs-reference logit error and argmax agreement, whether sim == emulator
// bit for bit, the accuracy the model card states and the drop against it, and the wall time
// of each stage. For QAT models with golden integer logits and traces (spoken-qat6, digits-qat8)
// it also counts the emulator's mismatches against them, as test/emulate/exactness.test.ts does.
//
// Everything goes through the public API (src/api.ts), except the per-layer golden trace check,
// which uses the emulator's emulateLayerCodes as the exactness test does. Figures are printed
// (and written with --json), never asserted: the acceptance thresholds of issue 9 are the lead's.
// Not part of `npm run bench` (it takes minutes): it runs only when invoked directly.
//
//   --models a,b      models to run, by name or name prefix (default: all seven below)
//   --targets x,y     targets (default: ideal,imssa-64)
//   --samples S       scored samples: N for every model, or name=N pairs (name prefix), comma
//                     separated, e.g. `--samples spoken=24` or `--samples 16,big=8`
//   --held-out        score only inputs after the calibration subset (default: from input 0,
//                     as issue 9's acceptance; big always scores inputs 8-15)
//   --source onnx|json  model file to import: model.onnx (default) or weights.json
//   --option k=v      extra compile option passed to compile() as is (repeatable), e.g. for
//                     options the API gains later; "true"/"false" and numbers are converted
//   --threads N       simulator worker threads (default 1)
//   --json out.json   also write the rows as JSON
//   --keep            keep the temporary directory with the chip.bin files

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  type CompileOptions,
  compile,
  emulate,
  importModel,
  type Model,
  Qs4dError,
  run,
  simulate,
} from "../src/api.js";
import { emulateLayerCodes } from "../src/emulate/index.js";

const FIXTURES = new URL("../fixtures/models/", import.meta.url).pathname;

interface ModelSpec {
  readonly name: string;
  /** Calibration inputs: golden inputs [0, calib). */
  readonly calib: number;
  /** First scored input when not --held-out (big: 8, its inputs 0-7 calibrate). */
  readonly from: number;
  /** Default number of scored samples; null: every golden sample from `from` on. */
  readonly samples: number | null;
}

const MODELS: readonly ModelSpec[] = [
  { name: "big-h128n128-l4-L1024", calib: 8, from: 8, samples: 8 },
  { name: "imssa-demo-float-h3n28-l1", calib: 16, from: 0, samples: null },
  { name: "spoken-qat6-h32n32-l4", calib: 16, from: 0, samples: 200 },
  { name: "digits-qat8-h32n16-l2", calib: 32, from: 0, samples: null },
  { name: "digits-float-h32n16-l2", calib: 32, from: 0, samples: null },
  { name: "qs4d-digits-qat-h32n16-l2", calib: 32, from: 0, samples: null },
  { name: "kernelonly-digits-h32n16-l2", calib: 32, from: 0, samples: null },
];

const TARGETS = ["ideal", "imssa-64"];

// ---------------------------------------------------------------------------------------------
// Golden files (fixtures/models/<name>/golden: raw little-endian arrays, shapes in manifest.json)

interface Manifest {
  readonly files: Readonly<Record<string, { readonly shape: readonly number[] }>>;
  readonly golden_logits?: Readonly<Record<string, string | null>>;
}

interface Golden {
  readonly manifest: Manifest;
  readonly count: number;
  readonly length: number;
  readonly dIn: number;
  readonly inputs: Float32Array;
  readonly labels: Int32Array | null;
  /** The golden logits file scored as "gold@n": the integer reference for QAT, else float. */
  readonly logitsFile: string | null;
  readonly logits: Float32Array | null;
  /** The card's accuracy: the golden integer reference for QAT models, float otherwise. */
  readonly card: { readonly key: string; readonly accuracy: number } | null;
}

function file(name: string, path: string): Buffer {
  return readFileSync(join(FIXTURES, name, path));
}

function raw<T>(name: string, path: string, make: (b: ArrayBuffer) => T): T {
  const b = file(name, path);
  return make(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

const CARD_KEYS = [
  "quant_recurrent_reference_golden_subset",
  "quant_recurrent_reference",
  "qat",
  "float_conv_fft_golden_subset",
  "float_conv_fft",
  "float",
];

function cardAccuracy(name: string): Golden["card"] {
  const card = JSON.parse(file(name, "card.json").toString("utf8")) as {
    accuracy?: Record<string, number | { acc: number } | null>;
  };
  for (const key of CARD_KEYS) {
    const value = card.accuracy?.[key];
    if (typeof value === "number") return { key, accuracy: value };
    if (value !== null && typeof value === "object") return { key, accuracy: value.acc };
  }
  return null;
}

function golden(name: string): Golden {
  const manifest = JSON.parse(file(name, "golden/manifest.json").toString("utf8")) as Manifest;
  const [count, length, dIn] = manifest.files["inputs.f32"]!.shape as [number, number, number];
  const inputs = raw(name, "golden/inputs.f32", (b) => new Float32Array(b));
  const labels =
    manifest.files["labels.i32"] === undefined
      ? null
      : raw(name, "golden/labels.i32", (b) => new Int32Array(b));
  const g = manifest.golden_logits ?? {};
  const logitsFile = g.quantized_recurrent ?? g.qat ?? g.float ?? null;
  const logits =
    logitsFile === null ? null : raw(name, `golden/${logitsFile}`, (b) => new Float32Array(b));
  return {
    manifest,
    count,
    length,
    dIn,
    inputs,
    labels,
    logitsFile,
    logits,
    card: cardAccuracy(name),
  };
}

function batch(g: Golden, from: number, count: number): { data: Float32Array; shape: number[] } {
  const size = g.length * g.dIn;
  return {
    data: g.inputs.slice(from * size, (from + count) * size),
    shape: [count, g.length, g.dIn],
  };
}

// ---------------------------------------------------------------------------------------------
// Comparisons

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[from + i]! > v[from + best]!) best = i;
  return best;
}

function accuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  let correct = 0;
  for (let b = 0; b < labels.length; b++)
    if (argmax(logits, b * classes, classes) === labels[b]) correct++;
  return correct / labels.length;
}

interface Agreement {
  /** max |a - b| / max |b| over the batch. */
  readonly relative: number;
  readonly maxAbs: number;
  /** Samples whose argmax agrees, of `samples`. */
  readonly argmaxAgree: number;
  readonly samples: number;
  /** Samples with max |a - b| above 1e-5 of max |b| (exactness.test.ts's float32 tolerance). */
  readonly beyondTolerance: number;
}

function agreement(a: ArrayLike<number>, b: ArrayLike<number>, samples: number, classes: number) {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < samples * classes; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let agree = 0;
  let beyond = 0;
  for (let s = 0; s < samples; s++) {
    let d = 0;
    for (let c = s * classes; c < (s + 1) * classes; c++) d = Math.max(d, Math.abs(a[c]! - b[c]!));
    maxAbs = Math.max(maxAbs, d);
    if (d > 1e-5 * scale) beyond++;
    if (argmax(a, s * classes, classes) === argmax(b, s * classes, classes)) agree++;
  }
  const relative = scale === 0 ? (maxAbs === 0 ? 0 : Number.POSITIVE_INFINITY) : maxAbs / scale;
  return { relative, maxAbs, argmaxAgree: agree, samples, beyondTolerance: beyond } as Agreement;
}

/** Elements that differ bitwise (Object.is: -0 and NaN count). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Golden integer traces (QAT models): trace_layer{i}_{u,y}_q.i8 [n_trace, H, L]

interface TraceCheck {
  readonly samples: number;
  readonly layers: number;
  /** End to end (public emulate, trace): SSM input codes differing from the golden u_q. */
  readonly uqMismatches: number;
  /** End to end: SSM output codes differing from the golden y_q. */
  readonly yqMismatches: number;
  /** Per layer from the golden u_q (emulateLayerCodes, as exactness.test.ts): y_q mismatches. */
  readonly yqFromGoldenU: number;
  readonly codes: number;
}

function traceCheck(name: string, g: Golden, model: Model): TraceCheck | null {
  const layers: number[] = [];
  while (g.manifest.files[`trace_layer${layers.length}_u_q.i8`] !== undefined)
    layers.push(layers.length);
  if (layers.length === 0) return null;
  const [samples, channels, length] = g.manifest.files["trace_layer0_u_q.i8"]!.shape as [
    number,
    number,
    number,
  ];
  const size = channels * length;
  const x = batch(g, 0, samples);
  const traced = emulate(model, x.data, x.shape, { trace: true }).traces ?? [];
  let uqMismatches = 0;
  let yqMismatches = 0;
  let yqFromGoldenU = 0;
  for (const layer of layers) {
    const u = raw(name, `golden/trace_layer${layer}_u_q.i8`, (b) => new Int8Array(b));
    const y = raw(name, `golden/trace_layer${layer}_y_q.i8`, (b) => new Int8Array(b));
    const t = traced.find((l) => l.layer === layer);
    for (let i = 0; i < samples * size; i++) {
      if (t?.uq[i] !== u[i]) uqMismatches++;
      if (t?.yq[i] !== y[i]) yqMismatches++;
    }
    for (let b = 0; b < samples; b++) {
      const codes = emulateLayerCodes(
        model,
        layer,
        Int32Array.from(u.subarray(b * size, (b + 1) * size)),
        length,
      );
      for (let i = 0; i < size; i++) if (codes[i] !== y[b * size + i]) yqFromGoldenU++;
    }
  }
  return {
    samples,
    layers: layers.length,
    uqMismatches,
    yqMismatches,
    yqFromGoldenU,
    codes: samples * size * layers.length,
  };
}

// ---------------------------------------------------------------------------------------------
// One (model, target)

interface Row {
  readonly model: string;
  readonly target: string;
  readonly calibration: number;
  readonly scored: { readonly from: number; readonly count: number };
  readonly accuracy: {
    readonly run: number | null;
    readonly emulator: number | null;
    readonly sim: number | null;
    /** The golden logits' accuracy on the same scored samples. */
    readonly goldenSubset: number | null;
    readonly goldenFile: string | null;
    /** What the model card states (its whole golden set or test split). */
    readonly card: number | null;
    readonly cardKey: string | null;
  };
  /** (card - emulator) and (golden on these samples - emulator), in accuracy points. */
  readonly dropPoints: { readonly vsCard: number | null; readonly vsGoldenSubset: number | null };
  readonly emulatorVsRun: Agreement | null;
  readonly simVsRun: Agreement | null;
  readonly runVsGolden: Agreement | null;
  readonly simEqualsEmulator: boolean | null;
  readonly simDifferences: number | null;
  /** Emulator against the golden integer-reference logits (QAT models). */
  readonly emulatorVsGoldenQuant: Agreement | null;
  readonly traces: TraceCheck | null;
  readonly diagnostics: readonly { readonly code: string; readonly message: string }[];
  /** The precision analysis's predicted relative output error, largest over the SSM layers. */
  readonly predicted: number | null;
  readonly simCost: {
    readonly cyclesPerStep: number;
    readonly picojoulesPerStep: number;
    readonly arrays: number;
  } | null;
  readonly seconds: {
    readonly import: number | null;
    readonly compile: number | null;
    readonly run: number | null;
    readonly emulate: number | null;
    readonly sim: number | null;
    readonly traces: number | null;
  };
  readonly error: string | null;
}

interface Settings {
  readonly samples: (spec: ModelSpec) => number | null;
  readonly heldOut: boolean;
  readonly source: "onnx" | "json";
  readonly extra: Readonly<Record<string, unknown>>;
  readonly threads: number;
  readonly dir: string;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function log(message: string): void {
  process.stderr.write(`# ${message}\n`);
}

function describeError(error: unknown): string {
  if (error instanceof Qs4dError)
    return `${error.diagnostic.code}: ${error.diagnostic.message}`.slice(0, 300);
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}

interface Reference {
  readonly model: Model;
  readonly importSeconds: number;
  readonly logits: Float32Array | null;
  readonly classes: number;
  readonly runSeconds: number | null;
  readonly error: string | null;
}

async function benchModel(spec: ModelSpec, targets: readonly string[], s: Settings) {
  const g = golden(spec.name);
  const from = spec.name.startsWith("big-") ? spec.from : s.heldOut ? spec.calib : spec.from;
  const wanted = s.samples(spec) ?? spec.samples ?? g.count - from;
  const count = Math.max(0, Math.min(wanted, g.count - from));
  const calib = batch(g, 0, spec.calib);
  const x = batch(g, from, count);
  const labels = g.labels?.slice(from, from + count) ?? null;
  const modelFile = join(FIXTURES, spec.name, s.source === "onnx" ? "model.onnx" : "weights.json");

  log(
    `${spec.name}: import ${s.source}, calibration 0-${spec.calib - 1}, scored ${from}-${from + count - 1}`,
  );
  let t = performance.now();
  const model = importModel(modelFile);
  const importSeconds = seconds(t);
  log(`${spec.name}: imported in ${importSeconds.toFixed(1)} s; run (reference)`);
  let reference: Reference;
  t = performance.now();
  try {
    const { logits, classes } = run(model, x.data, x.shape);
    reference = { model, importSeconds, logits, classes, runSeconds: seconds(t), error: null };
  } catch (error) {
    const failed = { logits: null, classes: 0, runSeconds: null, error: describeError(error) };
    reference = { model, importSeconds, ...failed };
  }
  log(`${spec.name}: run in ${reference.runSeconds?.toFixed(1) ?? "-"} s`);
  const rows: Row[] = [];
  for (const target of targets) {
    rows.push(await benchTarget(spec, target, g, { from, count, calib, x, labels }, reference, s));
  }
  return rows;
}

interface Batches {
  readonly from: number;
  readonly count: number;
  readonly calib: { data: Float32Array; shape: number[] };
  readonly x: { data: Float32Array; shape: number[] };
  readonly labels: Int32Array | null;
}

async function benchTarget(
  spec: ModelSpec,
  target: string,
  g: Golden,
  b: Batches,
  ref: Reference,
  s: Settings,
): Promise<Row> {
  const { count, x, labels } = b;
  const acc = (logits: ArrayLike<number> | null, classes: number) =>
    logits === null || labels === null ? null : accuracy(logits, labels, classes);
  const time = {
    import: ref.importSeconds,
    compile: null as number | null,
    run: ref.runSeconds,
    emulate: null as number | null,
    sim: null as number | null,
    traces: null as number | null,
  };
  const goldenSubset =
    g.logits === null || labels === null
      ? null
      : accuracy(
          g.logits.subarray(b.from * (g.logits.length / g.count)),
          labels,
          g.logits.length / g.count,
        );
  const base = {
    model: spec.name,
    target,
    calibration: spec.calib,
    scored: { from: b.from, count },
  };
  const card = g.card;
  let error: string | null = ref.error;
  let emuLogits: Float32Array | null = null;
  let simLogits: Float32Array | null = null;
  let classes = ref.classes;
  let diagnostics: Row["diagnostics"] = [];
  let predicted: number | null = null;
  let simCost: Row["simCost"] = null;
  let traces: TraceCheck | null = null;
  try {
    log(`${spec.name} on ${target}: compile`);
    let t = performance.now();
    const options = { ...s.extra, target, calib: b.calib } as CompileOptions & { emit?: "chip" };
    const compiled = compile(ref.model, options);
    const chipPath = join(s.dir, `${spec.name}.${target}.chip.bin`);
    writeFileSync(chipPath, compiled.chip);
    time.compile = seconds(t);
    diagnostics = compiled.diagnostics.map((d) => ({ code: d.code, message: d.message }));
    const layers = compiled.reports.requantize?.layers ?? [];
    predicted = layers.length === 0 ? null : Math.max(...layers.map((l) => l.precision.total));
    log(`${spec.name} on ${target}: compiled in ${time.compile.toFixed(1)} s; emulate ${count}`);

    t = performance.now();
    const emulated = emulate(compiled.model, x.data, x.shape);
    emuLogits = emulated.logits;
    classes = emulated.classes;
    time.emulate = seconds(t);
    log(`${spec.name} on ${target}: emulated in ${time.emulate.toFixed(1)} s; sim ${count}`);

    t = performance.now();
    const chip = new Uint8Array(readFileSync(chipPath));
    const simulated = await simulate(chip, x.data, x.shape, {
      noise: "none",
      threads: s.threads,
      name: chipPath,
    });
    simLogits = simulated.logits[0] ?? null;
    time.sim = seconds(t);
    simCost = {
      cyclesPerStep: simulated.report.timing.cyclesPerStep,
      picojoulesPerStep: simulated.report.energy.picojoulesPerStep,
      arrays: simulated.report.chip.arrays,
    };
    log(`${spec.name} on ${target}: simulated in ${time.sim.toFixed(1)} s`);

    if (g.logitsFile === "logits_quant_recurrent.f32") {
      log(`${spec.name} on ${target}: golden traces`);
      t = performance.now();
      traces = traceCheck(spec.name, g, compiled.model);
      time.traces = seconds(t);
    }
  } catch (e) {
    error = error ?? describeError(e);
    log(`${spec.name} on ${target}: ${describeError(e)}`);
  }
  const emulator = acc(emuLogits, classes);
  const points = (a: number | null, b: number | null) =>
    a === null || b === null ? null : (a - b) * 100;
  const quantGolden =
    g.logitsFile === "logits_quant_recurrent.f32" && g.logits !== null ? g.logits : null;
  return {
    ...base,
    accuracy: {
      run: acc(ref.logits, classes),
      emulator,
      sim: acc(simLogits, classes),
      goldenSubset,
      goldenFile: g.logitsFile,
      card: card?.accuracy ?? null,
      cardKey: card?.key ?? null,
    },
    dropPoints: {
      vsCard: points(card?.accuracy ?? null, emulator),
      vsGoldenSubset: points(goldenSubset, emulator),
    },
    emulatorVsRun:
      emuLogits === null || ref.logits === null
        ? null
        : agreement(emuLogits, ref.logits, count, classes),
    simVsRun:
      simLogits === null || ref.logits === null
        ? null
        : agreement(simLogits, ref.logits, count, classes),
    runVsGolden:
      ref.logits === null || g.logits === null || classes === 0
        ? null
        : agreement(ref.logits, g.logits.subarray(b.from * classes), count, classes),
    simEqualsEmulator:
      simLogits === null || emuLogits === null ? null : differences(simLogits, emuLogits) === 0,
    simDifferences:
      simLogits === null || emuLogits === null ? null : differences(simLogits, emuLogits),
    emulatorVsGoldenQuant:
      emuLogits === null || quantGolden === null
        ? null
        : agreement(emuLogits, quantGolden.subarray(b.from * classes), count, classes),
    traces,
    diagnostics,
    predicted,
    simCost,
    seconds: time,
    error,
  };
}

// ---------------------------------------------------------------------------------------------
// The table

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? "-" : v.toFixed(digits);
}

function sec(v: number | null): string {
  return v === null ? "-" : v < 10 ? v.toFixed(1) : v.toFixed(0);
}

const COLUMNS = [
  "model",
  "target",
  "n",
  "acc run",
  "acc emu",
  "acc sim",
  "card",
  "drop",
  "gold@n",
  "drop@n",
  "predicted",
  "emu/run rel",
  "argmax",
  "sim==emu",
  "gold-int mism",
  "warnings",
  "t import",
  "t compile",
  "t run",
  "t emu",
  "t sim",
];

function cells(r: Row): string[] {
  const e = r.emulatorVsRun;
  const q = r.emulatorVsGoldenQuant;
  const tr = r.traces;
  const mism =
    q === null
      ? "-"
      : `${q.beyondTolerance}/${q.samples}${tr === null ? "" : `, traces ${tr.yqFromGoldenU}+${tr.uqMismatches}+${tr.yqMismatches}`}`;
  const codes = [...new Set(r.diagnostics.map((d) => d.code.replace("QS4D-", "")))].join(" ");
  const sim =
    r.simEqualsEmulator === null ? "-" : r.simEqualsEmulator ? "yes" : `no (${r.simDifferences})`;
  return [
    r.model,
    r.target,
    String(r.scored.count),
    fmt(r.accuracy.run),
    fmt(r.accuracy.emulator),
    fmt(r.accuracy.sim),
    fmt(r.accuracy.card),
    fmt(r.dropPoints.vsCard, 1),
    fmt(r.accuracy.goldenSubset),
    fmt(r.dropPoints.vsGoldenSubset, 1),
    r.predicted === null ? "-" : r.predicted.toExponential(2),
    e === null ? "-" : e.relative.toExponential(2),
    e === null ? "-" : `${e.argmaxAgree}/${e.samples}`,
    sim,
    mism,
    r.error === null ? codes || "-" : `ERROR ${r.error}`,
    sec(r.seconds.import),
    sec(r.seconds.compile),
    sec(r.seconds.run),
    sec(r.seconds.emulate),
    sec(r.seconds.sim),
  ];
}

function table(rows: readonly Row[]): string {
  const body = rows.map(cells);
  const line = (c: readonly string[]) => `| ${c.join(" | ")} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => "---")), ...body.map(line)].join("\n");
}

const LEGEND = `acc: accuracy on the n scored golden samples (run = float64 reference with the model's own
quantizers, emu = integer emulator, sim = ideal cycle-accurate simulation of chip.bin). card: the model
card's accuracy (QAT: golden integer reference; float: float), drop = (card - emu) in points; gold@n: the
golden logits' accuracy on the same n samples, drop@n = (gold@n - emu) in points. predicted: the precision analysis's relative output
error, largest over the SSM layers (what compile held to --max-error). emu/run rel: max|emu - run|
/ max|run|; argmax: samples whose emulator argmax equals run's. gold-int mism: samples whose emulator logits
differ from golden/logits_quant_recurrent.f32 by more than 1e-5 of its max |.| (exactness.test.ts), then
traces A+B+C = golden y_q codes missed per layer from golden u_q, and end to end u_q and y_q codes missed
on the traced samples. warnings: diagnostic codes of compile. t: wall seconds per stage (import and run
are per model, shared by its targets).`;

// ---------------------------------------------------------------------------------------------
// Command line

function pick<T>(all: readonly T[], key: (t: T) => string, list: string | undefined, what: string) {
  if (list === undefined) return [...all];
  return list.split(",").map((want) => {
    const found = all.filter((t) => key(t) === want || key(t).startsWith(want));
    if (found.length !== 1)
      throw new Error(`--${what} ${want}: matches ${found.length} of ${all.map(key).join(", ")}`);
    return found[0]!;
  });
}

function samplesOption(spec: string | undefined): Settings["samples"] {
  const all: { prefix: string | null; n: number }[] = [];
  for (const part of spec?.split(",") ?? []) {
    const [a, b] = part.includes("=") ? part.split("=") : [null, part];
    const n = Number(b);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`--samples ${part}: expected N or name=N`);
    all.push({ prefix: a ?? null, n });
  }
  return (model) => {
    const named = all.find((s) => s.prefix !== null && model.name.startsWith(s.prefix));
    return (named ?? all.find((s) => s.prefix === null))?.n ?? null;
  };
}

function extraOptions(list: readonly string[]): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const item of list) {
    const at = item.indexOf("=");
    if (at < 1) throw new Error(`--option ${item}: expected key=value`);
    const value = item.slice(at + 1);
    extra[item.slice(0, at)] =
      value === "true"
        ? true
        : value === "false"
          ? false
          : value !== "" && Number.isFinite(Number(value))
            ? Number(value)
            : value;
  }
  return extra;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: "string" },
      targets: { type: "string" },
      samples: { type: "string" },
      "held-out": { type: "boolean", default: false },
      source: { type: "string", default: "onnx" },
      option: { type: "string", multiple: true, default: [] },
      threads: { type: "string", default: "1" },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    const header = readFileSync(new URL(import.meta.url), "utf8").split("\n\nimport")[0]!;
    console.log(header.replace(/^\/\/ ?/gm, ""));
    return;
  }
  if (values.source !== "onnx" && values.source !== "json")
    throw new Error(`--source ${values.source}: expected onnx or json`);
  const models = pick(MODELS, (m) => m.name, values.models, "models");
  const targets = values.targets?.split(",") ?? TARGETS;
  const dir = mkdtempSync(join(tmpdir(), "qs4dc-long-seq-"));
  const settings: Settings = {
    samples: samplesOption(values.samples),
    heldOut: values["held-out"],
    source: values.source,
    extra: extraOptions(values.option),
    threads: Number(values.threads),
    dir,
  };
  const started = performance.now();
  const rows: Row[] = [];
  try {
    for (const spec of models) rows.push(...(await benchModel(spec, targets, settings)));
  } finally {
    if (values.keep) log(`chip.bin files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const total = seconds(started);
  console.log(
    `# long-sequence fidelity (issue 9), node ${process.version}, ${total.toFixed(0)} s in all`,
  );
  console.log(table(rows));
  console.log(`\n${LEGEND}`);
  if (values.json !== undefined) {
    const json = { node: process.version, seconds: total, argv: process.argv.slice(2), rows };
    writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${values.json}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
