// Runs one differential-fuzzing case end to end through the public pipeline: the target
// validated as a target file is, the model lowered by lowerModel with the options `qs4dc
// compile` would pass, chip.bin written, then the integer emulator (the lowered IR) and the
// simulator (chip.bin alone, ideal chip, as `qs4dc sim` runs it) on the same inputs. The
// logits must be equal bit for bit and finite; every refusal must be a Qs4dError of a user
// input problem (exit code 2). Anything else is a finding.

import { emulate, simulate } from "../../src/api.js";
import { Qs4dError } from "../../src/diag/error.js";
import { chipBytes } from "../../src/driver/artifact.js";
import { type Lowered, type LowerOptions, lowerModel } from "../../src/driver/lower.js";
import { readChip } from "../../src/emit/chip-read.js";
import type { Model } from "../../src/ir/model.js";
import { prepareChip, runSamples } from "../../src/sim/index.js";
import { parseTarget, targetDigest } from "../../src/target/load.js";
import type { Batch, CaseInput } from "./cases.js";

export type Stage =
  | "target"
  | "compile"
  | "write"
  | "emulate"
  | "simulate"
  | "compare"
  /** The case's process (the long run's watchdog). */
  | "process";

export type FindingKind =
  /** A thrown value that is not a Qs4dError (TypeError, RangeError, plain Error, ...). */
  | "crash"
  /** A Qs4dError with exit code 3 (internal) or 1 (mismatch) where 2 was due, or not an error code. */
  | "internal"
  /** The chip compiled, then the emulator or the simulator refused it (coded). */
  | "late-refusal"
  /** Logits not bit-identical. */
  | "disagree"
  /** NaN or infinite logits (both executors may agree on them). */
  | "non-finite"
  /** The case ran longer than the long run's timeout. */
  | "hang"
  /** The process running the case died (out of memory, stack overflow, a native crash). */
  | "process-died";

export interface Finding {
  readonly kind: FindingKind;
  readonly stage: Stage;
  /** The diagnostic code, or the error's class name. */
  readonly code: string;
  /** One line: what went wrong. */
  readonly summary: string;
  /** More lines: stack top, first differing logits, layer codes. */
  readonly detail: string;
}

export type Outcome =
  | {
      readonly kind: "agree";
      readonly ms: number;
      /** Codes of the warnings and notes the lowering raised. */
      readonly warnings: readonly string[];
      readonly chipBytes: number;
      /** What the chip exercises (slicing, encodings, state updates, ...), for coverage counts. */
      readonly features: readonly string[];
    }
  | {
      readonly kind: "refused";
      readonly ms: number;
      readonly stage: Stage;
      readonly code: string;
      readonly message: string;
    }
  | { readonly kind: "finding"; readonly ms: number; readonly finding: Finding };

class StageError extends Error {
  constructor(
    readonly stage: Stage,
    readonly error: unknown,
  ) {
    super(`${stage}: ${String(error)}`);
  }
}

async function at<T>(stage: Stage, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StageError(stage, error);
  }
}

/** The lowering of a case, as `qs4dc compile` sets it up from its flags. */
export function loweringOf(c: CaseInput): LowerOptions {
  const description = parseTarget(JSON.stringify(c.target), `target '${c.target.name}'`);
  return {
    target: { description, digest: targetDigest(description), origin: "fuzz" },
    calibration:
      c.calibration === null ? null : { inputs: c.calibration.data, shape: c.calibration.shape },
    calibrationLabels: c.calibrationLabels,
    options: c.options,
  };
}

/** chip.bin bytes of a lowered case (the model has no file: a fixed source digest). */
export function chipOf(lowered: Lowered, lowering: LowerOptions): Uint8Array {
  const source = new TextEncoder().encode("qs4dc differential fuzzer");
  return chipBytes(lowered, { modelPath: "fuzz", modelBytes: source, lowering });
}

function stackTop(error: Error): string {
  const lines = (error.stack ?? "").split("\n").filter((l) => l.trim().startsWith("at "));
  return lines.slice(0, 3).join("\n");
}

