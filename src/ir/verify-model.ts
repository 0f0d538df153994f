// The IR's invariants, one diagnostic code per invariant; each names the node
// ("layer 1 > ssm") and the tensor. The pass manager runs the verifier on every pipeline's
// input (an invalid input is the user's: exit 2) and output (an invalid output is a pass's bug:
// exit 3), after every pass with --verify-each; chip.bin is written only from a valid model,
// and the emulator runs only a valid hardware program. Besides the structure it checks the
// numeric limits that keep the executors exact (limits.ts: quantizer widths here, the lowered
// program's in verify-hardware.ts). Value checks need data: tensors parsed from a digest-only
// text are checked by shape alone.

import type { Diagnostic, DiagnosticArgs, DiagnosticCode } from "../diag/diagnostic.js";
import { makeDiagnostic, Qs4dError } from "../diag/error.js";
import { MAX_CODE, MAX_FRACTION_BITS } from "./limits.js";
import type { Layer, Linear, Model, Norm, Quantizer, Ssm, SsmRole } from "./model.js";
import { numel, shapeText, type Tensor } from "./tensor.js";
import { DIGEST_PATTERN } from "./text/digest.js";
import { verifyHardware } from "./verify-hardware.js";

/** A shape to check against; null dimensions match anything. */
type Expected = readonly (number | null)[];

class Checker {
  readonly diagnostics: Diagnostic[] = [];

  report(code: DiagnosticCode, args: DiagnosticArgs, node: string, tensor?: string): void {
    const location = tensor === undefined ? { node } : { node, tensor };
    this.diagnostics.push(makeDiagnostic(code, args, location));
  }

  /** Shape, dtype (float unless `integer`), data length and finiteness of one tensor. */
  tensor(t: Tensor, node: string, name: string, expected: Expected, integer = false): boolean {
    const shapeOk =
      t.shape.length === expected.length &&
      expected.every((d, i) => d === null || d === t.shape[i]);
    if (!shapeOk) {
      const want = `[${expected.map((d) => d ?? "*").join(",")}]`;
      this.report(
        "QS4D-E031",
        { node, tensor: name, actual: shapeText(t.shape), expected: want },
        node,
        name,
      );
      return false;
    }
    const dtypeOk = integer ? t.dtype.startsWith("i") : t.dtype.startsWith("f");
    if (!dtypeOk) {
      const want = integer ? "an integer dtype (i8, i16, i32)" : "a float dtype (f32, f64)";
      this.report("QS4D-E032", { node, tensor: name, dtype: t.dtype, expected: want }, node, name);
      return false;
    }
    if (t.data === null) return true;
    if (t.data.length !== numel(t.shape)) {
      const args = { node, tensor: name, count: t.data.length, shape: shapeText(t.shape) };
      this.report("QS4D-E046", args, node, name);
      return false;
    }
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      this.report(
        "QS4D-E033",
        { node, tensor: name, value: String(t.data[bad]), index: bad },
        node,
        name,
      );
      return false;
    }
    return true;
  }

  dimension(node: string, what: string, actual: number, expected: number | string): void {
    if (actual !== expected) this.report("QS4D-E036", { node, what, actual, expected }, node);
  }
}

// ---- config ----------------------------------------------------------------------------------

function checkConfig(c: Checker, model: Model): boolean {
  const { dIn, channels, state, classes, length } = model.config;
  const fields: [string, number | null, number][] = [
    ["d_in", dIn, 1],
    ["channels", channels, 1],
    ["state", state, 0],
    ["classes", classes, 1],
    ["length", length, 1],
  ];
  let ok = true;
  for (const [field, value, min] of fields) {
    if (value === null || (Number.isSafeInteger(value) && value >= min)) continue;
    const reason = min === 0 ? "expected a non-negative integer" : "expected a positive integer";
    c.report("QS4D-E030", { field, value, reason }, "config");
    ok = false;
  }
  return ok;
}

// ---- quantizers ------------------------------------------------------------------------------

function codeRange(q: Extract<Quantizer, { kind: "affine" }>): [number, number] {
  if (q.signed) {
    const half = 2 ** (q.bits - 1);
    return [q.narrow ? -(half - 1) : -half, half - 1];
  }
  const top = 2 ** q.bits - 1;
  return [0, q.narrow ? top - 1 : top];
}

function validScale(s: number): boolean {
  return Number.isFinite(s) && s > 0;
}

