// Shrinks a failing case to a smaller one that fails the same way (same finding kind, stage and
// code): options dropped, calibration dropped, one input sample, target fields reset to
// imssa-64's, layers dropped, layer parts (norm, mixing, activation, residual, quantizers)
// removed, modes and channels cut. Greedy: each simplification is kept when the failure
// stays, until none applies. The result is written as files a user can rerun with the CLI.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Layer, Linear, Model, Quantizer, Ssm, SsmForm, SsmRole } from "../../src/ir/model.js";
import { dataOf, type Tensor, tensor } from "../../src/ir/tensor.js";
import { printModel } from "../../src/ir/text/index.js";
import { IMSSA_64 } from "../../src/target/builtins.js";
import type { TargetDescription } from "../../src/target/types.js";
import { writeNpy } from "../../src/util/npy.js";
import type { Batch, CaseInput } from "./cases.js";
import { type Finding, type Outcome, runCase } from "./harness.js";

const sameFailure = (a: Finding, b: Finding) =>
  a.kind === b.kind && a.stage === b.stage && a.code === b.code;

/** Keeps `keep` of the indices of axis `axis` of a tensor (rank >= axis + 1). */
function take(t: Tensor, axis: number, keep: readonly number[]): Tensor {
  const shape = [...t.shape];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const data = dataOf(t);
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const k of keep) for (let i = 0; i < inner; i++) out.push(data[(o * n + k) * inner + i]!);
  shape[axis] = keep.length;
  return tensor(t.dtype, shape, out);
}

function takeQuant(q: Quantizer, axis: number | null, keep: readonly number[]): Quantizer {
  if (q.kind === "levels") return q;
  const scale =
    typeof q.scale === "number" || q.axis !== axis
      ? q.scale
      : keep.map((k) => (q.scale as number[])[k]!);
  const codes = q.codes === undefined || axis === null ? q.codes : take(q.codes, axis, keep);
  const out = { ...q, scale };
  return codes === undefined ? out : { ...out, codes };
}

/** The SSM with only modes `keep` of every channel. */
function keepModes(ssm: Ssm, keep: readonly number[]): Ssm {
  const f = ssm.form;
  const cut = (t: Tensor) => take(t, 1, keep);
  let form: SsmForm = f;
  if (f.kind === "continuous") {
    form = {
      ...f,
      aRe: cut(f.aRe),
      aIm: cut(f.aIm),
      bRe: f.bRe === null ? null : cut(f.bRe),
      bIm: f.bIm === null ? null : cut(f.bIm),
      cRe: cut(f.cRe),
      cIm: cut(f.cIm),
    };
  } else if (f.kind === "discrete") {
    form = {
      ...f,
      lambdaRe: cut(f.lambdaRe),
      lambdaIm: cut(f.lambdaIm),
      bbarRe: cut(f.bbarRe),
      bbarIm: cut(f.bbarIm),
      cRe: cut(f.cRe),
      cIm: cut(f.cIm),
    };
  } else return ssm;
  const quant: Partial<Record<SsmRole, Quantizer>> = {};
  for (const [role, q] of Object.entries(ssm.quant) as [SsmRole, Quantizer][]) {
    // Per-mode tensors: codes [H, M, 2] (c, lambda, bbar) or [H, M] (aRe, aIm); scales per channel.
    const perMode = ["c", "lambda", "bbar", "aRe", "aIm", "x"].includes(role);
    quant[role] =
      perMode && q.kind === "affine" && q.codes !== undefined
        ? { ...q, codes: take(q.codes, 1, keep) }
        : q;
  }
  return { ...ssm, modes: keep.length, form, quant };
}

