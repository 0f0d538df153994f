// The readers' limits (docs/limits.md), each checked before any work: the helpers that check
// them and the coded errors past them.

import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Qs4dError } from "../../src/diag/error.js";
import { allocateValues, MAX_ONNX_ELEMENTS } from "../../src/import/onnx/tensor.js";
import { checkIrTextLimits, MAX_IR_LINE, MAX_IR_NESTING } from "../../src/ir/text/limits.js";
import { parseTarget } from "../../src/target/load.js";
import { jsonTooDeepAt, MAX_JSON_DEPTH } from "../../src/util/json-limits.js";
import { MAX_NPY_ELEMENTS, readNpy } from "../../src/util/npy.js";
import { MAX_INPUT_BYTES, readFileBytes } from "../../src/util/read-file.js";

const scratch = mkdtempSync(join(tmpdir(), "qs4dc-limits-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof Qs4dError) return error.diagnostic.code;
    throw error;
  }
  return "none";
}

describe("JSON nesting", () => {
  it("counts brackets outside strings only, up to the limit", () => {
    expect(jsonTooDeepAt(`${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`)).toBe(-1);
    expect(jsonTooDeepAt(`${"[".repeat(MAX_JSON_DEPTH + 1)}`)).toBe(MAX_JSON_DEPTH);
    expect(jsonTooDeepAt(`{"a": "${"[".repeat(1000)}", "b": "\\"[[["}`)).toBe(-1);
    expect(jsonTooDeepAt('{"a": [{"b": [1]}]}', 3)).toBe(13);
  });
});

describe("IR text", () => {
  const ctx = { file: "m.qs4d" };

  it("brackets in comments and strings do not nest", () => {
    const deep = "[".repeat(MAX_IR_NESTING + 1);
    expect(codeOf(() => checkIrTextLimits(`// ${deep}\nmodel "${deep}" {}`, ctx))).toBe("none");
    expect(codeOf(() => checkIrTextLimits(`model { ${deep} }`, ctx))).toBe("QS4D-E060");
  });

  it("a line at the limit passes, one character more is refused", () => {
    const line = "x".repeat(MAX_IR_LINE);
    expect(codeOf(() => checkIrTextLimits(`${line}\nmodel`, ctx))).toBe("none");
    expect(codeOf(() => checkIrTextLimits(`model\n${line}x`, ctx))).toBe("QS4D-E061");
  });
});

describe("sizes", () => {
  it("an input file above the size limit is refused before it is read", () => {
    // A sparse file: its size is past the limit without the disk space.
    const file = join(scratch, "huge.onnx");
    const fd = openSync(file, "w");
    ftruncateSync(fd, MAX_INPUT_BYTES + 1);
    closeSync(fd);
    expect(codeOf(() => readFileBytes(file))).toBe("QS4D-E065");
    writeFileSync(file, "small");
    expect(new TextDecoder().decode(readFileBytes(file))).toBe("small");
  });

  it("a tensor the ONNX evaluator would compute above the element limit is refused", () => {
    expect(codeOf(() => allocateValues(MAX_ONNX_ELEMENTS + 1))).toBe("QS4D-E130");
    expect(codeOf(() => allocateValues(2 ** 40))).toBe("QS4D-E130");
    expect(allocateValues(3).length).toBe(3);
  });

  it("an .npy file above the element limit is refused", () => {
    const count = MAX_NPY_ELEMENTS + 64;
    let header = `{'descr': '|i1', 'fortran_order': False, 'shape': (${count},), }`;
    while ((10 + header.length + 1) % 64 !== 0) header += " ";
    const bytes = new Uint8Array(10 + header.length + 1 + count);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length + 1, 0]);
    bytes.set(new TextEncoder().encode(`${header}\n`), 10);
    expect(codeOf(() => readNpy(bytes, "big.npy"))).toBe("QS4D-E241");
  });

  it("an .npy header nested or longer than numpy allows is refused", () => {
    const nested = "{'descr': '<f4', 'fortran_order': False, 'shape': ((1,),), }";
    let header = nested;
    while ((10 + header.length + 1) % 64 !== 0) header += " ";
    const bytes = new Uint8Array(10 + header.length + 1);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length + 1, 0]);
    bytes.set(new TextEncoder().encode(`${header}\n`), 10);
    expect(codeOf(() => readNpy(bytes, "nested.npy"))).toBe("QS4D-E262");
  });
});

describe("target JSON", () => {
  it("a target file nested deeper than the JSON limit is refused before parsing", () => {
    const deep = `{"name": ${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}}`;
    expect(codeOf(() => parseTarget(deep, "deep-target.json"))).toBe("QS4D-E401");
  });
});
