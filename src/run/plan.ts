// The executable form of an IR model: float64 arrays with every static training-time
// quantizer already applied, and the dynamic (per-sample) quantizers numbered as "points"
// whose scales the engines resolve per sample. Both engines (stream.ts, conv.ts) run a plan.

import { affineDequantize, maxQuantize } from "../arith/quantize.js";
import { fail } from "../diag/error.js";
import type {
  Activation,
  AffineQuantizer,
  Layer,
  Linear,
  Model,
  Norm,
  Quantizer,
  SsmRole,
} from "../ir/model.js";
import { diagonalKernel } from "./kernel.js";
import {
  continuousSsm,
  type DiagonalSsm,
  discreteSsm,
  type FirSsm,
  integerSsm,
  type SsmPlan,
} from "./ssm-plan.js";
import { floats } from "./tensors.js";

export interface DensePlan {
  readonly rows: number;
  readonly cols: number;
  /** [rows, cols] row-major */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
}

export type NormPlan =
  | {
      readonly kind: "layer";
      readonly weight: Float64Array;
      readonly bias: Float64Array;
      readonly eps: number;
    }
  | {
      readonly kind: "batch";
      readonly weight: Float64Array;
      readonly bias: Float64Array;
      readonly mean: Float64Array;
      /** 1/sqrt(running_var + eps) */
      readonly invStd: Float64Array;
    };

export interface MixingPlan {
  readonly kind: "glu" | "relu" | "linear";
  readonly dense: DensePlan;
}

/** A static affine fake-quantizer on activations: x -> (clamp(round(x/s) + zp) - zp) * s. */
export interface StaticActQuant {
  readonly kind: "affine";
  readonly quantizer: AffineQuantizer;
  readonly scale: number;
}

/** A per-sample max quantizer; `point` indexes the plan's dynamic points. */
export interface DynamicActQuant {
  readonly kind: "dynamic";
  readonly levels: number;
  readonly point: number;
}

export interface LayerPlan {
  readonly index: number;
  readonly norm: NormPlan | null;
  readonly normPosition: "pre" | "post";
  /** QS4D state_quant on the SSM input (per sample, before the SSM and its D term). */
  readonly inputQuant: DynamicActQuant | null;
  readonly ssm: SsmPlan;
  readonly activation: Activation;
  readonly mixing: MixingPlan | null;
  readonly outputQuant: DynamicActQuant | StaticActQuant | null;
  readonly residual: boolean;
}

export interface DynamicPoint {
  readonly layer: number;
  readonly where: "ssm-input" | "layer-output";
  readonly levels: number;
}

export interface Plan {
  readonly dIn: number;
  readonly channels: number;
  readonly classes: number;
  /** The input length the plan runs (a quantized kernel [H, L] and its scale depend on it). */
  readonly length: number;
  /** Quantized models run their float parts in float32: round at every op boundary. */
  readonly f32: boolean;
  readonly encoder: DensePlan;
  readonly layers: readonly LayerPlan[];
  readonly decoder: DensePlan;
  /** Dynamic quantizers in execution order; a point's scale needs everything before it. */
  readonly points: readonly DynamicPoint[];
}

export interface PlanOptions {
  /** Apply the model's training-time quantizers (false: the latent float model). */
  readonly quantize: boolean;
  readonly length: number;
}

function applyWeightQuant(q: Quantizer, w: Float64Array, shape: readonly number[], name: string) {
  if (q.kind === "levels") return maxQuantize(w, q.levels).values;
  if (q.codes !== undefined && q.codes.data?.length !== w.length) {
    fail(
      "QS4D-E305",
      { where: name, role: "weight", reason: "carries codes of another shape" },
      { tensor: name },
    );
  }
  return affineDequantize(q, w, shape);
}

