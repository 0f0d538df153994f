// The HTML report of a chip (`qs4dc report --html`): the compilation report, the chip's arrays,
// the simulator's cycle and energy model for one sample at the length the precision analysis
// assumed, and the Monte Carlo and sweep results given. The driver joins them because the
// report layer may not import the simulator (docs/architecture.md).

import type { ChipImage } from "../emit/chip-image.js";
import type { CompilationReport } from "../report/build.js";
import {
  type ChipRunCost,
  readMonteCarlo,
  readSweep,
  renderHtmlReport,
} from "../report/html/page.js";
import { prepareChip } from "../sim/index.js";
import { buildReport as simReport } from "../sim/report.js";
import { chipTiming } from "../sim/timing.js";

export interface HtmlResults {
  /** Monte Carlo reports (`qs4dc sim --noise ... --labels ... --report R.json`), one per noise setting. */
  readonly monteCarlo?: readonly string[];
  /** Sweep results, JSON Lines (`qs4dc sweep`). */
  readonly sweep?: string;
}

/** The simulator's timing and energy of one sample of `length` steps (data-independent). */
export function chipRunCost(image: ChipImage, length: number): ChipRunCost {
  const chip = prepareChip(image);
  const timing = chipTiming(image, chip.layout, chip.groups, { length });
  return simReport({ chip, timing, batch: 1, noise: null, seed: null, runs: 1, accuracy: null });
}

export function htmlReport(
  image: ChipImage,
  report: CompilationReport,
  results: HtmlResults,
): string {
  const length = report.quantization?.length ?? null;
  return renderHtmlReport({
    report,
    image,
    run: length === null ? null : chipRunCost(image, length),
    runNote:
      length === null
        ? "The chip's manifest holds no sequence length (no requantize report): simulate it with 'qs4dc sim --report' for its cycles and energy."
        : `The simulator's timing and energy model for one sample of L = ${length} steps (the length the precision analysis assumed), on the ideal chip; 'qs4dc sim --report' gives the same figures for the inputs it runs.`,
    monteCarlo: (results.monteCarlo ?? []).map(readMonteCarlo),
    sweep: results.sweep === undefined ? [] : readSweep(results.sweep),
  });
}
