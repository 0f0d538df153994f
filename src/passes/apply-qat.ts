// apply-qat: the model's training-time quantizers applied to its latent weights, so that the
// IR holds the network that was trained (fixtures/models/README.md). Static quantizers are consumed:
//   - QS4D max quantizers (`levels`, scope tensor) on dense weights, log dt, Re A, Im A and C
//     (C as its real view [H, M, 2], one max over both parts): the tensor becomes int / s
//     (float32 division, fixtures/models/README.md) and the quantizer is removed;
//   - affine quantizers of weights, C and D: the tensor becomes (q - zp) * s in float32 and
//     the quantizer stays, with its codes, for `requantize` to honour exactly.
// Grids on the discretized dA/dB (qs4d-symmetric-v1 `lambda`, `bbar`) are left to discretize
// and requantize. Dynamic quantizers (per-sample u, layer outputs) run on the chip's digital
// periphery and stay. A quantized kernel (qs4d-max state_quant in convolution mode) has no
// recurrent counterpart: it is dropped with a warning, the state is quantized by the ADC.

import { fround } from "../arith/numeric.js";
import { affineCodes, maxQuantize } from "../arith/quantize.js";
import type {
  AffineQuantizer,
  Layer,
  Linear,
  Model,
  Quantizer,
  Ssm,
  SsmContinuous,
  SsmRole,
} from "../ir/model.js";
import type { Tensor } from "../ir/tensor.js";
import { f32Tensor, i32Tensor, interleave, split, values } from "./lib/tensors.js";
import type { Pass, PassContext } from "./pass.js";

export interface AppliedQuantizer {
  readonly tensor: string;
  readonly quantizer: string;
  /** Distinct integer codes the tensor uses. */
  readonly distinct: number;
  /** max |latent - applied| over the tensor. */
  readonly maxChange: number;
}

export interface ApplyQatReport {
  readonly applied: AppliedQuantizer[];
  readonly dropped: string[];
}

function distinct(codes: ArrayLike<number>): number {
  return new Set(Array.from(codes)).size;
}

function maxChange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Apply a quantizer to a static tensor; returns the new tensor and the quantizer to keep. */
function applyStatic(
  t: Tensor,
  q: Quantizer,
  name: string,
  report: ApplyQatReport,
): { tensor: Tensor; keep: Quantizer | null } {
  const latent = values(t, name);
  if (q.kind === "levels") {
    const r = maxQuantize(latent, q.levels);
    report.applied.push({
      tensor: name,
      quantizer: `levels ${q.levels}`,
      distinct: distinct(r.codes),
      maxChange: maxChange(latent, r.values),
    });
    return { tensor: f32Tensor(t.shape, r.values), keep: null };
  }
  return applyAffine(t, latent, q, name, report);
}

function applyAffine(
  t: Tensor,
  latent: Float64Array,
  q: AffineQuantizer,
  name: string,
  report: ApplyQatReport,
) {
  const { codes, scaleAt } = affineCodes(q, latent, t.shape);
  const applied = codes.map((c, i) => fround((c - q.zeroPoint) * scaleAt(i)));
  report.applied.push({
    tensor: name,
    quantizer: `affine ${q.bits}-bit`,
    distinct: distinct(codes),
    maxChange: maxChange(latent, applied),
  });
  const keep: AffineQuantizer =
    q.codes === undefined ? { ...q, codes: i32Tensor(t.shape, codes) } : q;
  return { tensor: f32Tensor(t.shape, applied), keep };
}

function applyLinear(l: Linear, name: string, report: ApplyQatReport): Linear {
  if (l.weightQuant === null) return l;
  const { tensor, keep } = applyStatic(l.weight, l.weightQuant, `${name}.weight`, report);
  return { ...l, weight: tensor, weightQuant: keep };
}

/** C is quantized as its real view [H, M, 2]: one quantizer over both parts. */
function applyC(form: SsmContinuous, q: Quantizer, prefix: string, report: ApplyQatReport) {
  const view = interleave(values(form.cRe, `${prefix}.C`), values(form.cIm, `${prefix}.C`));
  const shape = [...form.cRe.shape, 2];
  const { tensor, keep } = applyStatic(f32Tensor(shape, view), q, `${prefix}.kernel.C`, report);
  const parts = split(tensor.data!);
  return {
    cRe: f32Tensor(form.cRe.shape, parts.re),
    cIm: f32Tensor(form.cIm.shape, parts.im),
    keep,
  };
}

const CONTINUOUS_ROLES = [
  ["logDt", "logDt", "log_dt"],
  ["aRe", "aRe", "A_real"],
  ["aIm", "aIm", "A_imag"],
] as const;

function applySsm(ssm: Ssm, prefix: string, report: ApplyQatReport): Ssm {
  const quant: Partial<Record<SsmRole, Quantizer>> = { ...ssm.quant };
  let form = ssm.form;
  if (form.kind === "continuous") {
    const next: Record<string, unknown> = { ...form };
    for (const [role, field, name] of CONTINUOUS_ROLES) {
      const q = quant[role];
      if (q === undefined) continue;
      const r = applyStatic(form[field], q, `${prefix}.kernel.${name}`, report);
      next[field] = r.tensor;
      if (r.keep === null) delete quant[role];
      else quant[role] = r.keep;
    }
    if (quant.c !== undefined) {
      const c = applyC(form, quant.c, prefix, report);
      next.cRe = c.cRe;
      next.cIm = c.cIm;
      if (c.keep === null) delete quant.c;
      else quant.c = c.keep;
    }
    form = next as unknown as SsmContinuous;
  }
  let d = ssm.d;
  if (quant.d !== undefined) {
    const r = applyStatic(ssm.d, quant.d, `${prefix}.D`, report);
    d = r.tensor;
    if (r.keep === null) delete quant.d;
    else quant.d = r.keep;
  }
  if (quant.kernel !== undefined && form.kind !== "kernel") {
    delete quant.kernel;
    report.dropped.push(`${prefix}.kernel.K`);
  }
  return { ...ssm, form, d, quant };
}

function applyLayer(layer: Layer, i: number, report: ApplyQatReport): Layer {
  const mixing =
    layer.mixing === null
      ? null
      : {
          ...layer.mixing,
          linear: applyLinear(layer.mixing.linear, `layers.${i}.output_linear`, report),
        };
  return { ...layer, ssm: applySsm(layer.ssm, `layers.${i}`, report), mixing };
}

export function applyQat(model: Model, context: PassContext | null): Model {
  const report: ApplyQatReport = { applied: [], dropped: [] };
  const result: Model = {
    ...model,
    encoder: applyLinear(model.encoder, "encoder", report),
    layers: model.layers.map((layer, i) => applyLayer(layer, i, report)),
    decoder: applyLinear(model.decoder, "decoder", report),
  };
  if (context !== null) {
    for (const tensor of report.dropped)
      context.diagnostics.warn("QS4D-W401", { tensor }, { tensor });
    context.reports.set("apply-qat", report);
  }
  return result;
}

export const APPLY_QAT: Pass = {
  name: "apply-qat",
  description:
    "apply the model's training-time quantizers to its latent weights (the network that was trained)",
  options: [],
  run: (model, context) => applyQat(model, context),
};
