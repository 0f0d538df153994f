// A length the model was not trained for is legal input, but worth a line on stderr: the
// model's accuracy there was never measured (issue 11: lengths 1, 63, 65 or 1000 on a model
// trained at 64 ran without a word).

import { formatDiagnostic } from "../diag/diagnostic.js";
import { makeDiagnostic } from "../diag/error.js";
import type { ChipImage } from "../emit/chip-image.js";
import type { Model } from "../ir/model.js";
import { manifestReports } from "../report/manifest-reports.js";

function note(model: string, trained: number | null, length: number, file: string): void {
  if (trained === null || trained === length) return;
  const n = makeDiagnostic("QS4D-N060", { file, length, model, trained }, { file });
  process.stderr.write(`${formatDiagnostic(n)}\n`);
}

export function noteInputLength(model: Model, length: number, file: string): void {
  note(model.name, model.config.length, length, file);
}

/**
 * The same for a chip.bin: its manifest's precision analysis ran at the model's own length when
 * the model gave one (lengthSource "model"); otherwise the trained length is not known here.
 */
export function noteChipInputLength(image: ChipImage, length: number, file: string): void {
  const analysis = manifestReports(image.manifest).requantize;
  const trained = analysis?.lengthSource === "model" ? analysis.length : null;
  note(image.manifest.source.model, trained, length, file);
}
