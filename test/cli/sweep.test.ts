// `qs4dc sweep` and `qs4dc sweep merge`: a sweep of 24 points (refused points included) on a
// small fixture model, run whole and as 3 shards whose merge must equal the whole run byte for
// byte; the shape of the lines; and the coded errors of bad specs, shards and parts, with no
// output file left behind. In-process (runCli), as the real binary runs it.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { readSweepSpec, shardRange } from "../../src/driver/sweep-spec.js";
import { writeNpy } from "../../src/util/npy.js";
import { goldenInputs, goldenLabels, weightsPath } from "../sim/helpers.js";

const NAME = "digits-qat8-h32n16-l2";
const BATCH = 3;
const dir = mkdtempSync(join(tmpdir(), "qs4dc-sweep-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

writeFileSync(
  at("x.npy"),
  writeNpy({ dtype: "float32", shape: [BATCH, 64, 1], data: goldenInputs(NAME, 0, BATCH).data }),
);
writeFileSync(
  at("y.npy"),
  writeNpy({ dtype: "int32", shape: [BATCH], data: goldenLabels(NAME).slice(0, BATCH) }),
);

/** A spec beside the inputs; `extra` replaces its keys. */
function spec(name: string, extra: Record<string, unknown> = {}): string {
  const json = {
    model: weightsPath(NAME),
    inputs: "x.npy",
    labels: "y.npy",
    // 6-bit ADCs miss the default fidelity budget: those points are refused (QS4D-E421).
    axes: {
      "target.adc.bits": [6, 8],
      prune: ["zero", "energy:0.05"],
      noise: ["none", "prog=0.02", "read=0.01"],
      seed: [0, 1],
    },
    ...extra,
  };
  writeFileSync(at(name), typeof extra.raw === "string" ? extra.raw : JSON.stringify(json));
  return at(name);
}

async function qs4dc(args: string[]): Promise<{ exit: number; stderr: string }> {
  let stderr = "";
  const exit = await runCli(args, (text) => {
    stderr += text;
  });
  return { exit, stderr };
}

const SPEC = spec("spec.json");

describe("qs4dc sweep", () => {
  it("runs 24 points; the merge of 3 shards is the unsharded run byte for byte", async () => {
    expect((await qs4dc(["sweep", SPEC, "-q", "-o", at("whole.jsonl")])).exit).toBe(0);
    for (const i of [0, 1, 2]) {
      const run = await qs4dc([
        "sweep",
        SPEC,
        "-q",
        "--shard",
        `${i}/3`,
        "-o",
        at(`part${i}.jsonl`),
      ]);
      expect(run.exit).toBe(0);
    }
    // Parts in any order.
    const parts = [2, 0, 1].map((i) => at(`part${i}.jsonl`));
    expect((await qs4dc(["sweep", "merge", ...parts, "-o", at("merged.jsonl")])).exit).toBe(0);
    const whole = readFileSync(at("whole.jsonl"));
    expect(whole.length).toBeGreaterThan(0);
    expect(readFileSync(at("merged.jsonl")).equals(whole)).toBe(true);
    // Each shard ran its own slice only.
    expect(readFileSync(at("part0.jsonl"), "utf8").trim().split("\n")).toHaveLength(8);
  });

  it("writes one line per point: the point, and accuracy, cells, arrays, cycles, energy or a refusal's code", () => {
    const lines = readFileSync(at("whole.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.index)).toEqual([...Array(24).keys()]);
    expect(lines[0].point).toEqual({ "target.adc.bits": 6, prune: "zero", noise: "none", seed: 0 });
    expect(lines[23].point).toEqual({
      "target.adc.bits": 8,
      prune: "energy:0.05",
      noise: "read=0.01",
      seed: 1,
    });
    const refused = lines.filter((l) => l.error !== undefined);
    expect(refused.map((l) => l.point["target.adc.bits"])).toEqual(Array(12).fill(6));
    expect(new Set(refused.map((l) => l.error.code))).toEqual(new Set(["QS4D-E421"]));
    const measured = lines.filter((l) => l.error === undefined);
    expect(measured).toHaveLength(12);
    for (const l of measured) {
      for (const key of ["accuracy", "cells", "arrays", "cycles", "energy"]) {
        expect(typeof l[key], key).toBe("number");
      }
      expect(l.accuracy).toBeGreaterThanOrEqual(0);
      expect(l.accuracy).toBeLessThanOrEqual(1);
    }
    // Pruning removes programmed cells and arrays; the ideal chip is exact on these samples.
    const ideal = (prune: string) =>
      measured.find((l) => l.point.prune === prune && l.point.noise === "none")!;
    expect(ideal("energy:0.05").cells).toBeLessThan(ideal("zero").cells);
    expect(ideal("energy:0.05").arrays).toBeLessThan(ideal("zero").arrays);
    expect(ideal("zero").accuracy).toBe(1);
    // The seed matters under noise only.
    const seeds = measured.filter((l) => l.point.prune === "zero" && l.point.noise === "none");
    expect(seeds[0].accuracy).toBe(seeds[1].accuracy);
  });

  it("a point kept over budget by allowLoss is measured, with the compiler's warning code", async () => {
    const file = spec("loss.json", {
      fixed: { allowLoss: true },
      axes: { "target.adc.bits": [6] },
    });
    expect((await qs4dc(["sweep", file, "-q", "-o", at("loss.jsonl")])).exit).toBe(0);
    const line = JSON.parse(readFileSync(at("loss.jsonl"), "utf8"));
    expect(typeof line.accuracy).toBe("number");
    expect(line.diagnostics).toContain("QS4D-W406");
  });

  it("a point whose target variant is invalid is a line with the target's code", async () => {
    const file = spec("levels.json", { axes: { "target.cell.levels": [1] } });
    expect((await qs4dc(["sweep", file, "-q", "-o", at("levels.jsonl")])).exit).toBe(0);
    const text = readFileSync(at("levels.jsonl"), "utf8");
    expect(JSON.parse(text).error.code).toBe("QS4D-E402");
    // Without -o, the same line on stdout.
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      writes.push(String(s));
      return true;
    });
    try {
      expect((await qs4dc(["sweep", file, "-q"])).exit).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join("")).toBe(text);
  });

  it("shards are contiguous slices covering every point once", () => {
    for (const points of [1, 7, 24, 1000]) {
      for (const count of [1, 3, 8]) {
        const slices = [...Array(count).keys()].map((index) =>
          shardRange(points, { index, count }),
        );
        expect(slices[0]!.start).toBe(0);
        expect(slices.at(-1)!.end).toBe(points);
        for (let i = 1; i < count; i++) expect(slices[i]!.start).toBe(slices[i - 1]!.end);
      }
    }
  });

  it("the example spec is valid and has the points its Slurm and Kubernetes jobs shard", () => {
    const example = readSweepSpec(
      new URL("../../examples/sweep/spec.json", import.meta.url).pathname,
    );
    expect(example.points).toBe(48);
    const slurm = readFileSync(
      new URL("../../examples/sweep/slurm.sbatch", import.meta.url),
      "utf8",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell variables, not a template
    expect(slurm).toContain('--shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}"');
    const k8s = readFileSync(
      new URL("../../examples/sweep/k8s-indexed-job.yaml", import.meta.url),
      "utf8",
    );
    expect(k8s).toContain("completionMode: Indexed");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell variables, not a template
    expect(k8s).toContain('--shard "${JOB_COMPLETION_INDEX}/${SHARDS}"');
    const completions = /completions: (\d+)/.exec(k8s)![1];
    expect(k8s).toContain(`value: "${completions}"`);
  });
});

describe("qs4dc sweep: bad input is a coded error, exit 2, no output file", () => {
  const cases: [string, () => string[], string][] = [
    ["not JSON", () => ["sweep", spec("bad.json", { raw: "{ axes: " })], "QS4D-E870"],
    ["unknown key", () => ["sweep", spec("key.json", { modle: "x" })], "QS4D-E871"],
    ["unknown axis name", () => ["sweep", spec("axis.json", { axes: { bits: [1] } })], "QS4D-E871"],
    [
      "a seed that is no integer",
      () => ["sweep", spec("seed.json", { axes: { seed: [1.5] } })],
      "QS4D-E871",
    ],
    [
      "a state update unknown",
      () => ["sweep", spec("su.json", { axes: { stateUpdate: ["fast"] } })],
      "QS4D-E871",
    ],
    [
      "calibLabels without calib",
      () => ["sweep", spec("cl.json", { calibLabels: "y.npy" })],
      "QS4D-E871",
    ],
    [
      "target axis the target lacks",
      () => ["sweep", spec("field.json", { axes: { "target.adc.bitz": [8] } })],
      "QS4D-E872",
    ],
    [
      "target axis on an object",
      () => ["sweep", spec("object.json", { axes: { "target.adc": [8] } })],
      "QS4D-E872",
    ],
    [
      "too many points",
      () => {
        const many = [...Array(1001).keys()];
        return [
          "sweep",
          spec("many.json", { axes: { seed: many, maxError: many.map((i) => i + 1) } }),
        ];
      },
      "QS4D-E873",
    ],
    ["shard out of range", () => ["sweep", SPEC, "--shard", "3/3"], "QS4D-E874"],
    ["shard not I/N", () => ["sweep", SPEC, "--shard", "1"], "QS4D-E874"],
    ["threads not a count", () => ["sweep", SPEC, "--threads", "0"], "QS4D-E003"],
    ["inputs missing", () => ["sweep", spec("noinputs.json", { inputs: "none.npy" })], "QS4D-E001"],
  ];
  for (const [what, args, code] of cases) {
    it(`${what}: ${code}`, async () => {
      const out = at(`err-${code}.jsonl`);
      const run = await qs4dc([...args(), "-o", out]);
      expect(run.stderr).toContain(code);
      expect(run.exit).toBe(2);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe("qs4dc sweep merge: the parts must make one whole sweep", () => {
  const line = (index: number, points = 2, digest = "aa") =>
    `${JSON.stringify({ index, point: { seed: index }, accuracy: 1, points, spec: digest })}\n`;
  const part = (name: string, text: string) => {
    writeFileSync(at(name), text);
    return at(name);
  };
  const cases: [string, () => string[], string][] = [
    ["a point missing", () => [part("m0", line(0))], "QS4D-E876"],
    ["a point twice", () => [part("d0", line(0) + line(1)), part("d1", line(1))], "QS4D-E876"],
    ["two sweeps", () => [part("s0", line(0)), part("s1", line(1, 2, "bb"))], "QS4D-E876"],
    ["no lines", () => [part("e0", "")], "QS4D-E876"],
    ["not JSON", () => [part("j0", `${line(0)}{oops\n`)], "QS4D-E875"],
    [
      "no index",
      () => [part("i0", `${JSON.stringify({ point: {}, points: 1, spec: "aa" })}\n`)],
      "QS4D-E875",
    ],
    ["cut short", () => [part("c0", line(0) + line(1).slice(0, 10))], "QS4D-E875"],
  ];
  for (const [what, parts, code] of cases) {
    it(`${what}: ${code}`, async () => {
      const out = at(`merge-${what}.jsonl`);
      const run = await qs4dc(["sweep", "merge", ...parts(), "-o", out]);
      expect(run.stderr).toContain(code);
      expect(run.exit).toBe(2);
      expect(existsSync(out)).toBe(false);
    });
  }

  it("joins complete parts in index order, lines unchanged", async () => {
    const run = await qs4dc([
      "sweep",
      "merge",
      part("ok1", line(1)),
      part("ok0", line(0)),
      "-o",
      at("ok.jsonl"),
    ]);
    expect(run.exit).toBe(0);
    expect(readFileSync(at("ok.jsonl"), "utf8")).toBe(line(0) + line(1));
  });
});
