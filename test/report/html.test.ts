// The HTML report's builder without a browser: the heatmap pixels and labels against the chip's
// own cells and rows, the level colour scale, the PNG against the PNG format (decoded here by
// hand with zlib), the Pareto front and the result files against hand-made data, the page's
// sections and self-containment, and the command's contract (exit 2, coded, nothing written).
// test/report/html-browser.test.ts renders the page in Chromium.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { compile, readChip, reportHtml, simulate } from "../../src/api.js";
import { buildProgram } from "../../src/cli/program.js";
import { Qs4dError } from "../../src/diag/error.js";
import { chipRunCost } from "../../src/driver/html-report.js";
import {
  arrayPixels,
  blockChannel,
  columnBands,
  levelScale,
  rowBands,
} from "../../src/report/html/heatmap.js";
import { indexedPng } from "../../src/report/html/png.js";
import { paretoFront, readMonteCarlo, readSweep } from "../../src/report/html/results.js";
import { bars, plot } from "../../src/report/html/svg.js";
import { compiled, goldenInputs, weightsPath } from "../sim/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "qs4dc-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const NAME = "digits-qat8-h32n16-l2";
const chip = compiled(NAME, "imssa-64");
const chipPath = join(dir, "chip.bin");
writeFileSync(chipPath, chip.bytes);

/** Chunks of a PNG, parsed by the format's rules (length, type, data, CRC). */
function pngChunks(png: Uint8Array): Map<string, Uint8Array> {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = new Map<string, Uint8Array>();
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    chunks.set(type, png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return chunks;
}

describe("heatmap of an array", () => {
  const a = chip.chip.arrays[0]!;
  const scale = levelScale(chip.chip.target.params.levels);

  it("labels the rows u, u(t-1), x(t-1) and the columns x(t), y as the IMSSA layout places them", () => {
    // digits-qat8 on imssa-64: one channel per array, 16 states = 8 complex modes; each signal
    // drives a +/- row pair (row polarity): u and the delayed u (D) one pair each, 16 state pairs.
    expect(rowBands(chip.chip, a).map((b) => [b.role, b.start, b.length])).toEqual([
      ["u", 0, 2],
      ["u(t-1)", 2, 2],
      ["x(t-1)", 4, 32],
    ]);
    // Lagged output, 4 columns per output: 16 states (primary and mirror) then y.
    expect(columnBands(chip.chip, a).map((b) => [b.role, b.start, b.length])).toEqual([
      ["x(t)", 0, 32],
      ["y", 32, 2],
    ]);
  });

  it("draws every programmed cell at its level's colour, block cells at gMin, the rest outside", () => {
    const pixels = arrayPixels(a, scale);
    expect(pixels.filter((p) => p >= 2).length).toBe(a.cells);
    for (let k = 0; k < a.cells; k++)
      expect(pixels[a.cell.row[k]! * a.cols + a.cell.col[k]!]).toBe(a.cell.level[k]! + 1);
    const p = a.placements[0]!;
    expect(pixels.filter((v) => v === 1).length).toBe(p.rows * p.cols - a.cells);
    expect(pixels[a.cols * a.rows - 1]).toBe(0);
  });

  it("gives each level its own colour up to 254 levels, and bins more", () => {
    const s128 = levelScale(128);
    expect([s128.index(1), s128.index(127), s128.palette.length]).toEqual([2, 128, 129]);
    const wide = levelScale(65536);
    expect([wide.index(1), wide.index(65535), wide.palette.length]).toEqual([2, 255, 256]);
    expect(wide.index(258)).toBe(2); // 257 levels share the first colour
  });

  it("names the layer and channel of a block", () => {
    expect(blockChannel("l0.h3")).toEqual({ layer: 0, channel: 3 });
    expect(blockChannel("l12.h31.p1")).toEqual({ layer: 12, channel: 31 });
    expect(blockChannel("dense.enc")).toBeNull();
  });
});

describe("indexed PNG", () => {
  it("holds the size, the palette and the pixels row by row", () => {
    const pixels = Uint8Array.of(0, 1, 2, 2, 1, 0);
    const palette = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ] as const;
    const chunks = pngChunks(indexedPng(3, 2, pixels, palette));
    const ihdr = new DataView(chunks.get("IHDR")!.buffer, chunks.get("IHDR")!.byteOffset);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), ihdr.getUint8(8), ihdr.getUint8(9)]).toEqual([
      3, 2, 8, 3,
    ]);
    expect([...chunks.get("PLTE")!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Filter byte 0 before each row.
    expect([...inflateSync(chunks.get("IDAT")!)]).toEqual([0, 0, 1, 2, 0, 2, 1, 0]);
    expect(chunks.has("IEND")).toBe(true);
  });
});

describe("Pareto front", () => {
  it("keeps the points no other point beats, cheapest first", () => {
    const points = [
      { c: 1, a: 0.5 },
      { c: 2, a: 0.5 }, // beaten by the first
      { c: 2, a: 0.9 },
      { c: 3, a: 0.8 }, // beaten by the third
      { c: 4, a: 0.95 },
      { c: Number.NaN, a: 1 }, // no cost: not comparable
    ];
    expect(
      paretoFront(
        points,
        (p) => p.c,
        (p) => p.a,
      ),
    ).toEqual([points[0], points[2], points[4]]);
  });
});

