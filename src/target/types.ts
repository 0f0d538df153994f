// Target descriptions: what a crossbar chip offers to the compiler (docs/targets.md).
// A target is a JSON file validated by schema.ts; the built-ins live in builtins.ts.
// `"model"` in place of a level count or converter width means "whatever the model's
// quantization grids need" (the `ideal` target): resolved by `resolveTarget`.

/** A number, or "model": take it from the model's QAT grids (fallbackBits when it has none). */
export type FromModel = number | "model";

/** An energy coefficient and where its value comes from (a paper, a datasheet, a survey). */
export interface Cited {
  readonly value: number;
  readonly source: string;
}

export type SignedEncoding = "row-polarity" | "differential-columns";
export type OutputMode = "lagged" | "folded";
export type DPlacement = "rows" | "digital";
export type DensePlacement = "crossbar" | "digital";

export interface TargetDescription {
  /** Lower-case name, [a-z0-9-]. */
  readonly name: string;
  readonly description: string;
  readonly array: {
    readonly rows: number;
    readonly cols: number;
    /** How many arrays the chip has; null: as many as the model needs (reported). */
    readonly count: number | null;
  };
  readonly cell: {
    /** Free text, e.g. "1T1R TaOx". */
    readonly type: string;
    /** Conductance window in microsiemens; level k sits at gMin + k*(gMax-gMin)/(levels-1). */
    readonly gMinUs: number;
    readonly gMaxUs: number;
    /** Conductance levels one cell holds, zero level (gMin) included. */
    readonly levels: FromModel;
    /** Write-verify acceptance band, +- this fraction of the level spacing. */
    readonly writeVerifyTolerance: number;
  };
  readonly encoding: SignedEncoding;
  readonly dac: { readonly bits: FromModel };
  readonly adc: { readonly bits: FromModel; readonly perArray: number };
  /** lagged: y(t-1) read with x(t) (IMSSA); folded: 2Re(C lambda), 2Re(C Bbar)+D on the y columns. */
  readonly outputMode: OutputMode;
  /**
   * Columns of a channel block's output: 2 = the +y/-y pair; 4 = the IMSSA demo's 4-wide output
   * block (+y/-y and two reserved, unprogrammed columns: N=28 gives the paper's 60x60 block).
   */
  readonly outputColumns: 2 | 4;
  /** D on rows driven by the delayed (lagged) or current (folded) input, or added digitally. */
  readonly dPlacement: DPlacement;
  /** Encoder, mixing and decoder: crossbar tiles with digital partial sums, or the digital unit. */
  readonly dense: DensePlacement;
  readonly bitSlicing: {
    readonly allowed: boolean;
    /** Cells per weight at most (slices recombined by digital shift-and-add). */
    readonly maxSlices: number;
  };
  readonly digital: {
    /** The periphery's arithmetic: IEEE binary32 (docs/chip-arithmetic.md §5). */
    readonly format: "float32";
    readonly wordBits: number;
    readonly clockMHz: number;
  };
  /** Used where "model" asks for a grid the model does not have (a float model): PTQ bits. */
  readonly fallbackBits: number;
  /**
   * The state register of the periphery (docs/targets.md): whether SSM states may be updated
   * residually (the columns read dx, the register adds it) and the register's widest format.
   * Absent: residual allowed, 24 bits (STATE_REGISTER_DEFAULT).
   */
  readonly stateRegister?: {
    readonly residual: boolean;
    readonly maxBits: number;
  };
  readonly timing: {
    readonly dacSettleNs: number;
    readonly readNs: number;
    readonly adcConversionNs: number;
    readonly digitalOpNs: number;
    readonly registerAccessNs: number;
  };
  readonly energy: {
    readonly adcConversionPj: Cited;
    readonly dacConversionPj: Cited;
    /** One read of one whole array (all rows driven, all columns sensed). */
    readonly arrayReadPj: Cited;
    readonly digitalOpPj: Cited;
    readonly registerAccessPj: Cited;
  };
  readonly noise: {
    /** Programming error, Gaussian, sigma relative to gMax (drawn once per programming). */
    readonly programmingSigma: number;
    /** Read noise, Gaussian, sigma relative to gMax (drawn per read). */
    readonly readSigma: number;
    readonly stuckOnRate: number;
    readonly stuckOffRate: number;
    /** Converter offsets, sigma in LSB (drawn once per converter). */
    readonly adcOffsetLsb: number;
    readonly dacOffsetLsb: number;
  };
}

/** A target as compiled: the description, its digest, and where it came from. */
export interface LoadedTarget {
  readonly description: TargetDescription;
  /** SHA-256 (hex) of the canonical JSON of the description. */
  readonly digest: string;
  /** "builtin" or the file path. */
  readonly origin: string;
}

/** What a target without `stateRegister` has: a 24-bit register that may accumulate. */
export const STATE_REGISTER_DEFAULT = { residual: true, maxBits: 24 } as const;
