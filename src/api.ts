// The public JS/TS API of qs4dc (`import { compile } from "qs4dc"`). It is a thin layer over
// the library functions the CLI commands call (importModel, lowerModel, chipBytes, readChip,
// runModel, emulate), so that a chip.bin made here is byte for byte the one `qs4dc compile`
// writes for the same file and options. Every failure is a thrown Qs4dError carrying a coded
// Diagnostic; nothing here prints, writes files or exits.

import type { Diagnostic } from "./diag/diagnostic.js";
import { fail } from "./diag/error.js";
import { chipBytes } from "./driver/artifact.js";
import { measureAgainstReference } from "./driver/compare-executors.js";
import { type ProjectConfig, projectConfig, readConfig, withConfig } from "./driver/config.js";
import { type HtmlResults, htmlReport } from "./driver/html-report.js";
import { checkLabelRange, readInputs, readLabels } from "./driver/inputs.js";
import { type Lowered, type LowerOptions, lowerModel } from "./driver/lower.js";
import { LOWERING_CHOICE_KEYS, type LoweringChoices, passOptions } from "./driver/pass-options.js";
import type { ChipImage, ChipManifest } from "./emit/chip-image.js";
import { readChip as readChipImage } from "./emit/chip-read.js";
import { MAGIC } from "./emit/container.js";
import { type InspectSummary, inspectChip as summarize } from "./emit/inspect.js";
import { emulateBatch as emulateOnThreads } from "./emulate/batch.js";
import {
  type EmulateOptions,
  type EmulateResult,
  emulate as emulateModel,
} from "./emulate/index.js";
import {
  type ImportOptions,
  importModelBytes,
  importModel as importModelFile,
} from "./import/index.js";
import type { Model } from "./ir/model.js";
import { printModel, type TensorMode } from "./ir/text/index.js";
import type { ApplyQatReport } from "./passes/apply-qat.js";
import type { DiscretizeReport } from "./passes/discretize.js";
import type { LayoutReport } from "./passes/layout-imssa.js";
import type { MapConductanceReport } from "./passes/map-conductance.js";
import type { PruneReport } from "./passes/prune.js";
import { REGISTRY } from "./passes/registry.js";
import type { ReportsByPass } from "./passes/reports.js";
import type { RequantizeReport } from "./passes/requantize.js";
import type { TileReport } from "./passes/tile.js";
import { buildReport, type CompilationReport } from "./report/build.js";
import { checkInput } from "./run/index.js";
import {
  checkLabels,
  checkSimInput,
  loadChip,
  type NoiseParams,
  parseNoise,
  simulateChip,
  targetNoise,
} from "./sim/index.js";
import type { SimReport } from "./sim/report.js";
import { BUILTIN_TARGETS } from "./target/builtins.js";
import { loadTarget, parseTarget, targetDigest } from "./target/load.js";
import type { LoadedTarget, TargetDescription } from "./target/types.js";
import { readFileBytes } from "./util/read-file.js";