describe("result files", () => {
  it("reads a Monte Carlo report's noise and accuracy", () => {
    const path = file(
      "mc.json",
      JSON.stringify({
        runs: 3,
        noise: { programming: 0.02, read: 0 },
        accuracy: { runs: [0.5, 0.6, 0.7], mean: 0.6, std: 0.1, min: 0.5, max: 0.7 },
      }),
    );
    expect(readMonteCarlo(path)).toEqual({
      file: path,
      noise: { programming: 0.02, read: 0 },
      runs: 3,
      accuracy: { mean: 0.6, std: 0.1, min: 0.5, max: 0.7 },
    });
  });

  it("reads a sweep's points: axis values and every numeric result", () => {
    const path = file(
      "sweep.jsonl",
      `${JSON.stringify({ point: { adcBits: 6, target: { rows: 64 } }, accuracy: 0.25, energy: 10, note: "x" })}\n\n${JSON.stringify({ point: { adcBits: 8 }, accuracy: 0.94, cells: 7 })}\n`,
    );
    expect(readSweep(path)).toEqual([
      { point: { adcBits: 6, target: '{"rows":64}' }, values: { accuracy: 0.25, energy: 10 } },
      { point: { adcBits: 8 }, values: { accuracy: 0.94, cells: 7 } },
    ]);
  });

  const codeOf = (f: () => unknown) => {
    try {
      f();
      return null;
    } catch (error) {
      return error instanceof Qs4dError ? error.diagnostic.code : String(error);
    }
  };

  it("refuses what is not a result file, with coded errors", () => {
    expect(codeOf(() => readMonteCarlo(file("bad.json", "{ nope")))).toBe("QS4D-E850");
    // A simulation without --labels has no accuracy.
    expect(
      codeOf(() =>
        readMonteCarlo(file("nolabels.json", '{"runs":1,"noise":null,"accuracy":null}')),
      ),
    ).toBe("QS4D-E851");
    expect(
      codeOf(() =>
        readMonteCarlo(
          file(
            "nonoise.json",
            '{"runs":1,"noise":"x","accuracy":{"mean":1,"std":0,"min":1,"max":1}}',
          ),
        ),
      ),
    ).toBe("QS4D-E851");
    expect(codeOf(() => readMonteCarlo(join(dir, "missing.json")))).toBe("QS4D-E001");
    expect(codeOf(() => readSweep(file("s1.jsonl", '{"point":{"a":1},"accuracy":1}\n[1]\n')))).toBe(
      "QS4D-E852",
    );
    expect(codeOf(() => readSweep(file("s2.jsonl", '{"accuracy":1}\n')))).toBe("QS4D-E852");
    expect(codeOf(() => readSweep(file("s3.jsonl", "\n")))).toBe("QS4D-E852");
    expect(codeOf(() => readSweep(file("s4.jsonl", "{oops\n")))).toBe("QS4D-E852");
  });
});

