// ONNX bytes -> ImportSpec: decode, walk the data path, recover each layer's SSM, name every
// parameter canonically (by its place on the data path, not by the exporter's node names),
// place the quantizers, and check the result against the model's metadata.

import { fail } from "../../diag/error.js";
import type { Activation } from "../../ir/model.js";
import type { Tensor } from "../../ir/tensor.js";
import { type ArchSpec, type ImportSpec, modelNameFromPath } from "../spec.js";
import { checkConfig } from "./config-check.js";
import {
  type Ctx,
  checkFinite,
  makeContext,
  type ParamValue,
  type StoredWeight,
} from "./context.js";
import { type DataPath, type LayerFound, walkDataPath } from "./datapath.js";
import { OnnxGraph } from "./graph.js";
import { Metadata } from "./metadata.js";
import type { LinearFound } from "./patterns.js";
import { decodeModel } from "./proto.js";
import { buildQuant, type PlacedQuant } from "./quant.js";
import type { QuantMatch } from "./quantizers.js";
import { type RecoveredSsm, recoverSsm } from "./ssm.js";
import { DT } from "./tensor.js";

type Origin = { file: string; tensor?: string };

/** The shortest decimal that rounds to the same float32 (how weights.json writes numbers). */
function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

class Collector {
  readonly params = new Map<string, Tensor>();
  readonly origins = new Map<string, Origin>();
  readonly placed: PlacedQuant[] = [];

  constructor(private readonly ctx: Ctx) {}

  /** A parameter under its canonical name (its element type was checked where it was found). */
  param(name: string, p: ParamValue, role: string): void {
    checkFinite(this.ctx, p, role);
    const data = p.value.data;
    const dtype = p.dataType === DT.DOUBLE ? "f64" : "f32";
    const values = dtype === "f64" ? Float64Array.from(data) : Float32Array.from(data);
    this.params.set(name, { dtype, shape: [...p.value.shape], data: values });
    this.origins.set(name, { file: this.ctx.g.file, tensor: p.source });
  }

  quant(
    key: string,
    match: QuantMatch | null,
    canonical: ParamValue | null,
    dynamic = false,
  ): void {
    if (match === null) return;
    const stored = match.input !== null && this.ctx.g.isInitializer(match.input);
    this.placed.push({
      key,
      match,
      canonical: canonical?.value ?? null,
      stored: stored || match.input === null,
      dynamic,
    });
  }

  weight(name: string, w: StoredWeight, role: string): void {
    this.param(name, w.param, role);
    this.quant(name, w.quant, w.param);
  }

  linear(prefix: string, lin: LinearFound, role: string): void {
    this.weight(`${prefix}.weight`, lin.weight, `${role} weight`);
    if (lin.bias !== null) this.param(`${prefix}.bias`, lin.bias, `${role} bias`);
  }
}

function layerParams(
  c: Collector,
  ctx: Ctx,
  layer: LayerFound,
  i: number,
  ssm: RecoveredSsm,
): void {
  const { body, norm } = layer;
  const kernel = `layers.${i}.kernel`;
  for (const [leaf, p] of ssm.params) c.param(`${kernel}.${leaf}`, p, `SSM parameter ${leaf}`);
  for (const [role, m] of ssm.quant) {
    // Only a stored input needs its values (codes check); derived ones (dA, dB, K) are placed by value already.
    const stored = m.input === null ? undefined : ctx.g.initializer(m.input);
    const input =
      stored === undefined
        ? null
        : { value: stored, dataType: stored.dataType, source: stored.name };
    c.quant(`${kernel}.${role}`, m, input);
  }
  if (body.d !== null) {
    c.weight(`layers.${i}.D`, body.d, "skip term D");
  } else {
    const zeros = { shape: [body.ssm.channels], data: new Float64Array(body.ssm.channels) };
    c.param(
      `layers.${i}.D`,
      { value: zeros, dataType: DT.FLOAT, source: body.ssm.conv.output?.[0] ?? "" },
      "skip term D",
    );
  }
  if (body.mixing !== null) c.linear(`layers.${i}.output_linear`, body.mixing.linear, "mixing");
  if (norm !== null)
    for (const [field, p] of norm.params) c.param(`norms.${i}.${field}`, p, `norm ${field}`);
  c.quant(`layers.${i}.u`, body.uQuant, null, true);
  c.quant(`layers.${i}.y`, body.yQuant, null, true);
  c.quant(`layers.${i}.out`, body.outQuant, null, true);
}

/** One value shared by every layer (or `fallback` without layers); else a coded error. */
function shared<T>(file: string, values: readonly T[], what: string, fallback: T): T {
  const first = values[0];
  if (first === undefined) return fallback;
  const other = values.find((v) => v !== first);
  if (other !== undefined) {
    fail("QS4D-E124", { what, reason: `${String(first)} and ${String(other)}` }, { file });
  }
  return first;
}

/**
 * The architecture as the graph shows it. What a graph cannot show comes from s4d.config: d_state
 * and the discretization of a kernel-only model, the norm position of a model without norms.
 */