export type {
  Diagnostic,
  DiagnosticLocation,
  Severity,
} from "./diag/diagnostic.js";
export { formatDiagnostic } from "./diag/diagnostic.js";
export { Qs4dError } from "./diag/error.js";
export {
  CONFIG_FILE,
  findConfig as findProjectConfig,
  type ProjectConfig,
} from "./driver/config.js";
export type { HtmlResults } from "./driver/html-report.js";
export type { ChipImage, ChipManifest, ChipParams } from "./emit/chip-image.js";
export type { InspectSummary } from "./emit/inspect.js";
export type { EmulateOptions, EmulateResult, LayerCodes } from "./emulate/index.js";
export type { InputFormat } from "./import/index.js";
export type { Layer, Model, ModelConfig, Quantizer, Ssm } from "./ir/model.js";
export type { Tensor } from "./ir/tensor.js";
export type { PrintOptions, TensorMode } from "./ir/text/index.js";
export { parseModel, printModel } from "./ir/text/index.js";
export { verifyModel } from "./ir/verify-model.js";
export { DEFAULT_PIPELINE } from "./passes/pipeline.js";
export type { CompilationReport, CostEntry, PruneSavings } from "./report/build.js";
export type { BitWidths, CostMetrics, CostShape } from "./report/cost.js";
export { qs4dCost } from "./report/cost.js";
export { formatReport, reportJson } from "./report/format.js";
export { runBatch } from "./run/batch.js";
export type { LayerTrace, RunOptions, RunResult } from "./run/index.js";
export { runModel as run } from "./run/index.js";
export type { NoiseParams } from "./sim/index.js";
export type { SimReport } from "./sim/report.js";
export { DEFAULT_TARGET } from "./target/builtins.js";
export { loadTarget } from "./target/load.js";
export type { LoadedTarget, TargetDescription } from "./target/types.js";
export { VERSION } from "./version.js";
export type {
  ApplyQatReport,
  DiscretizeReport,
  LayoutReport,
  MapConductanceReport,
  PruneReport,
  RequantizeReport,
  TileReport,
};

/** How to read model bytes: their format (sniffed from the content when absent) and a name for diagnostics. */
export interface ModelBytesOptions extends ImportOptions {
  readonly name?: string;
}

/** A model to compile: a file path, the bytes of a model file, or an imported (or parsed) Model. */
export type ModelSource = string | Uint8Array | Model;

/** A batch of inputs, row-major [batch, length, d_in] (or [batch, length] when d_in = 1). */
export interface Batch {
  readonly data: Float32Array | Float64Array;
  readonly shape: readonly number[];
}

export interface CompileOptions extends ModelBytesOptions, LoweringChoices {
  /** A built-in target name, a target JSON file, or a target description (default imssa-64). */
  readonly target?: string | TargetDescription;
  /** Calibration inputs for post-training quantization: a .npy file or a batch. */
  readonly calib?: string | Batch;
  /** Labels of the calibration inputs (accuracy in the reports): a .npy file or one per sample. */
  readonly calibLabels?: string | Int32Array;
  /** "chip" (default): chip.bin bytes and manifest; "ir": the lowered IR as text. */
  readonly emit?: "chip" | "ir";
  /** With emit "ir": tensors as SHA-256 digests (default) or in full (parseable back). */
  readonly tensors?: TensorMode;
  /**
   * Project defaults (docs/config.md) under the options given here: true, the qs4dc.config.json
   * found from the current folder up; a path, that file; absent or false, none.
   */
  readonly config?: boolean | string;
}

/** Each pass's report by pass name, as the lowering produced them. */
export interface PassReports extends Partial<ReportsByPass> {
  readonly [pass: string]: unknown;
}

interface CompileResultBase {
  /** The model as imported, before lowering (what `run` executes as the reference). */
  readonly imported: Model;
  /** The lowered model: its `hardware` holds the crossbar program (what `emulate` executes). */
  readonly model: Model;
  readonly passes: readonly string[];
  readonly reports: PassReports;
  /** Warnings the passes raised (lossy requantization, ...); errors are thrown instead. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface ChipCompileResult extends CompileResultBase {
  readonly emit: "chip";
  /** The chip.bin bytes (docs/chip-format.md). */
  readonly chip: Uint8Array;
  /** The manifest as stored in the chip: source digest, options, passes, reports. */
  readonly manifest: ChipManifest;
}

export interface IrCompileResult extends CompileResultBase {
  readonly emit: "ir";
  /** The lowered IR as text (docs/ir.md). */
  readonly ir: string;
}

export type CompileResult = ChipCompileResult | IrCompileResult;

/** Import a model file (.onnx, weights.json or .qs4d IR text) from a path or from its bytes. */
export function importModel(source: string | Uint8Array, options: ModelBytesOptions = {}): Model {
  const format = options.format === undefined ? {} : { format: options.format };
  return typeof source === "string"
    ? importModelFile(source, format)
    : importModelBytes(source, bytesName(options), format);
}