describe("charts", () => {
  const labels = { className: "t", title: "t", xLabel: "x", yLabel: "y" };
  /** A plot of one series through two points. */
  const twoPoints = (line: boolean, a: [number, number], b: [number, number]) => [
    { name: "s", line, points: [a, b].map(([x, y]) => ({ x, y })) },
  ];

  it("puts log ticks inside the data's range and joins a line's points in order", () => {
    const svg = plot({
      ...labels,
      logX: true,
      series: twoPoints(true, [800, 0.2], [1500, 0.9]),
    });
    // 800..1500 padded by 6% of the span in log10: 771..1560; too few of 1, 2, 5 x 10^k, so
    // every integer multiple.
    const ticks = [
      ...svg.matchAll(/class="tick" x="[^"]+" y="[^"]+" text-anchor="middle">([^<]+)</g),
    ].map((m) => m[1]);
    expect(ticks).toEqual(["800", "900", "1000"]);
    expect(svg).toMatch(/<path class="line" d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+"/);
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });

  it("labels close ticks with as many digits as tell them apart, and a narrow log range by round steps", () => {
    const svg = plot({
      ...labels,
      logY: true,
      series: twoPoints(false, [0.99845, 0.0063], [0.99885, 0.0073]),
    });
    const xTicks = [...svg.matchAll(/text-anchor="middle">([^<]+)<\/text>/g)]
      .map((m) => m[1])
      .filter((t) => /^0\.9/.test(t!));
    expect(xTicks.length).toBeGreaterThan(2);
    expect(new Set(xTicks).size).toBe(xTicks.length);
    // 0.0063..0.0073 is a fifteenth of a decade: ticks every 5e-4.
    const yTicks = [...svg.matchAll(/text-anchor="end">([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(yTicks).toEqual(["6.5e-3", "7e-3"]);
  });

  it("draws one bar per category and group, and slants labels that would overlap", () => {
    const short = bars({
      ...labels,
      categories: ["a", "b"],
      groups: [
        { name: "g", values: [1, 2] },
        { name: "h", values: [3, 0] },
      ],
    });
    expect(short.match(/<rect [^>]*><title>/g)).toHaveLength(4);
    expect(short).not.toContain("rotate(-40)");
    const long = bars({
      ...labels,
      categories: Array.from({ length: 12 }, (_, i) => `layers.${i}.lambda`),
      groups: [{ name: "g", values: new Array(12).fill(1) }],
    });
    expect(long).toContain("rotate(-40)");
  });
});

describe("the page", () => {
  const page = reportHtml(chipPath).html;

  it("has one heatmap per array, a histogram per layer, the tables and the plots", () => {
    expect(page.match(/<figure class="heatmap"/g)).toHaveLength(chip.chip.arrays.length);
    expect(page.match(/<svg class="plot histogram"/g)).toHaveLength(2);
    for (const table of [
      "overview",
      "quant-layers",
      "quant-tensors",
      "precision-errors",
      "precision-bits-table",
      "worst-modes-table",
      "cost",
      "timing",
      "stages",
      "energy",
    ])
      expect(page).toContain(`<table class="${table}"`);
    for (const chart of ["precision-bits", "worst-modes", "cost-chart", "energy-chart"])
      expect(page).toContain(`<svg class="plot ${chart}"`);
    // No result files given: no noise or sweep section.
    expect(page).not.toContain('id="noise"');
    expect(page).not.toContain('id="sweep"');
  });

  it("gives the cycles and energy the simulator reports for a run of the same length", async () => {
    const x = goldenInputs(NAME, 0, 2);
    const { report } = await simulate(chip.bytes, x.data, [2, x.length, x.dIn], { threads: 1 });
    const estimate = chipRunCost(chip.chip, x.length);
    expect(estimate.energy).toEqual(report.energy);
    expect(estimate.timing.cyclesPerStep).toBe(report.timing.cyclesPerStep);
    expect(estimate.timing.latencyCycles).toBe(report.timing.latencyCycles);
    // The page states them at the analysis length, the model's 64 steps.
    expect(x.length).toBe(64);
    expect(page).toContain(`${report.timing.latencyCycles} cycles`);
  });

  it("loads nothing: no external URL, stylesheet link or script source", () => {
    expect(page).not.toMatch(/\b(src|href)="(?!data:|#)/);
    expect(page).not.toMatch(/<link\b/);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it("is the same bytes for the same chip", () => {
    expect(reportHtml(chipPath).html).toBe(page);
  });

  it("lists the modes pruned from the channels on each array", () => {
    const pruned = compile(weightsPath(NAME), { prune: "ratio:0.3" });
    if (pruned.emit !== "chip") throw new Error("expected a chip");
    const prunedPath = join(dir, "pruned.bin");
    writeFileSync(prunedPath, pruned.chip);
    const html = reportHtml(prunedPath).html;
    const first = pruned.reports.prune!.modes.filter((m) => m.layer === 0 && m.channel === 0);
    expect(first.length).toBeGreaterThan(0);
    expect(html).toContain(`l0.h0: modes ${first.map((m) => m.mode).join(", ")}`);
    expect(html).toContain('<table class="pruned-modes"');
    expect(readChip(pruned.chip).arrays.length).toBe(
      html.match(/<figure class="heatmap"/g)!.length,
    );
  });
});

describe("qs4dc report --html", () => {
  async function run(args: string[]): Promise<string | null> {
    const program = await buildProgram();
    program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    try {
      await program.parseAsync(args, { from: "user" });
      return null;
    } catch (error) {
      if (error instanceof Qs4dError) return error.diagnostic.code;
      throw error;
    }
  }

  it("writes the page and the usual report", async () => {
    const html = join(dir, "r.html");
    const text = join(dir, "r.txt");
    expect(await run(["report", chipPath, "--html", html, "-o", text])).toBeNull();
    expect(readFileSync(html, "utf8")).toBe(reportHtml(chipPath).html);
    expect(readFileSync(text, "utf8")).toContain("arrays");
  });

  it("refuses result files without --html, and a bad result file, writing nothing", async () => {
    const mc = file(
      "ok-mc.json",
      '{"runs":1,"noise":null,"accuracy":{"mean":1,"std":0,"min":1,"max":1}}',
    );
    expect(await run(["report", chipPath, "--mc", mc])).toBe("QS4D-E003");
    const html = join(dir, "never.html");
    const text = join(dir, "never.txt");
    expect(
      await run(["report", chipPath, "--html", html, "-o", text, "--mc", file("bad-mc.json", "[")]),
    ).toBe("QS4D-E850");
    expect(
      await run([
        "report",
        chipPath,
        "--html",
        html,
        "-o",
        text,
        "--sweep",
        file("bad.jsonl", "1\n"),
      ]),
    ).toBe("QS4D-E852");
    expect(existsSync(html) || existsSync(text)).toBe(false);
  });
});
