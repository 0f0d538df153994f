// Mutations of every input kind qs4dc reads, structured (by the format's own structure) and
// byte-level, each drawn from a seeded Rng so that a case is rebuilt from (seed, index) alone.

import onnxProto from "onnx-proto";
import {
  arraySection,
  encodeContainer,
  jsonSection,
  type Section,
} from "../../../src/emit/container.js";
import { decodeContainer } from "../../../src/emit/container-read.js";
import type { JsonObject, JsonValue } from "../../../src/util/canonical-json.js";
import type { Rng } from "../rng.js";

const { onnx } = onnxProto;

/** Values that break assumptions: extremes, wrong types, deep and long values. */
function hostileValue(rng: Rng): JsonValue {
  return rng.pick<() => JsonValue>([
    () => 0,
    () => -1,
    () => 1e308,
    () => -1e308,
    () => 2 ** 31,
    () => 2 ** 53 + 2,
    () => 1e-320,
    () => rng.int(-5, 70000),
    () => rng.normal() * 10 ** rng.int(-10, 40),
    () => "NaN",
    () => "Infinity",
    () => "",
    () => "x".repeat(rng.int(1, 5000)),
    () => null,
    () => true,
    () => [],
    () => ({}),
    () => [rng.int(0, 5), rng.int(0, 5)],
    () => nested(rng.int(2, 200)),
  ])();
}

function nested(depth: number): JsonValue {
  let v: JsonValue = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Every (container, key) of a JSON value, found without recursion. */
function slots(root: JsonValue): [Record<string, JsonValue> | JsonValue[], string | number][] {
  const out: [Record<string, JsonValue> | JsonValue[], string | number][] = [];
  const stack: JsonValue[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) {
      // Long data arrays: a few positions, not all of them.
      const step = Math.max(1, Math.floor(v.length / 16));
      for (let i = 0; i < v.length; i += step) {
        out.push([v as JsonValue[], i]);
        stack.push(v[i]!);
      }
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        out.push([v as Record<string, JsonValue>, k]);
        stack.push(child);
      }
    }
  }
  return out;
}

/** One to three edits of a JSON value: replace, delete, or copy a value elsewhere. */
export function mutateJsonValue(rng: Rng, root: JsonValue): JsonValue {
  const copy = structuredClone(root) as JsonValue;
  const edits = rng.int(1, 3);
  for (let e = 0; e < edits; e++) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [holder, key] = rng.pick(all);
    const action = rng.weighted<"replace" | "delete" | "copy" | "numeric">([
      ["replace", 4],
      ["numeric", 3],
      ["delete", 2],
      ["copy", 1],
    ]);
    if (action === "delete") {
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete (holder as Record<string, JsonValue>)[key];
    } else if (action === "copy") {
      const [, otherKey] = rng.pick(all);
      (holder as Record<string | number, JsonValue>)[key] = structuredClone(
        (rng.pick(all)[0] as Record<string | number, JsonValue>)[otherKey] ?? null,
      );
    } else if (action === "numeric") {
      const v = (holder as Record<string | number, JsonValue>)[key];
      const scaled = typeof v === "number" ? v * rng.pick([-1, 0, 2, 1e10, 1e-10, 1e300]) : 0;
      (holder as Record<string | number, JsonValue>)[key] = scaled;
    } else {
      (holder as Record<string | number, JsonValue>)[key] = hostileValue(rng);
    }
  }
  return copy;
}

/** Byte-level: flip, overwrite, insert, delete or truncate. */
export function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  let out: Uint8Array = bytes.slice();
  const edits = rng.int(1, 4);
  for (let e = 0; e < edits; e++) {
    if (out.length === 0) return out;
    const at = rng.int(0, out.length - 1);
    switch (rng.int(0, 4)) {
      case 0:
        out[at]! ^= 1 << rng.int(0, 7);
        break;
      case 1:
        out[at] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(0, 255)]);
        break;
      case 2: {
        const insert = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255));
        out = concat(out.subarray(0, at), insert, out.subarray(at));
        break;
      }
      case 3:
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + rng.int(1, 64))));
        break;
      default:
        out = out.slice(0, at);
    }
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const text = new TextDecoder();
const encode = (s: string) => new TextEncoder().encode(s);

