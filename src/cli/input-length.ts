// A length the model was not trained for is legal input, but worth a line on stderr: the
// model's accuracy there was never measured (issue 11: lengths 1, 63, 65 or 1000 on a model
// trained at 64 ran without a word).

import { formatDiagnostic } from "../diag/diagnostic.js";
import { makeDiagnostic } from "../diag/error.js";
import type { Model } from "../ir/model.js";

export function noteInputLength(model: Model, length: number, file: string): void {
  const trained = model.config.length;
  if (trained === null || trained === length) return;
  const note = makeDiagnostic("QS4D-N060", { file, length, model: model.name, trained }, { file });
  process.stderr.write(`${formatDiagnostic(note)}\n`);
}
