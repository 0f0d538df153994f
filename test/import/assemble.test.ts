// assemble() on hand-built specs of other sizes and architectures, and grid detection.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/import/assemble.js";
import { detectGrid } from "../../src/import/grid.js";
import { jsonSpecFromBytes } from "../../src/import/json/index.js";
import type { ArchSpec, ImportSpec } from "../../src/import/spec.js";
import { dataOf, f32, type Tensor } from "../../src/ir/tensor.js";

/** Deterministic pseudo-random numbers (mulberry32), roughly N(0, 1) via a sum of uniforms. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => uniform() + uniform() + uniform() + uniform() - 2;
}

function randomTensor(shape: number[], next: () => number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return f32(
    shape,
    Array.from({ length: n }, () => next() * scale),
  );
}

const ARCH: ArchSpec = {
  dIn: 2,
  channels: 3,
  state: 4,
  classes: 5,
  length: 7,
  layers: 3,
  norm: "none",
  normPosition: "pre",
  normEps: 1e-5,
  activation: "relu",
  mixing: "relu",
  residual: true,
  discretization: "bilinear",
  kernel: "s4d",
};

function specOf(arch: ArchSpec, params: Map<string, Tensor>): ImportSpec {
  return {
    name: "tiny",
    arch,
    params,
    quant: { scheme: "none", tensors: new Map() },
    origin: (name) => ({ file: "tiny.json", tensor: name }),
    meta: { b: "2", a: "1" },
  };
}

function tinyParams(arch: ArchSpec, seed = 1): Map<string, Tensor> {
  const next = rng(seed);
  const h = arch.channels;
  const m = arch.state / 2;
  const p = new Map<string, Tensor>();
  p.set("encoder.weight", randomTensor([h, arch.dIn], next));
  p.set("decoder.weight", randomTensor([arch.classes, h], next));
  p.set("decoder.bias", randomTensor([arch.classes], next));
  for (let i = 0; i < arch.layers; i++) {
    const k = `layers.${i}.kernel`;
    p.set(`${k}.log_dt`, randomTensor([h], next));
    p.set(`${k}.log_A_real`, randomTensor([h, m], next));
    p.set(`${k}.A_imag`, randomTensor([h, m], next));
    p.set(`${k}.C`, randomTensor([h, m, 2], next));
    p.set(`layers.${i}.D`, randomTensor([h], next));
    p.set(`layers.${i}.output_linear.weight`, randomTensor([h, h], next));
  }
  return p;
}

describe("assemble", () => {
  it("builds any size and architecture: relu mixing from a 2-D weight, no norm, no encoder bias", () => {
    const params = tinyParams(ARCH);
    const m = assemble(specOf(ARCH, params));
    expect(m.config).toEqual({ dIn: 2, channels: 3, state: 4, classes: 5, length: 7 });
    expect(m.encoder.bias).toBeNull();
    expect(m.layers).toHaveLength(3);
    expect(Object.keys(m.meta)).toEqual(["a", "b"]);
    for (const [i, l] of m.layers.entries()) {
      expect(l.norm).toBeNull();
      expect(l.mixing?.kind).toBe("relu");
      expect(l.mixing!.linear.weight.shape).toEqual([3, 3]);
      expect(l.mixing!.linear.bias).toBeNull();
      expect(l.ssm.discretization).toBe("bilinear");
      expect(l.ssm.modes).toBe(2);
      const f = l.ssm.form;
      if (f.kind !== "continuous") throw new Error("continuous expected");
      const logA = Array.from(dataOf(params.get(`layers.${i}.kernel.log_A_real`)!));
      expect(Array.from(dataOf(f.aRe))).toEqual(logA.map((v) => -Math.exp(v)));
    }
  });

  it("a mixing 'none' model has no output_linear, and one present is unexpected", () => {
    const arch: ArchSpec = { ...ARCH, mixing: "none", layers: 1 };
    const params = tinyParams(arch);
    params.delete("layers.0.output_linear.weight");
    expect(assemble(specOf(arch, params)).layers[0]!.mixing).toBeNull();
    params.set("layers.0.output_linear.weight", f32([3, 3]));
    expect(() => assemble(specOf(arch, params))).toThrow(/QS4D-E235/);
  });

  it("a missing parameter is named with the origin the front end gave", () => {
    const params = tinyParams(ARCH);
    params.delete("layers.2.kernel.A_imag");
    expect(() => assemble(specOf(ARCH, params))).toThrow(
      /tiny\.json, tensor 'layers\.2\.kernel\.A_imag': error QS4D-E234/,
    );
  });

  it("a quantizer for a tensor the model lacks is an error, not ignored", () => {
    const spec = specOf(ARCH, tinyParams(ARCH));
    const quant = {
      scheme: "qs4d-max" as const,
      tensors: new Map([["layers.7.u", { levels: 8 }]]),
    };
    expect(() => assemble({ ...spec, quant })).toThrow(/QS4D-E237.*layers\.7\.u/);
  });
});

describe("grid detection", () => {
  const next = rng(7);

  /** fl32(k * step) for integer codes k: what a symmetric fake-quantized export holds. */
  function onGrid(codes: number[], step: number): Tensor {
    return f32(
      [codes.length],
      codes.map((k) => k * step),
    );
  }

  it("recovers an 8-bit per-tensor grid: bits, scale and codes", () => {
    const codes = Array.from({ length: 256 }, () => Math.round(next() * 40));
    codes[17] = 127;
    const step = Math.fround(0.0123);
    const q = detectGrid(onGrid(codes, step))!;
    expect(q).not.toBeNull();
    expect(q.bits).toBe(8);
    expect(q.axis).toBeNull();
    expect(Math.abs((q.scale as number) / step - 1)).toBeLessThan(1e-6);
    expect(Array.from(dataOf(q.codes!))).toEqual(codes.map((k) => (k === 0 ? 0 : k)));
  });

  it("recovers a per-output-channel grid (axis 0)", () => {
    const rows = 6;
    const cols = 32;
    // Incommensurate steps, so that no single per-tensor grid holds every row.
    const steps = Array.from({ length: rows }, (_, r) => Math.fround(0.01 * Math.sqrt(r + 2)));
    const codes = Array.from({ length: rows * cols }, (_, i) =>
      i % cols === 0 ? -15 : Math.round(next() * 5) + 0,
    );
    const values = codes.map((k, i) => k * steps[Math.floor(i / cols)]!);
    const q = detectGrid(f32([rows, cols], values))!;
    expect(q.axis).toBe(0);
    expect(q.bits).toBe(5);
    for (const [r, s] of (q.scale as number[]).entries()) {
      expect(Math.abs(s / steps[r]! - 1)).toBeLessThan(1e-6);
    }
    expect(Array.from(dataOf(q.codes!))).toEqual(codes);
  });

  it("recovers ternary and qs4d-max style grids (integer / scale)", () => {
    const ternary = Array.from({ length: 64 }, (_, i) => (i % 3) - 1);
    expect(detectGrid(onGrid(ternary, 0.37))?.bits).toBe(2);
    // qs4d-max, Q = 16: values int / s with s = 8 / max, integers in [-8, 8].
    const s = Math.fround(8 / 0.8206);
    const ints = Array.from({ length: 64 }, (_, i) => (i === 0 ? 8 : Math.round(next() * 3)));
    const q = detectGrid(
      f32(
        [64],
        ints.map((k) => Math.fround(k / s)),
      ),
    )!;
    expect(q.bits).toBe(5);
    expect(Array.from(dataOf(q.codes!))).toEqual(ints.map((k) => (k === 0 ? 0 : k)));
  });

  it("property: any grid of up to 8 bits is found, and its codes give back the values (to float32 rounding)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 127 }),
        fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
        fc.array(fc.integer({ min: -127, max: 127 }), { minLength: 16, maxLength: 200 }),
        (maxCode, rawStep, raw) => {
          const step = Math.fround(rawStep);
          const codes = raw.map((k) => Math.max(-maxCode, Math.min(maxCode, k)));
          codes[0] = maxCode;
          const t = onGrid(codes, step);
          const q = detectGrid(t);
          expect(q).not.toBeNull();
          const scale = q!.scale as number;
          const values = Array.from(dataOf(t));
          const max = Math.max(...values.map(Math.abs));
          Array.from(dataOf(q!.codes!)).forEach((k, i) => {
            expect(Math.abs(k * scale - values[i]!)).toBeLessThanOrEqual(2 ** -20 * max);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("never fires on ordinary float weights", () => {
    for (let trial = 0; trial < 300; trial++) {
      const n = 16 + (trial % 50) * 7;
      expect(detectGrid(randomTensor([n], next, 10 ** ((trial % 7) - 3)))).toBeNull();
      expect(detectGrid(randomTensor([4, n], next))).toBeNull();
    }
  });

  it("ignores tensors too small to tell from chance, and all-zero tensors", () => {
    expect(detectGrid(onGrid([1, 2, 3, 4, 5, 6, 7, 8], 0.5))).toBeNull();
    expect(detectGrid(f32([64]))).toBeNull();
  });

  it("annotates on-grid weights of a float model, but not a structured init such as A_imag = (pi/4) n", () => {
    const doc = JSON.parse(
      readFileSync("fixtures/models/digits-float-h32n16-l2/weights.json", "utf8"),
    );
    const aImag = doc.tensors["layers.0.kernel.A_imag"];
    aImag.data = aImag.data.map((_: number, i: number) => (Math.PI / 4) * (i % 8));
    const plain = assemble(jsonSpecFromBytes(Buffer.from(JSON.stringify(doc)), "m/weights.json"));
    expect(plain.quantScheme).toBe("none");
    const dec = doc.tensors["decoder.weight"];
    const max = Math.max(...dec.data.map(Math.abs));
    dec.data = dec.data.map((v: number) => Math.fround(Math.round((v / max) * 7) * (max / 7)));
    const m = assemble(jsonSpecFromBytes(Buffer.from(JSON.stringify(doc)), "m/weights.json"));
    expect(m.quantScheme).toBe("grid");
    expect(m.decoder.weightQuant).toMatchObject({ kind: "affine", bits: 4, axis: null });
    expect(m.encoder.weightQuant).toBeNull();
    expect(m.layers[0]!.ssm.quant).toEqual({});
  });
});