function architecture(
  path: DataPath,
  ssms: readonly RecoveredSsm[],
  meta: Metadata,
  g: OnnxGraph,
): ArchSpec {
  const config = meta.config();
  const one = <T>(values: readonly T[], what: string, fallback: T) =>
    shared(g.file, values, what, fallback);
  const bodies = path.layers.map((l) => l.body);
  const norms = path.layers.map((l) => l.norm);
  const [channels, dIn] = path.encoder.weight.param.value.shape as [number, number];
  const kernel = one(
    ssms.map((s) => s.kind),
    "SSM parametrisation",
    "s4d" as RecoveredSsm["kind"],
  );
  const modes = one(
    ssms.map((s) => s.modes),
    "number of modes",
    0,
  );
  const stated = {
    state: typeof config?.d_state === "number" ? config.d_state : 0,
    pre: config?.prenorm === true,
    discretization:
      config?.discretization === "bilinear" ? ("bilinear" as const) : ("zoh" as const),
  };
  const discretizations = ssms.flatMap((s) =>
    s.discretization === null ? [] : [s.discretization],
  );
  return {
    dIn,
    channels: one(
      bodies.map((b) => b.ssm.channels),
      "channels",
      channels,
    ),
    state: kernel === "kernel" ? stated.state : 2 * modes,
    classes: path.decoder.weight.param.value.shape[0]!,
    length: one(
      bodies.map((b) => b.ssm.length),
      "kernel length",
      g.inputShape?.[1] ?? null,
    ),
    layers: path.layers.length,
    norm: one(
      norms.map((n) => n?.kind ?? "none"),
      "norm",
      "none" as ArchSpec["norm"],
    ),
    normPosition: path.normPosition ?? (stated.pre ? "pre" : "post"),
    normEps: one(
      norms.map((n) => (n === null ? 1e-5 : shortestFloat32(n.eps))),
      "norm epsilon",
      1e-5,
    ),
    activation: one<Activation>(
      bodies.map((b) => b.activation),
      "activation",
      "none",
    ),
    mixing: one(
      bodies.map((b) => b.mixing?.kind ?? "none"),
      "mixing",
      "none" as ArchSpec["mixing"],
    ),
    residual: one(
      path.layers.map((l) => l.residual),
      "residual",
      false,
    ),
    discretization: one(discretizations, "discretization", stated.discretization),
    kernel,
  };
}

function checkInput(g: OnnxGraph, arch: ArchSpec): void {
  const shape = g.inputShape;
  if (shape === null) return;
  const text = `[${shape.map((d) => d ?? "?").join(",")}]`;
  const bad = () =>
    fail("QS4D-E120", { tensor: g.input, shape: text }, { file: g.file, tensor: g.input });
  if (shape.length !== 3 && !(shape.length === 2 && arch.dIn === 1)) bad();
  if (shape.length === 3 && shape[2] !== null && shape[2] !== arch.dIn) bad();
  const length = shape[1] ?? null;
  if (length !== null && arch.length !== null && length !== arch.length) {
    fail(
      "QS4D-E111",
      {
        tensor: g.input,
        shape: text,
        expected: `length ${arch.length}`,
        why: "the SSM kernels have that length",
      },
      { file: g.file, tensor: g.input },
    );
  }
}

/** Every quantizer that reaches the output must have been placed on a tensor of the model. */
function checkAllPlaced(ctx: Ctx, placed: readonly PlacedQuant[]): void {
  const used = new Set(placed.map((p) => p.match.output));
  const reaching = new Set(ctx.g.ancestry(ctx.g.output).nodes.flatMap((n) => n.output ?? []));
  for (const [output, m] of ctx.quants) {
    if (used.has(output) || !reaching.has(output)) continue;
    const what = m.input === null ? "integer constants" : `'${m.input}'`;
    fail(
      "QS4D-E127",
      { node: ctx.g.describe(m.node), reason: `it quantizes ${what}` },
      ctx.g.where(m.node),
    );
  }
}

/** The ImportSpec of an ONNX model file's bytes. */
export function buildOnnxSpec(bytes: Uint8Array, file: string): ImportSpec {
  const g = new OnnxGraph(decodeModel(bytes, file), file);
  const ctx = makeContext(g);
  const meta = new Metadata(g.metadata, file);
  const path = walkDataPath(ctx);
  const c = new Collector(ctx);
  c.linear("encoder", path.encoder, "encoder");
  const ssms = path.layers.map((layer, i) =>
    recoverSsm({
      ctx,
      conv: layer.body.ssm.conv,
      layer: i,
      channels: layer.body.ssm.channels,
      length: layer.body.ssm.length,
    }),
  );
  for (const [i, layer] of path.layers.entries()) layerParams(c, ctx, layer, i, ssms[i]!);
  c.linear("decoder", path.decoder, "decoder");
  const arch = architecture(path, ssms, meta, g);
  checkInput(g, arch);
  checkConfig(meta.config(), arch, file);
  checkAllPlaced(ctx, c.placed);
  const { quant, origins: quantOrigins } = buildQuant(ctx, c.placed, meta, arch);
  const scheme = quant.scheme;
  return {
    name: modelNameFromPath(file),
    arch,
    params: c.params,
    quant,
    origin: (name) => c.origins.get(name) ?? { file },
    quantOrigin: (key) => quantOrigins.get(key) ?? { file },
    meta: scheme === "qs4d-max" || scheme === "qs4d-symmetric-v1" ? { "qs4d.scheme": scheme } : {},
  };
}
