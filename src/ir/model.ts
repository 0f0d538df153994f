// The one IR of qs4dc: a whole S4D sequence classifier (fixtures/models/README.md).
// Passes lower it in place of a second IR: the SSM of each layer moves from its
// continuous form to a discrete one, quantizers get resolved into integer grids, and
// finally `hardware` holds the placement on crossbar arrays (see hardware.ts).

import type { HardwareProgram } from "./hardware.js";
import type { Tensor } from "./tensor.js";

/** QS4D "max" quantizer (the authors' max_quant_fn): scale = (Q/2)/max|x|, integers in [-Q/2, Q/2]. */
export interface LevelsQuantizer {
  readonly kind: "levels";
  /** Level count Q as the QS4D flags give it (16 means "4 bit"; 2 is ternary). */
  readonly levels: number;
  /** Where max|x| is taken: the whole static tensor, or each sample of a dynamic activation. */
  readonly scope: "tensor" | "sample";
}

/** Uniform affine quantizer: q = clamp(round(v / scale) + zeroPoint, lo, hi). */
export interface AffineQuantizer {
  readonly kind: "affine";
  readonly bits: number;
  /** One scale (axis null) or one per index of `axis`. */
  readonly scale: number | readonly number[];
  readonly axis: number | null;
  readonly zeroPoint: number;
  readonly signed: boolean;
  /** Narrow range drops the most negative code: [-(2^(b-1)-1), 2^(b-1)-1]. */
  readonly narrow: boolean;
  readonly rounding: "half-even" | "half-away";
  /** Integer codes the training export itself carries (qs4d-symmetric-v1), kept to stay bit exact. */
  readonly codes?: Tensor;
}

export type Quantizer = LevelsQuantizer | AffineQuantizer;

export type QuantScheme = "none" | "qs4d-max" | "qs4d-symmetric-v1" | "qdq" | "grid";

export interface Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [out, in] */
  readonly weight: Tensor;
  /** [out] or null */
  readonly bias: Tensor | null;
  readonly weightQuant: Quantizer | null;
}

export type Norm =
  | {
      readonly kind: "layer";
      readonly weight: Tensor;
      readonly bias: Tensor;
      readonly eps: number;
    }
  | {
      readonly kind: "batch";
      readonly weight: Tensor;
      readonly bias: Tensor;
      readonly mean: Tensor;
      readonly variance: Tensor;
      readonly eps: number;
    };

/** Continuous S4D parameters, [H, M] each with M = N/2 complex modes; B null means B = 1. */
export interface SsmContinuous {
  readonly kind: "continuous";
  /** log dt, [H] (S4 `inv_dt` and S4D `log_dt` both mean dt = exp(.)). */
  readonly logDt: Tensor;
  /** Re A (negative for a stable model). */
  readonly aRe: Tensor;
  /** Im A, sign normalised to A = aRe + i*aIm whatever the source convention. */
  readonly aIm: Tensor;
  readonly bRe: Tensor | null;
  readonly bIm: Tensor | null;
  readonly cRe: Tensor;
  readonly cIm: Tensor;
}

/** Discrete diagonal SSM: x_t = lambda x_{t-1} + bbar u_t, y_t = 2 Re(sum c x_t) + d u_t. */
export interface SsmDiscrete {
  readonly kind: "discrete";
  readonly lambdaRe: Tensor;
  readonly lambdaIm: Tensor;
  readonly bbarRe: Tensor;
  readonly bbarIm: Tensor;
  readonly cRe: Tensor;
  readonly cIm: Tensor;
}

/** Kernel-only SSM: the lag-ordered convolution kernel k[h, l], [H, L]. */
export interface SsmKernel {
  readonly kind: "kernel";
  readonly k: Tensor;
}

export type SsmForm = SsmContinuous | SsmDiscrete | SsmKernel;