/** The compiler passes in registration order, with their one-line descriptions. */
export function listPasses(): { readonly name: string; readonly description: string }[] {
  return REGISTRY.passes.map((p) => ({ name: p.name, description: p.description }));
}

/** The built-in target descriptions (`DEFAULT_TARGET` names the default). */
export function listTargets(): readonly TargetDescription[] {
  return BUILTIN_TARGETS;
}

/** Lower a model for a target and emit chip.bin (default) or the lowered IR text. */
export function compile(
  source: ModelSource,
  options?: CompileOptions & { readonly emit?: "chip" },
): ChipCompileResult;
export function compile(
  source: ModelSource,
  options: CompileOptions & { readonly emit: "ir" },
): IrCompileResult;
export function compile(source: ModelSource, options?: CompileOptions): CompileResult;
export function compile(source: ModelSource, given: CompileOptions = {}): CompileResult {
  const options = withProjectConfig(given);
  const input = modelInput(source, options);
  const lowering = lowerOptions(input.model, options);
  const lowered = lowerModel(input.model, lowering);
  const base = {
    imported: input.model,
    model: lowered.model,
    passes: lowered.passes,
    reports: Object.fromEntries(lowered.reports) as PassReports,
    diagnostics: [...lowered.diagnostics.items],
  };
  if (options.emit === "ir") {
    const ir = printModel(lowered.model, { tensors: options.tensors ?? "digest" });
    return { ...base, emit: "ir", ir };
  }
  const chip = emitChip(lowered, input, lowering);
  return { ...base, emit: "chip", chip, manifest: readChip(chip, input.name).manifest };
}

/**
 * Run the integer emulator of the ideal chip on a lowered model (`compile(..).model`):
 * logits [batch, classes] and, with `trace`, the per-layer SSM codes.
 */
export function emulate(
  model: Model,
  inputs: Float32Array | Float64Array,
  shape: readonly number[],
  options: EmulateOptions = {},
): EmulateResult {
  checkInput(model, inputs, shape);
  return emulateModel(model, inputs, shape, options);
}

/**
 * emulate() with the batch spread over worker threads (`threads`, default: the machine's cores
 * when the work is worth them): the same logits and codes for any thread count.
 */
export async function emulateBatch(
  model: Model,
  inputs: Float32Array | Float64Array,
  shape: readonly number[],
  options: EmulateOptions & { readonly threads?: number } = {},
): Promise<EmulateResult> {
  checkInput(model, inputs, shape);
  return emulateOnThreads(model, inputs, shape, options);
}

export interface SimulateOptions {
  /**
   * Device noise: "none" (the ideal chip), "target" (the target's parameters), overrides of the
   * target's ("prog=0.02,read=0.01,stuck=0.001"), or parameters. Default: "none" for one run,
   * "target" for several (the runs would be identical otherwise).
   */
  readonly noise?: string | NoiseParams;
  /** Seed of every random draw (default 0). */
  readonly seed?: number;
  /** Monte Carlo runs, one programming of the chip each (default 1). */
  readonly runs?: number;
  /** Worker threads (default: the machine's parallelism); the numbers do not depend on it. */
  readonly threads?: number;
  /** One class per sample: accuracy, and its mean, std and min over runs, in the report. */
  readonly labels?: Int32Array;
  /** Names the chip in diagnostics and in the report (default "chip.bin"). */
  readonly name?: string;
}

export interface SimulateResult {
  /** Logits [batch, classes] of each run. */
  readonly logits: readonly Float32Array[];
  /** Cycles, latency, throughput, energy by component, TOPS/W, accuracy (`qs4dc sim --report`). */
  readonly report: SimReport;
}