/** `shape` is the quantized value's shape (null where unknown, e.g. a dynamic length). */
function checkQuant(c: Checker, q: Quantizer, node: string, target: string, shape: Expected): void {
  if (q.kind === "levels") {
    if (!Number.isSafeInteger(q.levels) || q.levels < 2) {
      c.report("QS4D-E038", { node, target, levels: q.levels }, node);
    } else if (q.levels > MAX_CODE) {
      c.report("QS4D-E049", { node, target, width: `${q.levels} levels` }, node);
    }
    return;
  }
  if (!Number.isSafeInteger(q.bits) || q.bits < 2 || q.bits > 32) {
    c.report("QS4D-E037", { node, target, bits: q.bits }, node);
    return;
  }
  // Codes are held in int32: 32 bits signed, 31 unsigned.
  if (!q.signed && 2 ** q.bits - 1 > MAX_CODE) {
    c.report("QS4D-E049", { node, target, width: `${q.bits} unsigned bits` }, node);
  }
  checkScales(c, q, node, target, shape);
  const [lo, hi] = codeRange(q);
  if (!Number.isSafeInteger(q.zeroPoint) || q.zeroPoint < lo || q.zeroPoint > hi) {
    c.report("QS4D-E042", { node, target, zeroPoint: q.zeroPoint, lo, hi }, node);
  }
  if (q.codes === undefined) return;
  const name = `${target}.codes`;
  if (!c.tensor(q.codes, node, name, q.codes.shape, true) || q.codes.data === null) return;
  const bad = q.codes.data.findIndex((x) => x < lo || x > hi);
  if (bad >= 0) {
    c.report(
      "QS4D-E043",
      { node, target, code: q.codes.data[bad]!, index: bad, lo, hi },
      node,
      name,
    );
  }
}

function checkScales(
  c: Checker,
  q: Extract<Quantizer, { kind: "affine" }>,
  node: string,
  target: string,
  shape: Expected,
): void {
  if (typeof q.scale === "number") {
    if (q.axis !== null) {
      c.report(
        "QS4D-E041",
        { node, target, axis: q.axis, reason: "one scale needs axis null" },
        node,
      );
    }
    if (!validScale(q.scale)) c.report("QS4D-E039", { node, target, scale: q.scale }, node);
    return;
  }
  if (q.axis === null || !Number.isSafeInteger(q.axis) || q.axis < 0 || q.axis >= shape.length) {
    const reason =
      q.axis === null
        ? "a list of scales needs an axis"
        : `the quantized tensor has rank ${shape.length}`;
    c.report("QS4D-E041", { node, target, axis: String(q.axis), reason }, node);
    return;
  }
  const size = shape[q.axis];
  if (size !== null && size !== undefined && q.scale.length !== size) {
    c.report("QS4D-E040", { node, target, count: q.scale.length, axis: q.axis, size }, node);
  }
  const bad = q.scale.find((s) => !validScale(s));
  if (bad !== undefined) c.report("QS4D-E039", { node, target, scale: bad }, node);
}

// ---- parts -----------------------------------------------------------------------------------

function checkLinear(c: Checker, l: Linear, node: string, inF: number, outF: number): void {
  c.dimension(node, "in features", l.inFeatures, inF);
  c.dimension(node, "out features", l.outFeatures, outF);
  c.tensor(l.weight, node, "weight", [outF, inF]);
  if (l.bias !== null) c.tensor(l.bias, node, "bias", [outF]);
  if (l.weightQuant !== null) checkQuant(c, l.weightQuant, node, "weight", [outF, inF]);
}

function checkNorm(c: Checker, norm: Norm, node: string, h: number): void {
  if (!validScale(norm.eps)) c.report("QS4D-E044", { node, eps: norm.eps }, node);
  c.tensor(norm.weight, node, "weight", [h]);
  c.tensor(norm.bias, node, "bias", [h]);
  if (norm.kind !== "batch") return;
  c.tensor(norm.mean, node, "mean", [h]);
  if (!c.tensor(norm.variance, node, "variance", [h]) || norm.variance.data === null) return;
  const bad = norm.variance.data.findIndex((v) => v < 0);
  if (bad >= 0) {
    c.report("QS4D-E045", { node, value: norm.variance.data[bad]!, index: bad }, node, "variance");
  }
}

/** First (channel, mode) where `unstable(re, im)` holds, for tensors [H, M] with data. */
function firstUnstable(
  re: Tensor,
  im: Tensor | null,
  unstable: (re: number, im: number) => boolean,
): { index: number; re: number; im: number } | null {
  if (re.data === null || (im !== null && im.data === null)) return null;
  for (let i = 0; i < re.data.length; i++) {
    const r = re.data[i]!;
    const m = im === null ? 0 : im.data![i]!;
    if (unstable(r, m)) return { index: i, re: r, im: m };
  }
  return null;
}

