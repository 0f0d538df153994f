// `qs4dc report`: what a compilation did and what it costs, read from a chip.bin (the artifact
// itself, so that a report of a model and of its chip agree): quantization SQNR per tensor and
// worst modes, pruning savings, arrays and utilization, and QS4D's cost metrics as compiled,
// as trained (when the model is at hand) and for a float32 model of the same shape.

import type { Diagnostic } from "../diag/diagnostic.js";
import type { ChipImage, ChipManifest, ChipParams } from "../emit/chip-image.js";
import { type ArraySummary, type InspectSummary, inspectChip } from "../emit/inspect.js";
import type { Model } from "../ir/model.js";
import type { PruneReport } from "../passes/prune.js";
import type { JsonObject } from "../util/canonical-json.js";
import { chipCostShape, compiledBits } from "./compiled-bits.js";
import {
  type BitWidths,
  type CostMetrics,
  type CostShape,
  costRatios,
  FLOAT_WIDTHS,
  qs4dCost,
} from "./cost.js";
import { manifestReports, type StoredRequantizeReport } from "./manifest-reports.js";
import { modelCostShape, trainedBits } from "./trained-bits.js";

export interface CostEntry {
  readonly shape: CostShape;
  readonly bits: BitWidths;
  readonly metrics: CostMetrics;
  /** How many times smaller than the float32 model of the same shape. */
  readonly vsFloat: CostMetrics;
}

export interface PruneSavings extends PruneReport {
  /** Programmed cells of the blocks before pruning (savings are a share of these). */
  readonly cellsBefore: number;
}

export interface CompilationReport {
  readonly file: string;
  readonly compiler: string;
  readonly source: ChipManifest["source"];
  readonly target: { readonly name: string; readonly digest: string };
  readonly params: ChipParams;
  readonly passes: readonly string[];
  readonly options: JsonObject;
  readonly quantization: StoredRequantizeReport | null;
  /** null when the chip was compiled without the prune pass. */
  readonly pruning: PruneSavings | null;
  /** As `qs4dc inspect --json` gives them: arrays, cells, utilization, levels used. */
  readonly totals: InspectSummary["totals"];
  readonly arrays: readonly ArraySummary[];
  readonly cost: {
    readonly float: CostMetrics;
    readonly compiled: CostEntry;
    /** From the model's own quantizers; null for a chip.bin alone. */
    readonly trained: CostEntry | null;
  };
  /** The lowering's warnings (a model compiled for the report); none for a chip.bin. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * With calibration data: the chip (the emulator) against the reference executor on it, the
   * measured side of the predicted errors; null otherwise.
   */
  readonly measured: {
    readonly samples: number;
    readonly relativeLogitError: number;
    readonly argmaxAgreement: number;
  } | null;
}

export interface ReportContext {
  /** The model as imported, before lowering: its quantizers give the trained bit widths. */
  readonly trained: Model | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly measured?: CompilationReport["measured"];
}

/** The metrics of `shape` at `bits`, and how much smaller they are than `float`'s. */
function costEntry(shape: CostShape, bits: BitWidths, float: CostMetrics): CostEntry {
  const metrics = qs4dCost(shape, bits);
  return { shape, bits, metrics, vsFloat: costRatios(float, metrics) };
}

function pruneSavings(image: ChipImage): PruneSavings | null {
  const { prune, "layout-imssa": layout } = manifestReports(image.manifest);
  if (prune === null) return null;
  const after = layout?.blocks.reduce((sum, b) => sum + b.cells, 0) ?? 0;
  return { ...prune, cellsBefore: after + prune.cellsSaved };
}

export function buildReport(
  image: ChipImage,
  bytes: number,
  context: ReportContext,
): CompilationReport {
  const summary = inspectChip(image, bytes);
  const { requantize } = manifestReports(image.manifest);
  // The float reference is the model before pruning; the compiled column counts held modes only.
  const float = qs4dCost(chipCostShape(image, false), FLOAT_WIDTHS);
  const m = image.manifest;
  return {
    file: image.file,
    compiler: `${m.compiler.name} ${m.compiler.version}`,
    source: m.source,
    target: summary.target,
    params: image.target.params,
    passes: m.passes,
    options: m.options,
    quantization: requantize,
    pruning: pruneSavings(image),
    totals: summary.totals,
    arrays: summary.arrays,
    cost: {
      float,
      compiled: costEntry(
        chipCostShape(image, true),
        compiledBits(image, requantize?.layers ?? []),
        float,
      ),
      trained:
        context.trained === null
          ? null
          : costEntry(modelCostShape(context.trained), trainedBits(context.trained), float),
    },
    diagnostics: context.diagnostics,
    measured: context.measured ?? null,
  };
}