/** The model with only channels `keep` (H), every tensor and quantizer cut to match. */
function keepChannels(model: Model, keep: readonly number[]): Model {
  const rows = (l: Linear, groups: number): Linear => {
    const h = model.config.channels;
    const idx = Array.from({ length: groups }, (_, g) => keep.map((k) => g * h + k)).flat();
    return {
      ...l,
      outFeatures: idx.length,
      weight: take(l.weight, 0, idx),
      bias: l.bias === null ? null : take(l.bias, 0, idx),
      weightQuant: l.weightQuant === null ? null : takeQuant(l.weightQuant, 0, idx),
    };
  };
  const cols = (l: Linear): Linear => ({
    ...l,
    inFeatures: keep.length,
    weight: take(l.weight, 1, keep),
    weightQuant: l.weightQuant === null ? null : takeQuant(l.weightQuant, 1, keep),
  });
  const layer = (l: Layer): Layer => {
    const cut = (t: Tensor) => take(t, 0, keep);
    const f = l.ssm.form;
    const form: SsmForm =
      f.kind === "kernel"
        ? { ...f, k: cut(f.k) }
        : f.kind === "discrete"
          ? {
              ...f,
              lambdaRe: cut(f.lambdaRe),
              lambdaIm: cut(f.lambdaIm),
              bbarRe: cut(f.bbarRe),
              bbarIm: cut(f.bbarIm),
              cRe: cut(f.cRe),
              cIm: cut(f.cIm),
            }
          : {
              ...f,
              logDt: cut(f.logDt),
              aRe: cut(f.aRe),
              aIm: cut(f.aIm),
              bRe: f.bRe === null ? null : cut(f.bRe),
              bIm: f.bIm === null ? null : cut(f.bIm),
              cRe: cut(f.cRe),
              cIm: cut(f.cIm),
            };
    const quant: Partial<Record<SsmRole, Quantizer>> = {};
    for (const [role, q] of Object.entries(l.ssm.quant) as [SsmRole, Quantizer][]) {
      quant[role] = takeQuant(q, 0, keep);
    }
    const norm =
      l.norm === null
        ? null
        : l.norm.kind === "layer"
          ? { ...l.norm, weight: cut(l.norm.weight), bias: cut(l.norm.bias) }
          : {
              ...l.norm,
              weight: cut(l.norm.weight),
              bias: cut(l.norm.bias),
              mean: cut(l.norm.mean),
              variance: cut(l.norm.variance),
            };
    const mixing =
      l.mixing === null
        ? null
        : {
            ...l.mixing,
            linear: cols(rows(l.mixing.linear, l.mixing.kind === "glu" ? 2 : 1)),
          };
    return {
      ...l,
      norm,
      mixing,
      ssm: { ...l.ssm, channels: keep.length, form, d: cut(l.ssm.d), quant },
    };
  };
  return {
    ...model,
    config: { ...model.config, channels: keep.length },
    encoder: rows(model.encoder, 1),
    layers: model.layers.map(layer),
    decoder: cols(model.decoder),
  };
}

function firstSample(b: Batch): Batch {
  const [, length, dIn] = b.shape;
  return { data: b.data.slice(0, length * dIn), shape: [1, length, dIn] };
}

const TARGET_FIELDS = [
  "array",
  "cell",
  "encoding",
  "dac",
  "adc",
  "outputMode",
  "outputColumns",
  "dPlacement",
  "dense",
  "bitSlicing",
  "fallbackBits",
] as const;

/** Every one-step simplification of a case, simplest first. */
function* simplifications(c: CaseInput): Generator<[string, CaseInput]> {
  for (const key of Object.keys(c.options)) {
    const { [key]: _, ...rest } = c.options;
    yield [`without --${key}`, { ...c, options: rest }];
  }
  if (c.calibration !== null) {
    yield ["without calibration", { ...c, calibration: null, calibrationLabels: null }];
  }
  if (c.calibrationLabels !== null) yield ["without labels", { ...c, calibrationLabels: null }];
  if (c.inputs.shape[0] > 1) yield ["one input sample", { ...c, inputs: firstSample(c.inputs) }];
  const t = c.target as unknown as Record<string, unknown>;
  const base = IMSSA_64 as unknown as Record<string, unknown>;
  if (c.target.stateRegister !== undefined) {
    const { stateRegister: _, ...rest } = c.target;
    yield ["target without stateRegister", { ...c, target: rest }];
  }
  for (const field of TARGET_FIELDS) {
    if (JSON.stringify(t[field]) === JSON.stringify(base[field])) continue;
    const target = { ...c.target, [field]: base[field] } as TargetDescription;
    yield [`target ${field} of imssa-64`, { ...c, target }];
  }
  const m = c.model;
  const withModel = (model: Model): CaseInput => ({ ...c, model });
  for (let i = 0; i < m.layers.length; i++) {
    const layers = m.layers.filter((_, j) => j !== i);
    yield [`without layer ${i}`, withModel({ ...m, layers })];
  }
  const edits: [string, (l: Layer) => Layer | null][] = [
    ["norm", (l) => (l.norm === null ? null : { ...l, norm: null })],
    ["mixing", (l) => (l.mixing === null ? null : { ...l, mixing: null })],
    ["activation", (l) => (l.activation === "none" ? null : { ...l, activation: "none" })],
    ["residual", (l) => (l.residual ? { ...l, residual: false } : null)],
    ["output quantizer", (l) => (l.outputQuant === null ? null : { ...l, outputQuant: null })],
  ];
  for (let i = 0; i < m.layers.length; i++) {
    const layer = m.layers[i]!;
    for (const [what, edit] of edits) {
      const next = edit(layer);
      if (next === null) continue;
      const layers = m.layers.map((l, j) => (j === i ? next : l));
      yield [`layer ${i} without ${what}`, withModel({ ...m, layers })];
    }
    for (const role of Object.keys(layer.ssm.quant) as SsmRole[]) {
      const { [role]: _, ...quant } = layer.ssm.quant;
      const layers = m.layers.map((l, j) => (j === i ? { ...l, ssm: { ...l.ssm, quant } } : l));
      yield [`layer ${i} without the ${role} quantizer`, withModel({ ...m, layers })];
    }
  }
  for (const which of ["encoder", "decoder"] as const) {
    if (m[which].weightQuant !== null) {
      yield [
        `${which} unquantized`,
        withModel({ ...m, [which]: { ...m[which], weightQuant: null } }),
      ];
    }
  }
  const M = m.layers.reduce((a, l) => Math.max(a, l.ssm.modes), 0);
  if (M > 1 && m.layers.every((l) => l.ssm.form.kind !== "kernel")) {
    for (let n = 0; n < M; n++) {
      const keep = Array.from({ length: M }, (_, k) => k).filter((k) => k !== n);
      const layers = m.layers.map((l) => ({ ...l, ssm: keepModes(l.ssm, keep) }));
      const config = { ...m.config, state: 2 * (M - 1) };
      yield [`without mode ${n}`, withModel({ ...m, config, layers })];
    }
  }
  const H = m.config.channels;
  for (let h = 0; H > 1 && h < H; h++) {
    const keep = Array.from({ length: H }, (_, k) => k).filter((k) => k !== h);
    yield [`without channel ${h}`, withModel(keepChannels(m, keep))];
  }
}