function checkSsm(c: Checker, ssm: Ssm, node: string, model: Model): void {
  const h = model.config.channels;
  const kernel = ssm.form.kind === "kernel";
  c.dimension(node, "channels", ssm.channels, h);
  c.dimension(node, "modes", ssm.modes, kernel ? 0 : model.config.state / 2);
  const m = kernel ? 0 : model.config.state / 2;
  const hm = [h, m];
  c.tensor(ssm.d, node, "d", [h]);
  const form = ssm.form;
  if (form.kind === "continuous") {
    c.tensor(form.logDt, node, "log_dt", [h]);
    const aOk = c.tensor(form.aRe, node, "a_re", hm) && c.tensor(form.aIm, node, "a_im", hm);
    if ((form.bRe === null) !== (form.bIm === null)) c.report("QS4D-E047", { node }, node);
    if (form.bRe !== null) c.tensor(form.bRe, node, "b_re", hm);
    if (form.bIm !== null) c.tensor(form.bIm, node, "b_im", hm);
    c.tensor(form.cRe, node, "c_re", hm);
    c.tensor(form.cIm, node, "c_im", hm);
    const bad = aOk ? firstUnstable(form.aRe, null, (re) => re >= 0) : null;
    if (bad !== null) {
      const at = { channel: Math.floor(bad.index / m), mode: bad.index % m };
      c.report("QS4D-E035", { node, value: bad.re, ...at }, node, "a_re");
    }
  } else if (form.kind === "discrete") {
    const lOk =
      c.tensor(form.lambdaRe, node, "lambda_re", hm) &&
      c.tensor(form.lambdaIm, node, "lambda_im", hm);
    c.tensor(form.bbarRe, node, "bbar_re", hm);
    c.tensor(form.bbarIm, node, "bbar_im", hm);
    c.tensor(form.cRe, node, "c_re", hm);
    c.tensor(form.cIm, node, "c_im", hm);
    const bad = lOk
      ? firstUnstable(form.lambdaRe, form.lambdaIm, (re, im) => Math.hypot(re, im) >= 1)
      : null;
    if (bad !== null) {
      const at = { channel: Math.floor(bad.index / m), mode: bad.index % m };
      const magnitude = Math.hypot(bad.re, bad.im);
      c.report("QS4D-E034", { node, magnitude, ...at }, node, "lambda");
    }
  } else {
    c.tensor(form.k, node, "k", [h, null]);
  }
  checkSsmQuant(c, ssm, node, model, hm);
  const fraction = ssm.splitFraction;
  const fractionOk =
    fraction === undefined ||
    (Number.isInteger(fraction) && fraction >= 1 && fraction <= MAX_FRACTION_BITS);
  if (!fractionOk) {
    c.report("QS4D-E056", { node, value: fraction, max: MAX_FRACTION_BITS }, node);
  }
}

function checkSsmQuant(c: Checker, ssm: Ssm, node: string, model: Model, hm: Expected): void {
  const h = model.config.channels;
  const length = model.config.length;
  const kernelLength = ssm.form.kind === "kernel" ? (ssm.form.k.shape[1] ?? null) : null;
  const shapes: Record<SsmRole, Expected> = {
    logDt: [h],
    aRe: hm,
    aIm: hm,
    c: hm,
    kernel: [h, kernelLength ?? length],
    lambda: hm,
    bbar: hm,
    d: [h],
    u: [h, length],
    x: hm,
    y: [h, length],
  };
  for (const [role, q] of Object.entries(ssm.quant) as [SsmRole, Quantizer][]) {
    checkQuant(c, q, node, role, shapes[role]);
  }
}

function checkLayer(c: Checker, layer: Layer, index: number, model: Model): void {
  const node = `layer ${index}`;
  const h = model.config.channels;
  if (layer.norm !== null) checkNorm(c, layer.norm, `${node} > norm`, h);
  checkSsm(c, layer.ssm, `${node} > ssm`, model);
  if (layer.mixing !== null) {
    const out = layer.mixing.kind === "glu" ? 2 * h : h;
    checkLinear(c, layer.mixing.linear, `${node} > mixing`, h, out);
  }
  if (layer.outputQuant !== null) {
    checkQuant(c, layer.outputQuant, node, "output", [h, model.config.length]);
  }
}

export function verifyModel(model: Model): Diagnostic[] {
  const c = new Checker();
  if (!checkConfig(c, model)) return c.diagnostics;
  const { dIn, channels, classes } = model.config;
  checkLinear(c, model.encoder, "encoder", dIn, channels);
  model.layers.forEach((layer, i) => {
    checkLayer(c, layer, i, model);
  });
  checkLinear(c, model.decoder, "decoder", channels, classes);
  if (model.hardware !== null && !DIGEST_PATTERN.test(model.hardware.target.digest)) {
    c.report("QS4D-E048", { digest: model.hardware.target.digest }, "hardware > target");
  }
  if (model.hardware !== null) c.diagnostics.push(...verifyHardware(model.hardware));
  return c.diagnostics;
}

/** Throws the first error as a Qs4dError (exit code 2: the input is invalid). */
export function assertValidModel(model: Model): void {
  const first = verifyModel(model).find((d) => d.severity === "error");
  if (first !== undefined) throw new Qs4dError(first);
}
