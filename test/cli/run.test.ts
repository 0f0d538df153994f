// `qs4dc run`: outputs, traces, and the contract on bad input: a coded diagnostic, exit code 2
// and no output file. Most cases run the program in-process; two spawn the real CLI to check
// the exit codes end to end.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { readNpy, writeNpy } from "../../src/util/npy.js";
import { goldenF32, goldenI8, goldenInputs, modelPath } from "../run/golden-files.js";

const dir = mkdtempSync(join(tmpdir(), "qs4dc-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QAT8 = "digits-qat8-h32n16-l2";
const FLOAT = "digits-float-h32n16-l2";

function npyFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const inputs4 = goldenInputs(QAT8, 4);
const goodInput = npyFile(
  "x.npy",
  writeNpy({ dtype: "float32", shape: inputs4.shape, data: inputs4.data }),
);

/** max |a - b| */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Run `qs4dc run ...` in-process; the coded error's code and exit code, or null on success. */
async function qs4dcRun(args: string[]): Promise<{ code: string; exit: number } | null> {
  const program = await buildProgram();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    await program.parseAsync(["run", ...args], { from: "user" });
    return null;
  } catch (error) {
    if (error instanceof Qs4dError) return { code: error.diagnostic.code, exit: error.exitCode };
    throw error;
  }
}

describe("qs4dc run", () => {
  it("writes float32 logits [batch, classes] and the golden SSM integer traces", async () => {
    const out = join(dir, "y.npy");
    const traceDir = join(dir, "trace");
    expect(
      await qs4dcRun([
        modelPath(QAT8, "weights.json"),
        "--input",
        goodInput,
        "-o",
        out,
        "--trace",
        traceDir,
      ]),
    ).toBeNull();
    const y = readNpy(out);
    expect(y.dtype).toBe("float32");
    expect(y.shape).toEqual([4, 10]);
    const golden = goldenF32(QAT8, "logits_quant_recurrent.f32");
    expect(maxDiff(y.data as Float32Array, golden)).toBeLessThanOrEqual(1e-4);
    expect(readdirSync(traceDir).sort()).toEqual([
      "trace_layer0_u_q.npy",
      "trace_layer0_y_q.npy",
      "trace_layer1_u_q.npy",
      "trace_layer1_y_q.npy",
    ]);
    for (const file of readdirSync(traceDir)) {
      const t = readNpy(join(traceDir, file));
      expect(t.dtype).toBe("int8");
      expect(t.shape).toEqual([4, 32, 64]);
      expect(Array.from(t.data as Int8Array)).toEqual(
        Array.from(goldenI8(QAT8, file.replace(".npy", ".i8"))),
      );
    }
  });

  it("takes [batch, length] float64 input for d_in = 1, and --form conv / --no-quant", async () => {
    const x = npyFile(
      "x2d.npy",
      writeNpy({ dtype: "float64", shape: [4, 64], data: Float64Array.from(inputs4.data) }),
    );
    const out = join(dir, "y2d.npy");
    expect(
      await qs4dcRun([modelPath(QAT8, "weights.json"), "--input", x, "-o", out, "--no-quant"]),
    ).toBeNull();
    const golden = goldenF32(QAT8, "logits_float_conv.f32");
    expect(maxDiff(readNpy(out).data as Float32Array, golden)).toBeLessThanOrEqual(1e-4);
    const conv = join(dir, "yconv.npy");
    expect(
      await qs4dcRun([modelPath(QAT8, "weights.json"), "--input", x, "-o", conv, "--form", "conv"]),
    ).toBeNull();
    const graph = goldenF32(QAT8, "logits_onnx_graph_torch.f32");
    expect(maxDiff(readNpy(conv).data as Float32Array, graph)).toBeLessThanOrEqual(1e-4);
  });

  it("runs an exported model.onnx as well (qs4d-max: the QAT golden logits)", async () => {
    const name = "qs4d-digits-qat-h32n16-l2";
    const { data, shape } = goldenInputs(name, 8);
    const x = npyFile("x-max.npy", writeNpy({ dtype: "float32", shape, data }));
    const out = join(dir, "y-onnx.npy");
    expect(await qs4dcRun([modelPath(name, "model.onnx"), "--input", x, "-o", out])).toBeNull();
    const golden = goldenF32(name, "logits_qat.f32").slice(0, 80);
    expect(maxDiff(readNpy(out).data as Float32Array, golden)).toBeLessThanOrEqual(1e-4);
  });

  const bad: [string, () => string[], string][] = [
    [
      "a bad .npy header",
      () => {
        const bytes = writeNpy({ dtype: "float32", shape: [1, 64, 1], data: new Float32Array(64) });
        bytes.set(
          new TextEncoder().encode("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 64, 1 "),
          10,
        );
        bytes[10 + 60] = 0x28; // an unbalanced '('
        return [modelPath(FLOAT, "weights.json"), "--input", npyFile("bad-header.npy", bytes)];
      },
      "QS4D-E262",
    ],
    [
      "a wrong dtype (int32)",
      () => {
        const bytes = writeNpy({ dtype: "int32", shape: [1, 64, 1], data: new Int32Array(64) });
        return [modelPath(FLOAT, "weights.json"), "--input", npyFile("int.npy", bytes)];
      },
      "QS4D-E301",
    ],
    [
      "a wrong shape (d_in 2 for a d_in 1 model)",
      () => {
        const bytes = writeNpy({
          dtype: "float32",
          shape: [2, 32, 2],
          data: new Float32Array(128),
        });
        return [modelPath(FLOAT, "weights.json"), "--input", npyFile("shape.npy", bytes)];
      },
      "QS4D-E300",
    ],
    [
      "a NaN in the input",
      () => {
        const data = new Float32Array(64);
        data[5] = Number.NaN;
        const bytes = writeNpy({ dtype: "float32", shape: [1, 64], data });
        return [modelPath(FLOAT, "weights.json"), "--input", npyFile("nan.npy", bytes)];
      },
      "QS4D-E302",
    ],
    [
      "a missing model file",
      () => [join(dir, "no-such-model.json"), "--input", goodInput],
      "QS4D-E001",
    ],
    [
      "--trace on a float model",
      () => [
        modelPath(FLOAT, "weights.json"),
        "--input",
        goodInput,
        "--trace",
        join(dir, "t-float"),
      ],
      "QS4D-E304",
    ],
  ];
  for (const [what, args, code] of bad) {
    it(`${what}: ${code}, exit 2, no output file`, async () => {
      const out = join(dir, `out-${code}.npy`);
      const result = await qs4dcRun([...args(), "-o", out]);
      expect(result).toEqual({ code, exit: 2 });
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, "t-float"))).toBe(false);
    });
  }
});

