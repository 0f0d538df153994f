// The HTML report in headless Chromium (Debian's `chromium`, which .ci/run installs; driven by
// playwright-core): the page of a chip with Monte Carlo results from the simulator and a sweep
// renders without a console or page error, shows one decoded heatmap per array, the level
// histograms, the tables and the plots; the zoom view opens and names the cell under the
// pointer. A screenshot is saved to test-results/report.png (git-ignored) for a person to see.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulate } from "../../src/api.js";
import { buildProgram } from "../../src/cli/program.js";
import { compiled, goldenInputs, goldenLabels } from "../sim/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const RESULTS = new URL("../../test-results/", import.meta.url).pathname;
const NAME = "digits-qat8-h32n16-l2";
const NOISE = [0.01, 0.03, 0.06];

const dir = mkdtempSync(join(tmpdir(), "qs4dc-html-browser-"));
const profile = mkdtempSync(join(tmpdir(), "qs4dc-chromium-"));
let context: BrowserContext;

beforeAll(async () => {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    // The machine's network is closed: nothing that would reach out.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

/** The page of the test chip with Monte Carlo reports at three noise levels and a sweep. */
async function writeReport(): Promise<string> {
  const chip = compiled(NAME, "imssa-64");
  const chipPath = join(dir, "chip.bin");
  writeFileSync(chipPath, chip.bytes);
  const x = goldenInputs(NAME, 0, 8);
  const labels = goldenLabels(NAME).slice(0, 8);
  const mc: string[] = [];
  for (const prog of NOISE) {
    const { report } = await simulate(chip.bytes, x.data, [8, x.length, x.dIn], {
      noise: `prog=${prog}`,
      runs: 2,
      labels,
      threads: 1,
    });
    mc.push(join(dir, `mc-${prog}.json`));
    writeFileSync(mc.at(-1)!, JSON.stringify(report));
  }
  // A sweep in the shape `qs4dc sweep` writes: axis values under `point`, numeric results.
  const sweep = [6, 7, 8, 10].map((adcBits, i) =>
    JSON.stringify({
      point: { adcBits },
      accuracy: [0.25, 0.53, 0.94, 0.94][i],
      cells: 7870,
      arrays: 64,
      cycles: 90 + adcBits,
      energy: 1e6 * adcBits,
    }),
  );
  const sweepPath = join(dir, "sweep.jsonl");
  writeFileSync(sweepPath, `${sweep.join("\n")}\n`);
  const html = join(dir, "report.html");
  const program = await buildProgram();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const args = [
    "report",
    chipPath,
    "--html",
    html,
    "-o",
    join(dir, "report.txt"),
    "--sweep",
    sweepPath,
  ];
  await program.parseAsync([...args, ...mc.flatMap((f) => ["--mc", f])], { from: "user" });
  return html;
}

describe("the HTML report in Chromium", () => {
  it("renders every section without an error, and the zoom view names the cell", async () => {
    const html = await writeReport();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
    // Any request other than the file itself would be the page loading something.
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("data:")) requests.push(r.url());
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: "load" });

    const arrays = compiled(NAME, "imssa-64").chip.arrays;
    expect(await page.locator("figure.heatmap").count()).toBe(arrays.length);
    // Every heatmap's PNG decoded, at one pixel per cell.
    const sizes = await page.$$eval("figure.heatmap img", (imgs) =>
      imgs.map((element) => {
        // The test's types have no DOM: the fields of an HTMLImageElement it reads.
        const img = element as unknown as {
          complete: boolean;
          naturalWidth: number;
          naturalHeight: number;
        };
        return img.complete ? `${img.naturalWidth}x${img.naturalHeight}` : "not loaded";
      }),
    );
    expect(sizes).toEqual(arrays.map((a) => `${a.cols}x${a.rows}`));
    expect(await page.locator("svg.histogram").count()).toBe(2);
    for (const table of [
      "quant-layers",
      "precision-bits-table",
      "cost",
      "timing",
      "energy",
      "noise-results",
      "sweep-points",
    ])
      expect(await page.locator(`table.${table}`).count(), table).toBe(1);
    for (const chart of [
      "precision-bits",
      "worst-modes",
      "cost-chart",
      "energy-chart",
      "noise-plot",
      "pareto-energy",
      "pareto-cells",
    ])
      expect(await page.locator(`svg.${chart}`).count(), chart).toBe(1);
    // Three noise levels, two series (mean and min): six markers.
    expect(await page.locator("svg.noise-plot circle").count()).toBe(2 * NOISE.length);
    // The Pareto front of the sweep against energy: 6 bits (cheapest), 7 bits and 8 bits; 10
    // bits is no more accurate than 8 and costs more.
    expect(await page.locator("svg.pareto-energy path.line").count()).toBe(1);
    expect(await page.locator("svg.pareto-energy circle").count()).toBe(4 + 3);

    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "report.png") });

    await page.locator("figure.heatmap").first().click();
    await expect.poll(() => page.locator("#viewer").isVisible()).toBe(true);
    const box = (await page.locator("#viewer canvas").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -200);
    await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2 + 1);
    expect(await page.locator("#viewer .tip").textContent()).toMatch(
      /^row \d+ \(.*\), column \d+ \(.*\): /,
    );
    await page.screenshot({ path: join(RESULTS, "report-zoom.png") });
    await page.keyboard.press("Escape");
    expect(await page.locator("#viewer").isVisible()).toBe(false);

    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    await page.close();
  }, 120_000); // three Monte Carlo simulations and a browser, on a shared machine
});