/** The tensors of an SSM a quantizer can be attached to. */
export type SsmRole =
  | "logDt"
  | "aRe"
  | "aIm"
  | "c"
  | "kernel"
  | "lambda"
  | "bbar"
  | "d"
  | "u"
  | "x"
  | "y";

export const SSM_ROLES: readonly SsmRole[] = [
  "logDt",
  "aRe",
  "aIm",
  "c",
  "kernel",
  "lambda",
  "bbar",
  "d",
  "u",
  "x",
  "y",
];

/**
 * The residual state update that `requantize` chooses for long memories (docs/lowering.md): the
 * state columns of mode n read dx = (lambda - 1) x + Bbar u, and the periphery adds dx into the
 * state register (quant.x gives its width and scale). Codes are per mode, so each mode's columns
 * have their own gains: dx_n = deltaScale[n] * (delta . x) + bbarScale[n] * (bbar . u), converted
 * in steps of 2^shift[n] register codes. lambda, bbar in `quant` stay the plain description.
 */
export interface ResidualUpdate {
  /** i32 [H, M, 2]: codes of lambda - 1 (re, im). */
  readonly delta: Tensor;
  /** f64 [H, M]: register codes per (delta code x state code). */
  readonly deltaScale: Tensor;
  /** i32 [H, M, 2]: codes of Bbar in register codes per input code. */
  readonly bbar: Tensor;
  /** f64 [H, M]: register codes per (bbar code x input code). */
  readonly bbarScale: Tensor;
  /** i32 [H, M]: the state ADC's step, 2^shift register codes. */
  readonly shift: Tensor;
  /** Code limit of the state columns' conversions: the ADC's, or wider (multi-step). */
  readonly limit: number;
}

export interface Ssm {
  /** Channels H. */
  readonly channels: number;
  /** Complex modes per channel, M = N/2 (0 for a kernel-only SSM). */
  readonly modes: number;
  readonly discretization: "zoh" | "bilinear";
  readonly form: SsmForm;
  /** Skip term D, [H]. */
  readonly d: Tensor;
  readonly quant: Readonly<Partial<Record<SsmRole, Quantizer>>>;
  /** Set by requantize when the state is updated residually; absent: x = lambda x + Bbar u. */
  readonly residual?: ResidualUpdate;
  /**
   * Set by requantize when some channel is larger than one array of the target: the fraction
   * bits with which each part converts its partial y before the commit rounds their sum
   * (docs/chip-arithmetic.md §3). Absent: one conversion step more than y needs.
   */
  readonly splitFraction?: number;
}

export type Activation = "gelu" | "relu" | "none";

export interface Mixing {
  /** glu: Conv1d(H -> 2H) then a * sigmoid(b); relu: Conv1d(H -> H) then ReLU; linear: Conv1d(H -> H). */
  readonly kind: "glu" | "relu" | "linear";
  readonly linear: Linear;
}

export interface Layer {
  readonly norm: Norm | null;
  readonly normPosition: "pre" | "post";
  readonly ssm: Ssm;
  readonly activation: Activation;
  readonly mixing: Mixing | null;
  readonly residual: boolean;
  /** act_quant on the layer output after mixing (dynamic, per sample). */
  readonly outputQuant: Quantizer | null;
}

export interface ModelConfig {
  readonly dIn: number;
  /** d_model, H */
  readonly channels: number;
  /** d_state, N (real dimensions: N/2 complex modes) */
  readonly state: number;
  readonly classes: number;
  /** Fixed sequence length, or null when the model takes any length. */
  readonly length: number | null;
}

export interface Model {
  readonly name: string;
  readonly config: ModelConfig;
  readonly quantScheme: QuantScheme;
  readonly encoder: Linear;
  readonly layers: readonly Layer[];
  readonly pooling: "mean";
  readonly decoder: Linear;
  /** Free-form provenance: source file digest, exporter, scheme metadata. Sorted on print. */
  readonly meta: Readonly<Record<string, string>>;
  /** Set by lowering (`layout-imssa` and later passes); null before. */
  readonly hardware: HardwareProgram | null;
}