describe("qs4dc run as a process", () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "run", ...args], {
      cwd: new URL("../..", import.meta.url).pathname,
      encoding: "utf8",
    });

  it("exits 0 on success and 2 with a coded message on a bad input", () => {
    const out = join(dir, "proc.npy");
    const ok = cli([modelPath(FLOAT, "weights.json"), "--input", goodInput, "-o", out]);
    expect(ok.status).toBe(0);
    expect(readNpy(out).shape).toEqual([4, 10]);
    const shape = npyFile(
      "proc-shape.npy",
      writeNpy({ dtype: "float64", shape: [3], data: new Float64Array(3) }),
    );
    const failed = cli([
      modelPath(FLOAT, "weights.json"),
      "--input",
      shape,
      "-o",
      join(dir, "proc-bad.npy"),
    ]);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain("QS4D-E300");
    expect(existsSync(join(dir, "proc-bad.npy"))).toBe(false);
  });

  it("exits 2 on a usage error (--form fft)", () => {
    const out = join(dir, "proc-usage.npy");
    const failed = cli([
      modelPath(FLOAT, "weights.json"),
      "--input",
      goodInput,
      "-o",
      out,
      "--form",
      "fft",
    ]);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain("fft");
    expect(existsSync(out)).toBe(false);
  });
});