export interface Shrunk {
  readonly input: CaseInput;
  /** The outcome of the shrunk case. */
  readonly outcome: Outcome;
  /** The simplifications kept, in order. */
  readonly steps: readonly string[];
  readonly tries: number;
}

/** Outcomes that fail the way `finding` does (kind, stage and code). */
export function failsLike(finding: Finding): (o: Outcome) => boolean {
  return (o) => o.kind === "finding" && sameFailure(o.finding, finding);
}

/**
 * Greedy shrinking: simplifications of `c` are kept while `keep` holds for their outcome (the
 * same failure, or e.g. a case still slower than some time); `budget` caps the cases run.
 */
export async function shrink(
  c: CaseInput,
  keep: (o: Outcome) => boolean,
  budget = 400,
): Promise<Shrunk> {
  let current = c;
  let outcome = await runCase(c);
  const steps: string[] = [];
  let tries = 1;
  for (let progress = true; progress && tries < budget; ) {
    progress = false;
    for (const [what, candidate] of simplifications(current)) {
      if (tries++ >= budget) break;
      const next = await runCase(candidate);
      if (keep(next)) {
        current = candidate;
        outcome = next;
        steps.push(what);
        progress = true;
        break;
      }
    }
  }
  return { input: current, outcome, steps, tries };
}

/** The case as files: model.qs4d, target.json, input.npy (and calib.npy), and the commands. */
export function writeReproduction(c: CaseInput, dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.qs4d"), printModel(c.model, { tensors: "full" }));
  writeFileSync(join(dir, "target.json"), `${JSON.stringify(c.target, null, 2)}\n`);
  const npy = (b: Batch) =>
    writeNpy({ dtype: "float32", shape: [...b.shape], data: Float32Array.from(b.data) });
  writeFileSync(join(dir, "input.npy"), npy(c.inputs));
  const flags = Object.entries(c.options).map(([k, v]) =>
    k === "allow-loss" ? `--${k}` : `--${k} ${v}`,
  );
  if (c.calibration !== null) {
    writeFileSync(join(dir, "calib.npy"), npy(c.calibration));
    flags.push(`--calib ${join(dir, "calib.npy")}`);
  }
  if (c.calibrationLabels !== null) {
    writeFileSync(
      join(dir, "labels.npy"),
      writeNpy({ dtype: "int32", shape: [c.calibrationLabels.length], data: c.calibrationLabels }),
    );
    flags.push(`--calib-labels ${join(dir, "labels.npy")}`);
  }
  const lowering = [`--target ${join(dir, "target.json")}`, ...flags].join(" ");
  const model = join(dir, "model.qs4d");
  const input = join(dir, "input.npy");
  return [
    `qs4dc compile ${model} ${lowering} -o ${join(dir, "chip.bin")}`,
    `qs4dc emulate ${model} ${lowering} --input ${input} -o ${join(dir, "emulated.npy")}`,
    `qs4dc sim ${join(dir, "chip.bin")} --input ${input} -o ${join(dir, "simulated.npy")}`,
  ].join("\n");
}
