// The lowered part of the IR (Model.hardware): the chip program that `layout-imssa` builds,
// `tile` places on physical arrays and `map-conductance` annotates with conductances.
// It is self-contained: crossbars, the integer registers ("signals") they exchange with the
// digital periphery, and the digital program that runs the whole classifier. A chip.bin
// writer serializes exactly this and a simulator can run it without the rest of the Model.
// docs/chip-arithmetic.md states what every field means arithmetically, bit for bit.

import type { Tensor } from "./tensor.js";

export interface TargetRef {
  readonly name: string;
  /** SHA-256 of the canonical JSON of the target description. */
  readonly digest: string;
}

/** The target's parameters this program was compiled with ("model" values resolved). */
export interface HardwareParams {
  readonly rows: number;
  readonly cols: number;
  /** Conductance levels per cell, zero level included: level indices 0..levels-1. */
  readonly levels: number;
  /**
   * Cells per weight (bit slicing, 1 = none): a code's magnitude is written in base `levels`,
   * digit k on the k-th slice column, whose readout gains carry the factor levels^k.
   */
  readonly slices: number;
  readonly dacBits: number;
  readonly adcBits: number;
  readonly adcsPerArray: number;
  readonly encoding: "row-polarity" | "differential-columns";
  readonly outputMode: "lagged" | "folded";
  /** Output columns per channel block: 2 (+y, -y) or 4 (+y, -y, two reserved). */
  readonly outputColumns: 2 | 4;
  readonly dPlacement: "rows" | "digital";
  readonly dense: "crossbar" | "digital";
  readonly gMinUs: number;
  readonly gMaxUs: number;
  /** Write-verify band, +- this fraction of the level spacing. */
  readonly writeVerifyTolerance: number;
}

export type SignalKind =
  | "ssm-input"
  | "ssm-input-delayed"
  | "ssm-state"
  | "ssm-output"
  | "dense-input"
  | "dense-output";

/**
 * An integer register vector exchanged between the digital periphery and the arrays: it
 * drives rows through DACs, or it is written by column readouts through ADCs. Codes are
 * integers in [-limit, limit].
 */
export interface Signal {
  /** Unique, e.g. `l0.u`, `l0.x`, `l1.mix.in`. */
  readonly name: string;
  readonly kind: SignalKind;
  readonly length: number;
  readonly limit: number;
  /**
   * The commit adds the readouts' shifted codes to the register instead of replacing it (the
   * residual state update, docs/chip-arithmetic.md §2). Absent: replace.
   */
  readonly accumulate?: true;
}

/** Columns of `Crossbar.rowMap`. */
export const ROW_SIGNAL = 0;
export const ROW_ELEMENT = 1;
export const ROW_POLARITY = 2;
export const ROW_FIELDS = 3;

/** Columns of `Crossbar.readouts`. */
export const RO_COL_PLUS = 0;
/** -1 unless differential-columns encoding: the column subtracted from colPlus. */
export const RO_COL_MINUS = 1;
export const RO_SIGNAL = 2;
export const RO_ELEMENT = 3;
/** +1: writes the register; -1: a mirror column (converted, not stored, ideally = -primary). */
export const RO_POLARITY = 4;
/**
 * Bit-slice index (0 = least significant). The columns of slice k > 0 of an output (same
 * signal, element, polarity, same crossbar) are summed into its slice-0 readout with weight
 * levels^k before that readout's one ADC conversion; their own gains, adc and limit are unused.
 */
export const RO_SLICE = 5;
/** Which of the array's ADCs converts it; -1 before `tile` assigns converters. */
export const RO_ADC = 6;
/** The readout's code is clamped to [-limit, limit]. */
export const RO_LIMIT = 7;
export const RO_FIELDS = 8;

/** Columns of `Crossbar.cells`. */
export const CELL_ROW = 0;
export const CELL_COL = 1;
export const CELL_LEVEL = 2;
export const CELL_FIELDS = 3;