/** weights.json: edits of the parsed document, or of its text. */
export function mutateWeightsJson(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (rng.chance(0.25)) return mutateBytes(rng, bytes);
  const doc = JSON.parse(text.decode(bytes)) as JsonValue;
  return encode(JSON.stringify(mutateJsonValue(rng, doc)));
}

const IR_NUMBERS = [
  "0",
  "-1",
  "1e308",
  "-1e308",
  "nan",
  "inf",
  "-inf",
  "4294967297",
  "1e-320",
  "2147483648",
  "-0",
];

/** IR text: token and line edits (numbers, words, lines, brackets), or bytes. */
export function mutateIrText(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (rng.chance(0.2)) return mutateBytes(rng, bytes);
  const lines = text.decode(bytes).split("\n");
  const edits = rng.int(1, 3);
  for (let e = 0; e < edits; e++) {
    const i = rng.int(0, lines.length - 1);
    const line = lines[i]!;
    switch (rng.int(0, 5)) {
      case 0: {
        // One number of the line replaced.
        const numbers = [...line.matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g)];
        if (numbers.length === 0) break;
        const m = rng.pick(numbers);
        lines[i] =
          line.slice(0, m.index) + rng.pick(IR_NUMBERS) + line.slice(m.index! + m[0].length);
        break;
      }
      case 1: {
        // A word replaced by another word of the text.
        const words = [...line.matchAll(/[a-z_][a-z0-9_]*/g)];
        const other = [...lines[rng.int(0, lines.length - 1)]!.matchAll(/[a-z_][a-z0-9_]*/g)];
        if (words.length === 0 || other.length === 0) break;
        const m = rng.pick(words);
        lines[i] = line.slice(0, m.index) + rng.pick(other)[0] + line.slice(m.index! + m[0].length);
        break;
      }
      case 2:
        lines.splice(i, 1);
        break;
      case 3:
        lines.splice(i, 0, lines[rng.int(0, lines.length - 1)]!);
        break;
      case 4: {
        const at = rng.int(0, line.length);
        const n = rng.int(1, 100);
        const open = rng.pick(["[", "{", "("]);
        lines[i] = line.slice(0, at) + open.repeat(n) + line.slice(at);
        break;
      }
      default:
        lines[i] = line.replace(
          /\[(\d+)/,
          (_, d: string) => `[${Number(d) * rng.pick([0, 2, 1000, 2 ** 20])}`,
        );
    }
  }
  return encode(lines.join("\n"));
}

/** .npy: header edits (shape, dtype, order), data values, or bytes. */
export function mutateNpy(rng: Rng, bytes: Uint8Array): Uint8Array {
  const kind = rng.int(0, 3);
  if (kind === 0) return mutateBytes(rng, bytes);
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  const header = new TextDecoder("latin1").decode(bytes.subarray(10, 10 + headerLength));
  if (kind === 1) {
    const edited = header
      .replace(/'shape': \([^)]*\)/, () =>
        rng.pick([
          "'shape': ()",
          "'shape': (0,)",
          "'shape': [2, 32, 1]",
          "'shape': (2, 32)",
          "'shape': (1, 64, 1)",
          "'shape': (4294967296, 2)",
          "'shape': (2, 32, 1, 1)",
          "'shape': ((2,),)",
          "'shape': (-1, 32, 1)",
        ]),
      )
      .replace(/'descr': '[^']*'/, () =>
        rng.pick([
          "'descr': '<f4'",
          "'descr': '<f8'",
          "'descr': '|i1'",
          "'descr': '<i8'",
          "'descr': '>f8'",
          "'descr': '<f2'",
          "'descr': 'O'",
        ]),
      )
      .replace("False", rng.pick(["False", "True", "0", "None"]));
    let padded = edited.trimEnd();
    while ((10 + padded.length + 1) % 64 !== 0) padded += " ";
    const head = encode(`${padded}\n`);
    const out = new Uint8Array(10 + head.length + bytes.length - 10 - headerLength);
    out.set(bytes.subarray(0, 10));
    out[8] = head.length & 0xff;
    out[9] = head.length >> 8;
    out.set(head, 10);
    out.set(bytes.subarray(10 + headerLength), 10 + head.length);
    return out;
  }
  // Data values: extremes written over float64 elements.
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const start = 10 + headerLength;
  const count = Math.floor((out.length - start) / 8);
  for (let e = rng.int(1, 4); e > 0 && count > 0; e--) {
    const value = rng.pick([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      1e300,
      -1e300,
      1e-310,
      3.5e38,
      65504,
    ]);
    view.setFloat64(start + 8 * rng.int(0, count - 1), value, true);
  }
  return out;
}

