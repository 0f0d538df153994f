// The weights.json front end on every fixture model: the IR it builds is compared with values
// computed here, independently, from the JSON numbers themselves.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/import/assemble.js";
import { importModel, sniffFormat } from "../../src/import/index.js";
import { jsonSpecFromBytes } from "../../src/import/json/index.js";
import type { AffineQuantizer, Model, SsmContinuous } from "../../src/ir/model.js";
import { dataOf, type Tensor } from "../../src/ir/tensor.js";
import { printModel } from "../../src/ir/text/index.js";
import { verifyModel } from "../../src/ir/verify-model.js";

const MODELS = [
  "digits-float-h32n16-l2",
  "digits-qat8-h32n16-l2",
  "qs4d-digits-qat-h32n16-l2",
  "kernelonly-digits-h32n16-l2",
  "big-h128n128-l4-L1024",
];

const path = (model: string) => `fixtures/models/${model}/weights.json`;

// biome-ignore lint/suspicious/noExplicitAny: test documents are edited freely
type Doc = any;

const docs = new Map<string, Doc>();
function load(model: string): Doc {
  if (!docs.has(model)) docs.set(model, JSON.parse(readFileSync(path(model), "utf8")));
  return structuredClone(docs.get(model));
}

function importDoc(doc: Doc, file = "edited/weights.json"): Model {
  return assemble(jsonSpecFromBytes(Buffer.from(JSON.stringify(doc)), file));
}

function values(t: Tensor): number[] {
  return Array.from(dataOf(t));
}

const fround = (xs: (number | string)[]) => xs.map((x) => Math.fround(Number(x)));

function continuous(m: Model, i: number): SsmContinuous {
  const form = m.layers[i]!.ssm.form;
  if (form.kind !== "continuous") throw new Error(`layer ${i} is ${form.kind}`);
  return form;
}