/** A dense layer [rows, cols] as the architecture needs it (the IR's own sizes are checked). */
function densePlan(
  linear: Linear,
  name: string,
  [rows, cols]: readonly [number, number],
  quantize: boolean,
): DensePlan {
  if (linear.outFeatures !== rows || linear.inFeatures !== cols) {
    const reason = `is ${linear.inFeatures} -> ${linear.outFeatures} where the model needs ${cols} -> ${rows}`;
    fail("QS4D-E307", { tensor: `${name}.weight`, reason }, { tensor: `${name}.weight` });
  }
  let w = floats(linear.weight, `${name}.weight`, rows * cols);
  if (quantize && linear.weightQuant !== null) {
    w = applyWeightQuant(linear.weightQuant, w, linear.weight.shape, `${name}.weight`);
  }
  const b = linear.bias === null ? null : floats(linear.bias, `${name}.bias`, rows);
  return { rows, cols, w, b };
}

function normPlan(norm: Norm, name: string, channels: number): NormPlan {
  const weight = floats(norm.weight, `${name}.weight`, channels);
  const bias = floats(norm.bias, `${name}.bias`, channels);
  if (norm.kind === "layer") return { kind: "layer", weight, bias, eps: norm.eps };
  const mean = floats(norm.mean, `${name}.running_mean`, channels);
  const variance = floats(norm.variance, `${name}.running_var`, channels);
  const invStd = variance.map((v) => 1 / Math.sqrt(v + norm.eps));
  return { kind: "batch", weight, bias, mean, invStd };
}

class PointTable {
  readonly points: DynamicPoint[] = [];

  add(layer: number, where: DynamicPoint["where"], q: Quantizer, role: string): DynamicActQuant {
    if (q.kind !== "levels" || q.scope !== "sample") {
      // The authors' whole-batch max makes a sample's output depend on its batch; the golden,
      // eval and ONNX semantics are per sample, and only those are reproducible.
      fail("QS4D-E305", {
        where: `layer ${layer}`,
        role,
        reason: "is not a per-sample max quantizer (the only dynamic scope run reproduces)",
      });
    }
    this.points.push({ layer, where, levels: q.levels });
    return { kind: "dynamic", levels: q.levels, point: this.points.length - 1 };
  }
}

/** SSM roles each scheme gives a meaning to; any other quantized role cannot be run honestly. */
const SCHEME_ROLES: Readonly<Record<string, readonly SsmRole[]>> = {
  "qs4d-max": ["logDt", "aRe", "aIm", "c", "kernel", "u"],
  "qs4d-symmetric-v1": ["lambda", "bbar", "c", "d", "u", "x", "y"],
};

function checkRoles(model: Model, layer: Layer, i: number): void {
  const allowed = SCHEME_ROLES[model.quantScheme] ?? [];
  for (const role of Object.keys(layer.ssm.quant) as SsmRole[]) {
    if (!allowed.includes(role)) {
      fail("QS4D-E306", { scheme: model.quantScheme, what: `layer ${i} SSM role '${role}'` });
    }
  }
}

function ssmPlan(model: Model, layer: Layer, i: number, options: PlanOptions): SsmPlan {
  const { ssm } = layer;
  const prefix = `layers.${i}`;
  if (!options.quantize) return floatSsm(layer, i, {});
  checkRoles(model, layer, i);
  if (model.quantScheme === "qs4d-symmetric-v1") return integerSsm(ssm, prefix);
  const planned = floatSsm(layer, i, ssm.quant);
  const kq = ssm.quant.kernel;
  if (kq === undefined) return planned;
  if (kq.kind !== "levels") {
    fail("QS4D-E305", { where: `layer ${i}`, role: "kernel", reason: "is not a max quantizer" });
  }
  // state_quant in conv mode: the whole kernel [H, L] quantized with one max. A quantized
  // kernel is no recurrence any more, so the layer runs as a causal FIR filter.
  const fir: FirSsm = planned.kind === "fir" ? planned : toFir(planned, options.length);
  return { ...fir, k: maxQuantize(fir.k, kq.levels).values };
}

