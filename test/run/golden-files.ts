// Reading the shared models' golden files (fixtures/models/<name>/golden): raw little-endian
// row-major arrays whose shapes manifest.json gives.

import { readFileSync } from "node:fs";

export const MODELS_DIR = new URL("../../fixtures/models/", import.meta.url);

export function modelPath(name: string, file: string): string {
  return new URL(`${name}/${file}`, MODELS_DIR).pathname;
}

interface Manifest {
  readonly files: Readonly<Record<string, { readonly shape: readonly number[] }>>;
}

export function shapeOf(name: string, file: string): readonly number[] {
  const manifest = JSON.parse(
    readFileSync(modelPath(name, "golden/manifest.json"), "utf8"),
  ) as Manifest;
  const entry = manifest.files[file];
  if (entry === undefined) throw new Error(`${name}: manifest has no ${file}`);
  return entry.shape;
}

function bytes(name: string, file: string): Uint8Array {
  const b = readFileSync(modelPath(name, `golden/${file}`));
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function goldenF32(name: string, file: string): Float32Array {
  return new Float32Array(bytes(name, file).buffer);
}

export function goldenI8(name: string, file: string): Int8Array {
  return new Int8Array(bytes(name, file).buffer);
}

/** The first n golden inputs and their shape [n, L, d_in]. */
export function goldenInputs(name: string, n: number): { data: Float32Array; shape: number[] } {
  const [, length, dIn] = shapeOf(name, "inputs.f32") as [number, number, number];
  const data = goldenF32(name, "inputs.f32").slice(0, n * length * dIn);
  return { data, shape: [n, length, dIn] };
}

export interface Agreement {
  /** max_i |a_i - b_i| */
  readonly maxAbs: number;
  /** max_i |b_i|, the reference's scale. */
  readonly scale: number;
  /** max_i |a_i - b_i| / max_i |b_i|: the relative error used throughout these tests. */
  readonly relative: number;
  /** Fraction of samples whose argmax agrees. */
  readonly argmax: number;
  /** Samples whose argmax differs. */
  readonly argmaxDiffers: number[];
  /** Per sample max |a - b|. */
  readonly perSample: number[];
}

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = from;
  for (let i = from; i < from + n; i++) if (v[i]! > v[best]!) best = i;
  return best - from;
}

/** Agreement of logits `a` with reference `b`, both [n, classes]. */
export function agreement(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  classes: number,
): Agreement {
  let maxAbs = 0;
  let maxRef = 0;
  const perSample: number[] = [];
  const argmaxDiffers: number[] = [];
  for (let s = 0; s < n; s++) {
    let m = 0;
    for (let c = s * classes; c < (s + 1) * classes; c++) {
      m = Math.max(m, Math.abs(a[c]! - b[c]!));
      maxRef = Math.max(maxRef, Math.abs(b[c]!));
    }
    perSample.push(m);
    maxAbs = Math.max(maxAbs, m);
    if (argmax(a, s * classes, classes) !== argmax(b, s * classes, classes)) argmaxDiffers.push(s);
  }
  return {
    maxAbs,
    scale: maxRef,
    relative: maxAbs / maxRef,
    argmax: 1 - argmaxDiffers.length / n,
    argmaxDiffers,
    perSample,
  };
}
