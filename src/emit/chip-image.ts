// What `readChip` returns: the compiled chip as plain, validated, typed data, independent of the
// IR (the simulator consumes only this). Field meanings follow src/ir/hardware.ts and
// docs/chip-arithmetic.md; docs/chip-format.md §8-§11 gives their encoding in the file.
// Every index in a valid image is in range (signals, elements, rows, columns, ADCs), so a
// consumer may index with it directly.

import type { HardwareParams } from "../ir/hardware.js";
import type { TargetDescription } from "../target/types.js";
import type { JsonObject } from "../util/canonical-json.js";
import type { SectionInfo } from "./container-read.js";
import type { ArrayDType, NumericArray } from "./dtype.js";

export interface ChipImage {
  readonly file: string;
  readonly version: { readonly major: number; readonly minor: number };
  /** Every section in file order with its offset, length and CRC (for `inspect`). */
  readonly sections: readonly SectionInfo[];
  readonly manifest: ChipManifest;
  readonly target: ChipTarget;
  /** The integer registers exchanged between the periphery and the arrays; ops index them. */
  readonly signals: readonly ChipSignal[];
  readonly arrays: readonly ChipArray[];
  /** true: arrays are physical arrays of params.rows x params.cols (after `tile`). */
  readonly placed: boolean;
  /** The digital program, in execution order (it is also the schedule). */
  readonly program: readonly ChipOp[];
}

/** A compile option as chip.bin's manifest records it: a pass option as given, or a digest. */
export type ManifestOptionValue = string | number | boolean;

/** The compile options a manifest records: the target's name, and each other option by name. */
export interface ManifestOptions {
  readonly target: string;
  readonly [option: string]: ManifestOptionValue;
}

export interface ChipManifest {
  readonly compiler: { readonly name: string; readonly version: string };
  /** The model's name, the SHA-256 (hex) of the bytes of the file it was compiled from, its provenance. */
  readonly source: { readonly model: string; readonly digest: string; readonly meta: JsonObject };
  readonly options: ManifestOptions;
  readonly passes: readonly string[];
  /** Per-pass reports (quantization, pruning, utilization), keyed by pass name. */
  readonly reports: JsonObject;
}

export interface ChipTarget {
  readonly name: string;
  /** SHA-256 (hex) of the canonical JSON of `description`; checked on reading. */
  readonly digest: string;
  /** The full target description compiled for: timing, energy, noise, converters. */
  readonly description: TargetDescription;
  /** The target's parameters as resolved for this model ("model" values replaced). */
  readonly params: ChipParams;
}

/**
 * The resolved target parameters: the very fields of the IR's HardwareParams, so that a field
 * added to the IR cannot be forgotten by the chip.bin reader (it would no longer type-check).
 */
export type ChipParams = HardwareParams;

export const SIGNAL_KINDS = [
  "ssm-input",
  "ssm-input-delayed",
  "ssm-state",
  "ssm-output",
  "dense-input",
  "dense-output",
] as const;

export interface ChipSignal {
  readonly name: string;
  readonly kind: (typeof SIGNAL_KINDS)[number];
  readonly length: number;
  /** Codes are integers in [-limit, limit]. */
  readonly limit: number;
  /**
   * The commit adds the readouts' shifted codes to the register instead of replacing it (the
   * residual state update, docs/chip-arithmetic.md §2). Absent: replace.
   */
  readonly accumulate?: true;
}

export interface ChipPlacement {
  readonly block: string;
  readonly rowOffset: number;
  readonly colOffset: number;
  readonly rows: number;
  readonly cols: number;
}

/** One crossbar array, as struct-of-arrays. */
export interface ChipArray {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** Per row: driving signal index (-1: undriven), element of that signal, polarity +1/-1 (0 undriven). */
  readonly row: {
    readonly signal: Int32Array;
    readonly element: Int32Array;
    readonly polarity: Int32Array;
  };
  /** Per readout (one ADC conversion per read), `readouts` entries each. */
  readonly readouts: number;
  readonly readout: {
    readonly colPlus: Int32Array;
    /** -1 unless differential-columns: the column subtracted from colPlus. */
    readonly colMinus: Int32Array;
    readonly signal: Int32Array;
    readonly element: Int32Array;
    /** +1 writes the register; -1 a mirror column (converted, not stored). */
    readonly polarity: Int32Array;
    readonly slice: Int32Array;
    /** Which of the array's ADCs converts it (-1 before `tile`). */
    readonly adc: Int32Array;
    readonly limit: Int32Array;
    /**
     * Each readout's code is multiplied by 2^shift (0..30) before the commit adds it
     * (docs/chip-arithmetic.md §2); all 0 when the file has no `readout.shift` section.
     */
    readonly shift: Int32Array;
  };
  /** Term slots per readout; `term.signal[r * terms + k]` (-1: unused), `term.gain` likewise. */
  readonly terms: number;
  readonly term: { readonly signal: Int32Array; readonly gain: Float64Array };
  /** Programmed cells (level >= 1), sorted by row then column; all others are at level 0 (gMin). */
  readonly cells: number;
  readonly cell: {
    readonly row: Int32Array;
    readonly col: Int32Array;
    readonly level: Int32Array;
    /** Target conductance in µS (float32 values). */
    readonly conductanceUs: Float32Array;
  };
  readonly placements: readonly ChipPlacement[];
}

/** A parameter tensor of the digital program: row-major data of the stored element type. */
export interface ChipTensor {
  readonly dtype: ArrayDType;
  readonly shape: readonly number[];
  readonly data: NumericArray;
}

export type ChipInputQuant =
  | { readonly kind: "static"; readonly scale: ChipTensor; readonly limit: number }
  | { readonly kind: "sample"; readonly levels: number };

interface Unary {
  readonly input: string;
  readonly output: string;
}

export type ChipOp =
  | (Unary & {
      readonly op: "linear";
      readonly weight: ChipTensor;
      readonly bias: ChipTensor | null;
    })
  | (Unary & {
      readonly op: "crossbar-linear";
      readonly inputSignal: number;
      readonly inputLevels: number;
      readonly outputSignal: number;
      readonly outputStep: ChipTensor;
      readonly bias: ChipTensor | null;
    })
  | (Unary & {
      readonly op: "layer-norm";
      readonly weight: ChipTensor;
      readonly bias: ChipTensor;
      readonly eps: number;
    })
  | (Unary & {
      readonly op: "batch-norm";
      readonly weight: ChipTensor;
      readonly bias: ChipTensor;
      readonly mean: ChipTensor;
      readonly variance: ChipTensor;
      readonly eps: number;
    })
  | (Unary & { readonly op: "gelu" | "relu" | "glu" | "mean-pool" })
  | (Unary & { readonly op: "add"; readonly other: string })
  | (Unary & { readonly op: "fake-quant"; readonly levels: number })
  | (Unary & {
      readonly op: "ssm";
      readonly layer: number;
      readonly inputQuant: ChipInputQuant;
      readonly inputSignal: number;
      /** -1 when no row is driven by the delayed input. */
      readonly inputDelayedSignal: number;
      readonly stateSignal: number;
      readonly outputSignal: number;
      readonly outputMode: "lagged" | "folded";
      readonly outputScale: ChipTensor;
      readonly digitalD: ChipTensor | null;
    });

export type ChipOpKind = ChipOp["op"];