describe("weights.json fixtures import", () => {
  for (const name of MODELS) {
    it(`${name}: config, shapes and parameters equal the JSON's`, () => {
      const doc = load(name);
      const c = doc.config;
      const m = importModel(path(name));
      expect(verifyModel(m)).toEqual([]);
      expect(m.name).toBe(name);
      expect(m.config).toEqual({
        dIn: c.d_in,
        channels: c.d_model,
        state: c.d_state,
        classes: c.n_classes,
        length: c.seq_len,
      });
      expect(m.layers).toHaveLength(c.n_layers);
      const t = (n: string) => fround(doc.tensors[n].data);
      expect(m.encoder.weight.dtype).toBe("f32");
      expect(m.encoder.weight.shape).toEqual([c.d_model, c.d_in]);
      expect(values(m.encoder.weight)).toEqual(t("encoder.weight"));
      expect(values(m.decoder.bias!)).toEqual(t("decoder.bias"));
      const h = c.d_model;
      const modes = c.d_state / 2;
      m.layers.forEach((layer, i) => {
        const mix = doc.tensors[`layers.${i}.output_linear.weight`]
          ? `layers.${i}.output_linear.weight`
          : `layers.${i}.output_linear.0.weight`;
        expect(layer.mixing!.linear.weight.shape).toEqual([2 * h, h]);
        expect(values(layer.mixing!.linear.weight)).toEqual(t(mix));
        expect(values(layer.ssm.d)).toEqual(t(`layers.${i}.D`));
        expect(values(layer.norm!.weight)).toEqual(t(`norms.${i}.weight`));
        if (layer.ssm.form.kind !== "continuous") return;
        const f = continuous(m, i);
        expect(layer.ssm.modes).toBe(modes);
        expect(f.aRe.dtype).toBe("f64");
        expect(f.aRe.shape).toEqual([h, modes]);
        const logA = t(`layers.${i}.kernel.log_A_real`);
        expect(values(f.aRe)).toEqual(logA.map((v) => -Math.exp(v)));
        expect(values(f.aRe).every((v) => v < 0)).toBe(true);
        expect(values(f.aIm)).toEqual(t(`layers.${i}.kernel.A_imag`));
        expect(values(f.logDt)).toEqual(t(`layers.${i}.kernel.log_dt`));
        const cView = t(`layers.${i}.kernel.C`);
        expect(values(f.cRe)).toEqual(cView.filter((_, j) => j % 2 === 0));
        expect(values(f.cIm)).toEqual(cView.filter((_, j) => j % 2 === 1));
        expect(f.bRe).toBeNull();
      });
    });
  }

  it("maps both families' config keys to the architecture", () => {
    const f1 = importModel(path("digits-float-h32n16-l2")).layers[0]!;
    expect([f1.norm?.kind, f1.normPosition, f1.activation, f1.mixing?.kind, f1.residual]).toEqual([
      "layer",
      "post",
      "gelu",
      "glu",
      true,
    ]);
    const f2 = importModel(path("qs4d-digits-qat-h32n16-l2")).layers[0]!;
    expect([f2.norm?.kind, f2.normPosition, f2.activation, f2.mixing?.kind, f2.residual]).toEqual([
      "batch",
      "pre",
      "none",
      "glu",
      false,
    ]);
    expect(f2.norm?.kind === "batch" && f2.norm.eps).toBe(1e-5);
  });

  it("applies each family's defaults when architecture keys are absent", () => {
    const f1 = load("digits-float-h32n16-l2");
    for (const k of ["prenorm", "norm", "activation", "glu", "layer_norm_eps"]) delete f1.config[k];
    const a = importDoc(f1).layers[0]!;
    expect([a.norm?.kind, a.normPosition, a.activation, a.mixing?.kind, a.residual]).toEqual([
      "layer",
      "post",
      "gelu",
      "glu",
      true,
    ]);
    const f2 = load("qs4d-digits-qat-h32n16-l2");
    for (const k of ["prenorm", "norm", "activation", "residual", "norm_eps"]) delete f2.config[k];
    const b = importDoc(f2).layers[0]!;
    expect([b.norm?.kind, b.normPosition, b.activation, b.mixing?.kind, b.residual]).toEqual([
      "batch",
      "pre",
      "none",
      "glu",
      false,
    ]);
  });

  it("no float fixture is mistaken for a grid-quantized model", () => {
    for (const name of [
      "digits-float-h32n16-l2",
      "kernelonly-digits-h32n16-l2",
      "big-h128n128-l4-L1024",
    ]) {
      const m = importModel(path(name));
      expect(m.quantScheme).toBe("none");
      expect(m.encoder.weightQuant).toBeNull();
      for (const l of m.layers) {
        expect(l.mixing!.linear.weightQuant).toBeNull();
        expect(l.ssm.quant).toEqual({});
      }
    }
  });
});

describe("S4 naming", () => {
  it("inv_dt / A_real / A_imag (opposite sign) / B give the same A as the S4D naming", () => {
    const s4d = load("digits-float-h32n16-l2");
    const s4 = load("digits-float-h32n16-l2");
    s4.config.kernel = "s4";
    for (let i = 0; i < s4.config.n_layers; i++) {
      const k = `layers.${i}.kernel`;
      const rename = (from: string, to: string) => {
        s4.tensors[`${k}.${to}`] = s4.tensors[`${k}.${from}`];
        delete s4.tensors[`${k}.${from}`];
      };
      rename("log_dt", "inv_dt");
      rename("log_A_real", "A_real");
      const aImag = s4.tensors[`${k}.A_imag`];
      aImag.data = aImag.data.map((v: number) => -v);
      const [h, m] = aImag.shape;
      const ones = Array.from({ length: h * m * 2 }, (_, j) => (j % 2 === 0 ? 1 : 0));
      s4.tensors[`${k}.B`] = { shape: [h, m, 2], dtype: "float32", data: ones };
    }
    const a = importDoc(s4d);
    const b = importDoc(s4);
    for (let i = 0; i < 2; i++) {
      const fa = continuous(a, i);
      const fb = continuous(b, i);
      expect(values(fb.aRe)).toEqual(values(fa.aRe));
      expect(values(fb.aIm)).toEqual(values(fa.aIm));
      expect(values(fb.logDt)).toEqual(values(fa.logDt));
      expect(values(fb.bRe!).every((v) => v === 1)).toBe(true);
      expect(values(fb.bIm!).every((v) => v === 0)).toBe(true);
    }
  });

  it("infers the S4 naming from inv_dt when the config does not say", () => {
    const doc = load("digits-float-h32n16-l2");
    delete doc.config.kernel;
    const k = "layers.0.kernel";
    doc.tensors[`${k}.inv_dt`] = doc.tensors[`${k}.log_dt`];
    delete doc.tensors[`${k}.log_dt`];
    // Layer 0 is S4-named now, so the S4D name of layer 1 is the odd one out.
    expect(() => importDoc(doc)).toThrow(/QS4D-E23[45]/);
  });
});

