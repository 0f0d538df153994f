// Tensor payloads of weights.json: each declared shape is checked against the file's size and
// the data's length BEFORE anything is allocated, so a small file can never make us allocate a
// huge tensor. Numbers are JSON numbers or decimal strings, read as float64 and rounded to the
// tensor's dtype (float32: Math.fround, which is what a Float32Array store does).

import { fail } from "../../diag/error.js";
import { type DType, shapeText, type Tensor, tensor } from "../../ir/tensor.js";

/** Where a payload sits, for diagnostics. */
export interface Site {
  readonly file: string;
  /** Size of the whole file in bytes: an upper bound on the values it can carry. */
  readonly fileBytes: number;
  /** JSON pointer of the array. */
  readonly path: string;
  /** What the payload is, e.g. "tensor 'encoder.weight'". */
  readonly what: string;
  readonly tensor?: string;
}

function location(site: Site) {
  const loc: { file: string; path: string; tensor?: string } = { file: site.file, path: site.path };
  if (site.tensor !== undefined) loc.tensor = site.tensor;
  return loc;
}

/** The element count of `shape`, failing before allocation when the file cannot hold it. */
export function checkedCount(shape: readonly number[], dataLength: number, site: Site): number {
  let count = 1;
  for (const d of shape) count *= d;
  // Every value takes at least two bytes of JSON ("0,"), so even this bound is generous.
  if (count > site.fileBytes) {
    fail(
      "QS4D-E236",
      { what: site.what, shape: shapeText(shape), expected: count, bytes: site.fileBytes },
      location(site),
    );
  }
  if (count !== dataLength) {
    fail(
      "QS4D-E206",
      { what: site.what, got: dataLength, shape: shapeText(shape), expected: count },
      location(site),
    );
  }
  return count;
}

/** A schema-valid number: a JSON number or a decimal string, including nan and +-inf. */
export function numberOf(value: number | string): number {
  if (typeof value === "number") return value;
  const text = value.toLowerCase();
  const body = text.replace(/^[-+]/, "");
  if (body === "nan") return Number.NaN;
  if (body === "inf" || body === "infinity") {
    return text.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(value);
}

/** The tensor a payload describes, with the shape checked first. */
export function decodeTensor(
  dtype: DType,
  shape: readonly number[],
  data: readonly (number | string)[],
  site: Site,
): Tensor {
  checkedCount(shape, data.length, site);
  const t = tensor(dtype, shape);
  const target = t.data!;
  for (let i = 0; i < data.length; i++) target[i] = numberOf(data[i]!);
  return t;
}
