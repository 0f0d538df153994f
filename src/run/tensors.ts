import { fail } from "../diag/error.js";
import type { Tensor } from "../ir/tensor.js";

/** A tensor's values as float64, checked against the count the model's config implies. */
export function floats(t: Tensor, name: string, expected: number): Float64Array {
  if (t.data === null) {
    fail(
      "QS4D-E307",
      { tensor: name, reason: "has no data (IR text printed with digests only)" },
      { tensor: name },
    );
  }
  if (t.data.length !== expected) {
    fail(
      "QS4D-E307",
      { tensor: name, reason: `has ${t.data.length} values where ${expected} are needed` },
      { tensor: name },
    );
  }
  return Float64Array.from(t.data);
}