describe("qs4d-symmetric-v1", () => {
  const doc = load("digits-qat8-h32n16-l2");
  const m = importModel(path("digits-qat8-h32n16-l2"));
  const q = doc.quantization;

  it("keeps every exported integer code, scale and axis", () => {
    expect(m.quantScheme).toBe("qs4d-symmetric-v1");
    expect(m.meta).toEqual({ "qs4d.scheme": "qs4d-symmetric-v1" });
    const check = (quant: unknown, key: string, shape: number[]) => {
      const e = q.tensors[key];
      const a = quant as AffineQuantizer;
      expect(a.kind).toBe("affine");
      expect([a.bits, a.axis, a.zeroPoint, a.signed, a.narrow, a.rounding]).toEqual([
        e.bits,
        e.axis,
        0,
        true,
        true,
        "half-even",
      ]);
      expect(a.scale).toEqual(e.scale);
      expect(a.codes!.dtype).toBe("i32");
      expect(a.codes!.shape).toEqual(shape);
      expect(values(a.codes!)).toEqual(e.int);
    };
    check(m.encoder.weightQuant, "encoder.weight", [32, 1]);
    check(m.decoder.weightQuant, "decoder.weight", [10, 32]);
    m.layers.forEach((l, i) => {
      check(l.mixing!.linear.weightQuant, `layers.${i}.output_linear.weight`, [64, 32]);
      check(l.ssm.quant.lambda, `layers.${i}.kernel.dA`, [32, 8, 2]);
      check(l.ssm.quant.bbar, `layers.${i}.kernel.dB`, [32, 8, 2]);
      check(l.ssm.quant.c, `layers.${i}.kernel.C`, [32, 8, 2]);
      check(l.ssm.quant.d, `layers.${i}.D`, [32]);
      for (const role of ["u", "x", "y"] as const) {
        const act = q.activations[`layers.${i}.${role}`];
        expect(l.ssm.quant[role]).toMatchObject({
          kind: "affine",
          bits: act.bits,
          scale: act.scale,
          axis: null,
        });
      }
      expect(l.outputQuant).toBeNull();
    });
  });
});