/** ONNX: edits of the decoded ModelProto (dims, types, ops, attributes, data), or bytes. */
export function mutateOnnx(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (rng.chance(0.3)) return mutateBytes(rng, bytes);
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const inits = graph.initializer ?? [];
  const nodes = graph.node ?? [];
  for (let e = rng.int(1, 3); e > 0; e--) {
    switch (rng.int(0, 8)) {
      case 0: {
        const t = rng.pick(inits);
        if (t?.dims && t.dims.length > 0)
          t.dims[rng.int(0, t.dims.length - 1)] = rng.pick([0, 1, 2, 3, 2 ** 31, 2 ** 40, -1]);
        break;
      }
      case 1: {
        const t = rng.pick(inits);
        if (t) t.dataType = rng.pick([0, 1, 2, 3, 6, 7, 10, 11, 16, 99]);
        break;
      }
      case 2: {
        const t = rng.pick(inits);
        if (t?.rawData && t.rawData.length > 0)
          t.rawData = mutateBytes(rng, new Uint8Array(t.rawData));
        break;
      }
      case 3: {
        const n = rng.pick(nodes);
        if (n) n.opType = rng.pick(nodes)?.opType ?? "Identity";
        break;
      }
      case 4: {
        const n = rng.pick(nodes);
        if (n?.input && n.input.length > 0)
          n.input[rng.int(0, n.input.length - 1)] = rng.pick(nodes)?.output?.[0] ?? "";
        break;
      }
      case 5:
        if (nodes.length > 0) nodes.splice(rng.int(0, nodes.length - 1), 1);
        break;
      case 6: {
        const n = rng.pick(nodes);
        const a = n?.attribute?.length ? rng.pick(n.attribute) : undefined;
        if (a) {
          if (a.i !== undefined && a.i !== null) a.i = rng.pick([0, -1, 2 ** 31, 7, 1e15]);
          if (a.f !== undefined && a.f !== null) a.f = rng.pick([0, -1, Number.NaN, 1e38]);
          if (a.ints && a.ints.length > 0)
            a.ints[rng.int(0, a.ints.length - 1)] = rng.pick([0, -1, 2 ** 31, 5]);
        }
        break;
      }
      case 7:
        if (inits.length > 0) inits.splice(rng.int(0, inits.length - 1), 1);
        break;
      default:
        model.irVersion = rng.pick([0, -1, 3, 100]);
    }
  }
  return onnx.ModelProto.encode(model).finish();
}

/**
 * chip.bin: a JSON section's values or an array section's elements edited, then the file
 * encoded again (every CRC recomputed, so the checks behind the CRCs are reached); or bytes.
 */
export function mutateChip(rng: Rng, bytes: Uint8Array): Uint8Array {
  if (rng.chance(0.15)) return mutateBytes(rng, bytes);
  const container = decodeContainer(bytes, "seed.bin");
  const sections: Section[] = container.infos.map((info) => container.sections.get(info.name)!);
  for (let e = rng.int(1, 2); e > 0; e--) {
    const i = rng.int(0, sections.length - 1);
    const s = sections[i]!;
    if (s.kind === "json") {
      const value = mutateJsonValue(rng, s.value as JsonValue);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        sections[i] = jsonSection(s.name, value as JsonObject);
      }
    } else if (s.data.length > 0) {
      const data = s.data.slice();
      const at = rng.int(0, data.length - 1);
      if (data instanceof Float32Array || data instanceof Float64Array) {
        data[at] = rng.pick([Number.NaN, Number.POSITIVE_INFINITY, -1e30, 0, 1e30]);
      } else {
        (data as Int32Array)[at] = rng.pick([-1, 0, 2 ** 31 - 1, -(2 ** 31), 1e6, rng.int(-3, 3)]);
      }
      sections[i] = arraySection(s.name, data);
    }
  }
  return encodeContainer(sections);
}