function toFir(ssm: DiagonalSsm, length: number): FirSsm {
  return {
    kind: "fir",
    channels: ssm.channels,
    taps: length,
    k: diagonalKernel(ssm, length),
    d: ssm.d,
  };
}

function floatSsm(
  layer: Layer,
  i: number,
  quant: Readonly<Partial<Record<SsmRole, Quantizer>>>,
): DiagonalSsm | FirSsm {
  const { ssm } = layer;
  const prefix = `layers.${i}`;
  const d = floats(ssm.d, `${prefix}.D`, ssm.channels);
  switch (ssm.form.kind) {
    case "kernel": {
      const taps = ssm.form.k.shape.at(-1) ?? 0;
      const k = floats(ssm.form.k, `${prefix}.kernel.K`, ssm.channels * taps);
      return { kind: "fir", channels: ssm.channels, taps, k, d };
    }
    case "continuous":
      return continuousSsm(ssm, ssm.form, d, prefix, quant);
    case "discrete":
      return discreteSsm(ssm, ssm.form, d, prefix);
  }
}

function layerPlan(
  model: Model,
  layer: Layer,
  i: number,
  options: PlanOptions,
  points: PointTable,
): LayerPlan {
  const H = model.config.channels;
  if (layer.ssm.channels !== H) {
    const reason = `has ${layer.ssm.channels} channels where d_model is ${H}`;
    fail("QS4D-E307", { tensor: `layers.${i}.D`, reason }, { tensor: `layers.${i}.D` });
  }
  const quant = options.quantize;
  const norm = layer.norm === null ? null : normPlan(layer.norm, `norms.${i}`, H);
  const uq = quant && model.quantScheme === "qs4d-max" ? layer.ssm.quant.u : undefined;
  const inputQuant = uq === undefined ? null : points.add(i, "ssm-input", uq, "u");
  const ssm = ssmPlan(model, layer, i, options);
  const mixing =
    layer.mixing === null
      ? null
      : {
          kind: layer.mixing.kind,
          dense: densePlan(
            layer.mixing.linear,
            `layers.${i}.output_linear`,
            [layer.mixing.kind === "glu" ? 2 * H : H, H],
            quant,
          ),
        };
  const oq = quant ? layer.outputQuant : null;
  let outputQuant: LayerPlan["outputQuant"] = null;
  if (oq !== null && oq.kind === "levels") outputQuant = points.add(i, "layer-output", oq, "out");
  else if (oq !== null)
    outputQuant = { kind: "affine", quantizer: oq, scale: activationScale(oq, i) };
  return {
    index: i,
    norm,
    normPosition: layer.normPosition,
    inputQuant,
    ssm,
    activation: layer.activation,
    mixing,
    outputQuant,
    residual: layer.residual,
  };
}

function activationScale(q: AffineQuantizer, layer: number): number {
  if (typeof q.scale === "number") return q.scale;
  fail("QS4D-E305", { where: `layer ${layer}`, role: "out", reason: "has per-channel scales" });
}

/**
 * Schemes whose quantizers change values. A "grid" model is a float model whose tensors were
 * found to sit on uniform grids: its annotations describe values, and applying them is the
 * identity, so it runs as the float model it is.
 */
function quantizes(model: Model, options: PlanOptions): boolean {
  return options.quantize && model.quantScheme !== "none" && model.quantScheme !== "grid";
}

export function buildPlan(model: Model, options: PlanOptions): Plan {
  const { config } = model;
  const points = new PointTable();
  const effective = { ...options, quantize: quantizes(model, options) };
  const layers = model.layers.map((layer, i) => layerPlan(model, layer, i, effective, points));
  return {
    dIn: config.dIn,
    channels: config.channels,
    classes: config.classes,
    length: options.length,
    f32: effective.quantize,
    encoder: densePlan(model.encoder, "encoder", [config.channels, config.dIn], effective.quantize),
    layers,
    decoder: densePlan(
      model.decoder,
      "decoder",
      [config.classes, config.channels],
      effective.quantize,
    ),
    points: points.points,
  };
}