describe("qs4d-max", () => {
  const doc = load("qs4d-digits-qat-h32n16-l2");
  const m = importModel(path("qs4d-digits-qat-h32n16-l2"));
  const lv = doc.quantization.levels;

  it("puts each flag's level count on its tensors", () => {
    expect(m.quantScheme).toBe("qs4d-max");
    const levels = (n: number, scope = "tensor") => ({ kind: "levels", levels: n, scope });
    expect(m.encoder.weightQuant).toEqual(levels(lv.coder_quant));
    expect(m.decoder.weightQuant).toEqual(levels(lv.coder_quant));
    for (const l of m.layers) {
      expect(l.mixing!.linear.weightQuant).toEqual(levels(lv.linear_quant));
      expect(l.ssm.quant).toEqual({
        logDt: levels(lv.dt_quant),
        aRe: levels(lv.A_quant),
        aIm: levels(lv.A_quant),
        c: levels(lv.C_quant),
        kernel: levels(Math.trunc(lv.state_quant / 2)),
        u: levels(Math.trunc(lv.state_quant / 2), "sample"),
      });
      expect(l.outputQuant).toEqual(levels(lv.act_quant, "sample"));
    }
  });

  // The authors' max_quant_fn in float32 (README), applied here to the IR's tensors: it must give
  // the integers the export lists in quantization.derived, which checks that every quantizer sits
  // on the right tensor and that Re A was derived right.
  function maxQuantInts(xs: number[], q: number): number[] {
    const max = Math.max(
      Math.fround(Math.max(...xs.map((x) => Math.abs(Math.fround(x))))),
      Math.fround(1e-5),
    );
    const s = Math.fround(Math.fround(1 / max) * (q / 2));
    const rhe = (v: number) => {
      const r = Math.round(v);
      const even = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      return even === 0 ? 0 : even; // no -0
    };
    return xs.map((x) =>
      Math.min(
        Math.floor(q / 2),
        Math.max(-Math.floor(q / 2), rhe(Math.fround(Math.fround(x) * s))),
      ),
    );
  }

  it("the quantized tensors reproduce the exported integers", () => {
    const d = doc.quantization.derived;
    const check = (t: Tensor, key: string, q: number) =>
      expect(maxQuantInts(values(t), q)).toEqual(d[key].int);
    check(m.encoder.weight, "encoder.weight", lv.coder_quant);
    check(m.decoder.weight, "decoder.weight", lv.coder_quant);
    m.layers.forEach((l, i) => {
      const f = continuous(m, i);
      check(l.mixing!.linear.weight, `layers.${i}.output_linear.0.weight`, lv.linear_quant);
      check(f.logDt, `layers.${i}.kernel.log_dt`, lv.dt_quant);
      check(f.aRe, `layers.${i}.kernel.A_real`, lv.A_quant);
      check(f.aIm, `layers.${i}.kernel.A_imag`, lv.A_quant);
    });
  });
});

describe("kernel-only models", () => {
  it("the IR kernel is K time-reversed: k[h, l] = K[h, 0, L-1-l]", () => {
    const doc = load("kernelonly-digits-h32n16-l2");
    const m = importModel(path("kernelonly-digits-h32n16-l2"));
    const L = doc.config.seq_len;
    m.layers.forEach((l, i) => {
      const form = l.ssm.form;
      if (form.kind !== "kernel") throw new Error("not a kernel-only layer");
      expect(l.ssm.modes).toBe(0);
      expect(form.k.dtype).toBe("f32");
      expect(form.k.shape).toEqual([32, L]);
      const K = fround(doc.tensors[`layers.${i}.kernel.K`].data);
      const k = values(form.k);
      for (let h = 0; h < 32; h++) {
        for (let lag = 0; lag < L; lag++) expect(k[h * L + lag]).toBe(K[h * L + (L - 1 - lag)]);
      }
    });
  });
});

describe("format detection", () => {
  it("tells JSON, ONNX and IR text apart by content", () => {
    expect(sniffFormat(readFileSync(path("digits-float-h32n16-l2")))).toBe("json");
    expect(sniffFormat(readFileSync("fixtures/models/digits-float-h32n16-l2/model.onnx"))).toBe(
      "onnx",
    );
    expect(sniffFormat(Buffer.from("\ufeff  {}"))).toBe("json");
    expect(sniffFormat(Buffer.from("model @digits (d_in = 1) {}"))).toBe("qs4d");
    expect(sniffFormat(Buffer.from("hello"))).toBeNull();
    expect(sniffFormat(new Uint8Array())).toBeNull();
    expect(sniffFormat(Buffer.from("hello"), "damaged.onnx")).toBe("onnx");
  });

  it("imports IR text by content, whatever the file is called", () => {
    const m = importModel(path("qs4d-digits-qat-h32n16-l2"));
    const text = printModel(m, { tensors: "full" });
    const dir = mkdtempSync(join(tmpdir(), "qs4dc-ir-"));
    try {
      const file = join(dir, "model.txt");
      writeFileSync(file, text);
      expect(printModel(importModel(file), { tensors: "full" })).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
