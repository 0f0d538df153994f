// The manifest's pass reports read back with their pass report types (src/passes/reports.ts):
// what chip.bin stores is what the passes reported, every pass's report is there, and a
// report not of the shape this compiler writes reads as null instead of as a wrong type.

import { describe, expect, it } from "vitest";
import { chipBytes } from "../../src/driver/artifact.js";
import type { ChipManifest } from "../../src/emit/chip-image.js";
import { readChip } from "../../src/emit/chip-read.js";
import { DEFAULT_PIPELINE } from "../../src/passes/pipeline.js";
import { REGISTRY } from "../../src/passes/registry.js";
import { REPORTING_PASSES } from "../../src/passes/reports.js";
import { manifestReports } from "../../src/report/manifest-reports.js";
import { lowerFixture } from "../emit/fixtures.js";

function compiled(model: string) {
  const fixture = lowerFixture(model, "imssa-64");
  const bytes = chipBytes(fixture.lowered, fixture.source);
  return { reports: fixture.lowered.reports, manifest: readChip(bytes, `${model}.bin`).manifest };
}

/** A manifest with its reports replaced. */
function withReports(manifest: ChipManifest, reports: ChipManifest["reports"]): ChipManifest {
  return { ...manifest, reports };
}

describe("manifest reports", () => {
  it("lists every registered pass, and every pass of the default pipeline writes its report", () => {
    expect(REPORTING_PASSES).toEqual(REGISTRY.passes.map((p) => p.name));
    const { reports } = compiled("qs4d-digits-qat-h32n16-l2");
    expect([...reports.keys()]).toEqual([...DEFAULT_PIPELINE]);
  });

  it.each(["qs4d-digits-qat-h32n16-l2", "kernelonly-digits-h32n16-l2"])(
    "%s: each report read back equals the one the pass wrote",
    (model) => {
      const { reports, manifest } = compiled(model);
      const typed = manifestReports(manifest);
      for (const pass of REPORTING_PASSES) {
        const written = reports.get(pass) as Record<string, unknown>;
        const expected =
          pass === "requantize" ? { ...written, params: undefined } : (written as unknown);
        // JSON's view of it: typed arrays as arrays, undefined fields dropped.
        expect(typed[pass], pass).toEqual(jsonView(expected));
      }
      // Non-finite numbers come back as numbers (an exact tensor's SQNR is Infinity).
      const sqnr = typed.requantize!.layers.flatMap((l) => l.tensors.map((t) => t.sqnrDb));
      expect(sqnr.every((x) => typeof x === "number")).toBe(true);
    },
  );

  it("a report not of the shape this compiler writes reads as null, the others as theirs", () => {
    const { manifest } = compiled("qs4d-digits-qat-h32n16-l2");
    const broken = withReports(manifest, {
      ...manifest.reports,
      tile: { arrays: 3 },
      prune: "pruned",
      discretize: null,
    });
    const typed = manifestReports(broken);
    expect([typed.tile, typed.prune, typed.discretize]).toEqual([null, null, null]);
    expect(typed["layout-imssa"]).not.toBeNull();
    const empty = manifestReports(withReports(manifest, {}));
    expect(Object.values(empty).every((r) => r === null)).toBe(true);
  });

  it("a requantize report from before the precision analysis reads, without it", () => {
    const { manifest } = compiled("qs4d-digits-qat-h32n16-l2");
    const stored = manifest.reports.requantize as { layers: Record<string, unknown>[] };
    const legacy = {
      ...stored,
      accuracy: undefined,
      layers: stored.layers.map(({ precision: _, ...rest }) => rest),
    };
    const typed = manifestReports(
      withReports(
        manifest,
        JSON.parse(JSON.stringify({ ...manifest.reports, requantize: legacy })),
      ),
    );
    expect(typed.requantize).not.toBeNull();
    expect(typed.requantize!.layers.every((l) => l.precision === undefined)).toBe(true);
    expect(typed.requantize!.accuracy).toBeUndefined();
  });
});

/** A value as JSON sees it (typed arrays as arrays, undefined fields dropped), numbers kept. */
function jsonView(value: unknown): unknown {
  const NON_FINITE = "\u0000non-finite:";
  const text = JSON.stringify(value, (_, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return `${NON_FINITE}${String(v)}`;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  });
  return JSON.parse(text, (_, v: unknown) =>
    typeof v === "string" && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v,
  );
}