/** Where a logical block (one SSM channel, one dense tile) sits in a physical array. */
export interface Placement {
  /**
   * e.g. `l0.h3` (layer 0, channel 3), `l0.h3.p1` (part 1 of that channel when it is split over
   * arrays) or `l1.mix.t2` (tile 2 of layer 1's mixing).
   */
  readonly block: string;
  readonly rowOffset: number;
  readonly colOffset: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * One crossbar. Before `tile` each crossbar is one logical block (rows x cols = its extent);
 * after `tile` each is a physical array of the target's size holding one or more blocks.
 * Either way the arithmetic is the same (docs/chip-arithmetic.md §2):
 *   for a readout with terms (s_1, g_1) .. (s_T, g_T):
 *     S_k = sum over its columns w (sign +-1) and rows r driven by signal s_k of
 *           sign_w * level[r][w] * polarity[r] * code_{s_k}[element[r]]      (exact integer)
 *     code = clamp(rhe(((0 + g_1*S_1) + g_2*S_2) + ...), -limit, limit)  (binary64, in order)
 */
export interface Crossbar {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** i32 [rows, ROW_FIELDS]: driving signal (-1: undriven), element, polarity (+1/-1, 0). */
  readonly rowMap: Tensor;
  /** i32 [readouts, RO_FIELDS], one row per ADC conversion per read. */
  readonly readouts: Tensor;
  /** i32 [readouts, T]: the signal of each term (-1: unused slot). */
  readonly termSignals: Tensor;
  /** f64 [readouts, T]: the gain of each term (0 in unused slots). */
  readonly termGains: Tensor;
  /** i32 [programmed cells, CELL_FIELDS] (row, col, level >= 1), sorted by row then column. Cells not listed are at level 0 (gMin). */
  readonly cells: Tensor;
  /** f32 [programmed cells]: target conductance in µS (`map-conductance`), null before. */
  readonly conductanceUs: Tensor | null;
  /** Empty before `tile`. */
  readonly placements: readonly Placement[];
  /**
   * i32 [readouts]: each readout's code is multiplied by 2^shift before the commit (the ADC's
   * step in register codes, docs/chip-arithmetic.md §2). Absent: every shift is 0.
   */
  readonly shifts?: Tensor;
}

/** How the SSM input u becomes DAC codes. */
export type InputQuant =
  /** u_q[h] = clamp(rhe(f32(u[h] / scale[h])), -limit, limit); scale f64 [H]. */
  | { readonly kind: "static"; readonly scale: Tensor; readonly limit: number }
  /** QS4D max quantizer per sample over the layer's [L, H] input: Q = levels, limit = Q/2. */
  | { readonly kind: "sample"; readonly levels: number };

/**
 * The digital program, run once per sample in order (it is also the schedule). Buffers are
 * named float32 vectors: sequence buffers [L, C] time-major, and vectors [C] after pooling.
 * `input` is the model input [L, dIn]; the last op writes `logits` [classes].
 */
export type DigitalOp =
  | {
      readonly op: "linear";
      readonly input: string;
      readonly output: string;
      /** f32 [out, in] */
      readonly weight: Tensor;
      /** f32 [out] or null */
      readonly bias: Tensor | null;
    }
  | {
      /**
       * A dense layer on crossbar tiles: the input scaled per sample to DAC codes (the QS4D max
       * quantizer with `inputLevels`, scale s), one read of the tiles, partial codes summed per
       * output; y[o] = f32(f32(f32(code * outputStep[o]) / s) + bias[o]).
       */
      readonly op: "crossbar-linear";
      readonly input: string;
      readonly output: string;
      /** dense-input signal, driven with the input codes. */
      readonly inputSignal: number;
      readonly inputLevels: number;
      readonly outputSignal: number;
      /** f64 [out]: value of one output code per unit input scale. */
      readonly outputStep: Tensor;
      readonly bias: Tensor | null;
    }
  | {
      readonly op: "layer-norm";
      readonly input: string;
      readonly output: string;
      readonly weight: Tensor;
      readonly bias: Tensor;
      readonly eps: number;
    }
  | {
      readonly op: "batch-norm";
      readonly input: string;
      readonly output: string;
      readonly weight: Tensor;
      readonly bias: Tensor;
      readonly mean: Tensor;
      readonly variance: Tensor;
      readonly eps: number;
    }
  | { readonly op: "gelu" | "relu"; readonly input: string; readonly output: string }
  /** a * sigmoid(b), a = first half of the channels. */
  | { readonly op: "glu"; readonly input: string; readonly output: string }
  | {
      readonly op: "add";
      readonly input: string;
      readonly other: string;
      readonly output: string;
    }
  /** The QS4D max quantizer applied per sample (act_quant): fake quantization, float out. */
  | {
      readonly op: "fake-quant";
      readonly input: string;
      readonly output: string;
      readonly levels: number;
    }
  | { readonly op: "mean-pool"; readonly input: string; readonly output: string }
  | {
      /** One SSM layer on the arrays: quantize u, step the arrays L (+1 flush) times, dequantize y. */
      readonly op: "ssm";
      readonly layer: number;
      readonly input: string;
      readonly output: string;
      readonly inputQuant: InputQuant;
      readonly inputSignal: number;
      /** -1 when no row is driven by the delayed input (folded, or D digital). */
      readonly inputDelayedSignal: number;
      readonly stateSignal: number;
      readonly outputSignal: number;
      readonly outputMode: "lagged" | "folded";
      /** f64 [H]: y[h] = f32(code * outputScale[h]) (then f32(. / s) for a per-sample input scale s). */
      readonly outputScale: Tensor;
      /** f32 [H]: D added digitally to y (dPlacement digital), else null. */
      readonly digitalD: Tensor | null;
    };

export interface HardwareProgram {
  readonly target: TargetRef;
  readonly params: HardwareParams;
  readonly signals: readonly Signal[];
  readonly crossbars: readonly Crossbar[];
  /** true after `tile`: crossbars are physical arrays of params.rows x params.cols. */
  readonly placed: boolean;
  readonly program: readonly DigitalOp[];
}