/** The cycle-accurate simulator (`qs4dc sim`) on chip.bin bytes: from the chip alone. */
export async function simulate(
  chip: Uint8Array,
  inputs: Float32Array | Float64Array,
  shape: readonly number[],
  options: SimulateOptions = {},
): Promise<SimulateResult> {
  const name = options.name ?? "chip.bin";
  const prepared = loadChip(chip, name);
  const dtype = inputs instanceof Float32Array ? "float32" : "float64";
  const input = checkSimInput({ dtype, shape, data: inputs }, prepared.layout.dIn, "inputs", name);
  const runs = count("runs", options.runs ?? 1, 1);
  const labels =
    options.labels === undefined
      ? null
      : checkLabels(
          { dtype: "int32", shape: [options.labels.length], data: options.labels },
          input.batch,
          prepared.layout.classes,
          "labels",
        );
  const spec = options.noise ?? (runs > 1 ? "target" : "none");
  const base = targetNoise(prepared.image.target.description);
  const result = await simulateChip(prepared, input, {
    noise: typeof spec === "string" ? parseNoise(spec, base) : spec,
    seed: count("seed", options.seed ?? 0, 0),
    runs,
    labels,
    ...(options.threads === undefined ? {} : { threads: count("threads", options.threads, 1) }),
  });
  return { logits: result.logits, report: result.report };
}

/** A whole number option of `simulate`, at least `min`. */
function count(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    fail("QS4D-E609", { option, value, reason: `expected an integer >= ${min}` });
  }
  return value;
}

/** Read and validate chip.bin bytes; `name` names them in diagnostics. */
export function readChip(bytes: Uint8Array, name = "chip.bin"): ChipImage {
  return readChipImage(bytes, name);
}

/** What `qs4dc inspect --json` prints: arrays, utilization, levels, sizes, manifest. */
export function inspectChip(bytes: Uint8Array, name = "chip.bin"): InspectSummary {
  return summarize(readChip(bytes, name), bytes.length);
}

/**
 * The compilation report (`qs4dc report`) of chip.bin bytes or file, or of a model compiled
 * here with `options` (the report then also has the cost metrics of the model as trained).
 */
export function report(source: ModelSource, options: CompileOptions = {}): CompilationReport {
  return reportedChip(source, options).report;
}

/**
 * The report as one self-contained HTML page (`qs4dc report --html`, docs/api.md): heatmaps
 * of the arrays, level histograms, quantization and precision, cost against float, cycles and
 * energy, and accuracy against noise and a sweep's Pareto fronts from the result files given;
 * with the report it draws.
 */
export function reportHtml(
  source: ModelSource,
  options: CompileOptions = {},
  results: HtmlResults = {},
): { readonly report: CompilationReport; readonly html: string } {
  const { image, report } = reportedChip(source, options);
  return { report, html: htmlReport(image, report, results) };
}

/** The chip of `source` (read, or compiled here) and its report. */
function reportedChip(
  source: ModelSource,
  options: CompileOptions,
): { image: ChipImage; report: CompilationReport } {
  const name = sourceName(source, options);
  const bytes =
    typeof source === "string"
      ? readFileBytes(source)
      : source instanceof Uint8Array
        ? source
        : null;
  if (bytes !== null && isChip(bytes)) {
    const image = readChip(bytes, name);
    const given = LOWERING_OPTIONS.filter((key) => options[key] !== undefined);
    if (given.length > 0) {
      fail("QS4D-E003", {
        reason: `'${name}' is a chip.bin, already compiled for ${image.target.name}: ${given.join(", ")} apply to a model only`,
      });
    }
    return { image, report: buildReport(image, bytes.length, { trained: null, diagnostics: [] }) };
  }
  const result = compile(bytes ?? source, { ...options, name, emit: "chip" });
  const image = readChip(result.chip, name);
  const calib = options.calib === undefined ? null : calibration(result.imported, options.calib);
  const report = buildReport(image, result.chip.length, {
    trained: result.imported,
    diagnostics: result.diagnostics,
    measured:
      calib === null
        ? null
        : measureAgainstReference(
            result.imported,
            result.model,
            calib.inputs,
            calib.shape as [number, number, number],
          ),
  });
  return { image, report };
}