function classify(stage: Stage, error: unknown, ms: number): Outcome {
  if (error instanceof Qs4dError) {
    const code = error.diagnostic.code;
    const message = error.diagnostic.message;
    if (
      error.exitCode !== 2 ||
      !/^QS4D-E\d{3}$/.test(code) ||
      error.diagnostic.severity !== "error"
    ) {
      const finding: Finding = {
        kind: "internal",
        stage,
        code,
        summary: `${code} (${error.diagnostic.severity}) with exit code ${error.exitCode}: ${message}`,
        detail: stackTop(error),
      };
      return { kind: "finding", ms, finding };
    }
    if (stage === "emulate" || stage === "simulate") {
      const finding: Finding = {
        kind: "late-refusal",
        stage,
        code,
        summary: `chip.bin written, then the ${stage === "emulate" ? "emulator" : "simulator"} refused it: ${code}: ${message}`,
        detail: stackTop(error),
      };
      return { kind: "finding", ms, finding };
    }
    return { kind: "refused", ms, stage, code, message };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const finding: Finding = {
    kind: "crash",
    stage,
    code: e.name,
    summary: `${e.name}: ${e.message}`,
    detail: stackTop(e),
  };
  return { kind: "finding", ms, finding };
}

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

function differing(a: Float32Array, b: Float32Array): number[] {
  if (a.length !== b.length) return [-1];
  const x = bitsOf(a);
  const y = bitsOf(b);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

/** Per-layer SSM codes [batch, H, L] of the ideal simulation (hooks of src/sim). */
function simulatedCodes(bytes: Uint8Array, inputs: Batch) {
  const chip = prepareChip(readChip(bytes, "fuzz.bin"));
  const [batch, length, dIn] = inputs.shape;
  const layers = new Map<number, { uq: Int32Array; yq: Int32Array; h: number }>();
  for (const op of chip.image.program) {
    if (op.op !== "ssm") continue;
    const h = chip.image.signals[op.inputSignal]!.length;
    const size = batch * h * length;
    layers.set(op.layer, { uq: new Int32Array(size), yq: new Int32Array(size), h });
  }
  let sample = 0;
  const store = (key: "uq" | "yq") => (layer: number, t: number, codes: Int32Array) => {
    const l = layers.get(layer);
    if (l === undefined) return;
    for (let h = 0; h < l.h; h++) l[key][(sample * l.h + h) * length + t] = codes[h]!;
  };
  const hooks = { ssmInput: store("uq"), ssmOutput: store("yq") };
  for (sample = 0; sample < batch; sample++) {
    runSamples(chip, { data: inputs.data, length, dIn }, sample, sample + 1, { hooks });
  }
  return layers;
}

/** Where the executors part: the first layer whose u or y codes differ (best effort). */
function divergence(model: Model, bytes: Uint8Array, inputs: Batch): string {
  try {
    const emulated = emulate(model, inputs.data, inputs.shape, { trace: true }).traces ?? [];
    const simulated = simulatedCodes(bytes, inputs);
    for (const t of emulated) {
      const mine = simulated.get(t.layer);
      if (mine === undefined) return `layer ${t.layer}: the simulator has no SSM op`;
      for (const key of ["uq", "yq"] as const) {
        const a = t[key];
        const b = mine[key];
        const i = a.findIndex((v, j) => v !== b[j]);
        if (i >= 0) {
          const L = inputs.shape[1];
          const where = `sample ${Math.floor(i / (mine.h * L))}, channel ${Math.floor(i / L) % mine.h}, step ${i % L}`;
          return `layer ${t.layer} ${key === "uq" ? "u" : "y"} codes differ first at ${where}: emulator ${a[i]}, simulator ${b[i]}`;
        }
      }
    }
    return "every layer's u and y codes agree (the difference is in the digital periphery)";
  } catch (error) {
    return `codes not compared: ${String(error)}`;
  }
}

export async function runCase(c: CaseInput): Promise<Outcome> {
  const start = performance.now();
  const ms = () => performance.now() - start;
  try {
    const lowering = await at("target", () => loweringOf(c));
    const lowered = await at("compile", () => lowerModel(c.model, lowering));
    const bytes = await at("write", () => chipOf(lowered, lowering));
    const x = c.inputs;
    const emulated = await at("emulate", () => emulate(lowered.model, x.data, x.shape).logits);
    const simulated = await at("simulate", async () => {
      const r = await simulate(bytes, x.data, x.shape, { noise: "none", threads: 1 });
      return r.logits[0]!;
    });
    const diff = differing(emulated, simulated);
    const classes = c.model.config.classes;
    if (diff.length > 0) {
      const i = diff[0]!;
      const first =
        i < 0
          ? `lengths ${emulated.length} and ${simulated.length}`
          : `sample ${Math.floor(i / classes)} class ${i % classes}: emulator ${emulated[i]}, simulator ${simulated[i]}`;
      const finding: Finding = {
        kind: "disagree",
        stage: "compare",
        code: "logits",
        summary: `${diff.length} of ${emulated.length} logits differ; first at ${first}`,
        detail: divergence(lowered.model, bytes, x),
      };
      return { kind: "finding", ms: ms(), finding };
    }
    const bad = emulated.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const finding: Finding = {
        kind: "non-finite",
        stage: "compare",
        code: "logits",
        summary: `logit ${bad} is ${emulated[bad]} (emulator and simulator agree)`,
        detail: "",
      };
      return { kind: "finding", ms: ms(), finding };
    }
    const warnings = lowered.diagnostics.items.map((d) => d.code);
    return {
      kind: "agree",
      ms: ms(),
      warnings,
      chipBytes: bytes.length,
      features: features(lowered.model),
    };
  } catch (error) {
    if (error instanceof StageError) return classify(error.stage, error.error, ms());
    return classify("compare", error, ms());
  }
}

/** The arithmetic a lowered chip exercises, as short tags. */
export function features(model: Model): string[] {
  const hw = model.hardware;
  if (hw === null) return ["no-hardware"];
  const p = hw.params;
  const tags = [
    `slices=${p.slices}`,
    p.encoding,
    `${p.outputMode}/${p.outputColumns}`,
    `D=${p.dPlacement}`,
    `dense=${p.dense}`,
  ];
  const ssm = hw.program.filter((op) => op.op === "ssm").length;
  tags.push(ssm === 0 ? "no-ssm" : `ssm-layers=${ssm}`);
  if (model.layers.some((l) => l.ssm.residual !== undefined)) tags.push("residual");
  if (hw.crossbars.some((c) => c.placements.some((b) => /\.p\d+$/.test(b.block))))
    tags.push("split");
  if (hw.crossbars.some((c) => c.placements.length > 1)) tags.push("packed");
  if (hw.signals.some((s) => s.kind === "ssm-state" && s.limit > 2 ** (p.adcBits - 1) - 1)) {
    tags.push("wide-state");
  }
  return tags;
}

/** A finding's identity for deduplication: kind, stage, code and the message without numbers. */
export function signature(f: Finding): string {
  const text = f.summary
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, "#")
    .replace(/'[^']*'/g, "'…'")
    .slice(0, 160);
  return `${f.kind}/${f.stage}/${f.code}: ${text}`;
}