/** The options given over the project config they ask for (`config`). */
function withProjectConfig(options: CompileOptions): CompileOptions {
  const { config, ...given } = options;
  if (config === undefined || config === false) return given;
  const defaults: ProjectConfig =
    config === true ? projectConfig(process.cwd()) : readConfig(config);
  return withConfig(defaults, given);
}

const LOWERING_OPTIONS = ["target", "calib", "calibLabels", ...LOWERING_CHOICE_KEYS] as const;

function isChip(bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => bytes[i] === byte);
}

interface ModelInput {
  readonly model: Model;
  /** A path, or the name the model goes by in diagnostics. */
  readonly name: string;
  /** The bytes the manifest's source digest is taken over; null: the file at `name`. */
  readonly bytes: Uint8Array | null;
}

function bytesName(options: ModelBytesOptions): string {
  return options.name ?? "<bytes>";
}

/** How diagnostics and the chip reader name the model: its path, given name, or IR name. */
function sourceName(source: ModelSource, options: ModelBytesOptions): string {
  if (typeof source === "string") return source;
  return source instanceof Uint8Array ? bytesName(options) : source.name;
}

function modelInput(source: ModelSource, options: ModelBytesOptions): ModelInput {
  const name = sourceName(source, options);
  if (typeof source === "string") return { model: importModel(source, options), name, bytes: null };
  if (source instanceof Uint8Array)
    return { model: importModel(source, options), name, bytes: source };
  // A Model has no file: its digest is taken over its full IR text, which determines it.
  const text = printModel(source, { tensors: "full" });
  return { model: source, name, bytes: new TextEncoder().encode(text) };
}

function emitChip(lowered: Lowered, input: ModelInput, lowering: LowerOptions): Uint8Array {
  const source = { modelPath: input.name, lowering };
  return chipBytes(lowered, input.bytes === null ? source : { ...source, modelBytes: input.bytes });
}

function resolveTarget(target: string | TargetDescription | undefined): LoadedTarget {
  if (target === undefined || typeof target === "string") return loadTarget(target);
  // Validated as a target file would be: the schema and the relations between fields.
  const description = parseTarget(JSON.stringify(target), `target '${target.name}'`);
  return { description, digest: targetDigest(description), origin: "api" };
}

function calibration(
  model: Model,
  calib: string | Batch,
): NonNullable<LowerOptions["calibration"]> {
  if (typeof calib === "string") return readInputs(model, calib);
  const { batch, length } = checkInput(model, calib.data, calib.shape, "calib");
  return { inputs: Float64Array.from(calib.data), shape: [batch, length, model.config.dIn] };
}

function labels(given: string | Int32Array, batch: number, classes: number): Int32Array {
  if (typeof given === "string") return readLabels(given, batch, classes);
  if (given.length !== batch) {
    fail("QS4D-E417", {
      file: "calibLabels",
      shape: `[${given.length}]`,
      dtype: "int32",
      batch,
    });
  }
  return checkLabelRange(given, classes, "calibLabels");
}

/** CompileOptions -> the LowerOptions `qs4dc compile` builds from its flags. */
function lowerOptions(model: Model, options: CompileOptions): LowerOptions {
  if (options.calibLabels !== undefined && options.calib === undefined) {
    fail("QS4D-E003", { reason: "calibLabels needs calib" });
  }
  const calib = options.calib === undefined ? null : calibration(model, options.calib);
  return {
    target: resolveTarget(options.target),
    calibration: calib,
    calibrationLabels:
      options.calibLabels === undefined || calib === null
        ? null
        : labels(options.calibLabels, calib.shape[0]!, model.config.classes),
    options: passOptions(options),
  };
}
