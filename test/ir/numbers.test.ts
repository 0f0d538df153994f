import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { f32, f64, i32 } from "../../src/ir/tensor.js";
import { dataDigest, formatF32, formatF64 } from "../../src/ir/text/index.js";

describe("float printing", () => {
  it("prints float32 values as their shortest round-tripping decimal", () => {
    const cases: [number, string][] = [
      [0.1, "0.1"],
      [1 / 3, "0.33333334"],
      [Math.PI, "3.1415927"],
      [1e-45, "1e-45"], // smallest subnormal
      [3.4028234663852886e38, "3.4028235e+38"], // largest float32
      [16777216, "16777216"],
      [16777218, "16777218"],
      [-0.25, "-0.25"],
      [-0, "-0"],
      [Number.POSITIVE_INFINITY, "inf"],
      [Number.NEGATIVE_INFINITY, "-inf"],
      [Number.NaN, "nan"],
    ];
    for (const [x, text] of cases) expect(formatF32(Math.fround(x))).toBe(text);
  });

  it("prints float64 values as String(x) does, with -0, inf and nan spelled out", () => {
    expect(formatF64(0.1)).toBe("0.1");
    expect(formatF64(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(formatF64(5e-324)).toBe("5e-324");
    expect(formatF64(1e21)).toBe("1e+21");
    expect(formatF64(-0)).toBe("-0");
    expect(formatF64(Number.NEGATIVE_INFINITY)).toBe("-inf");
  });

  it("float32 text parses back to the same bits and no shorter decimal would", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        const text = formatF32(x);
        const back = text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text);
        expect(Object.is(Math.fround(back), x)).toBe(true);
        const digits = text.replace(/^-/, "").replace(/e.*$/, "").replace(".", "");
        const significant = digits.replace(/^0+/, "").replace(/0+$/, "");
        if (Number.isFinite(x) && significant.length > 1) {
          const shorter = Number(x.toPrecision(significant.length - 1));
          expect(Math.fround(shorter) === x).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("float64 text parses back to the same bits", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const text = formatF64(x);
        const back = text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text);
        expect(Object.is(back, x)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("tensor digest", () => {
  it("is the SHA-256 of the little-endian bytes", () => {
    // 1.0f = 0x3f800000, -2.0f = 0xc0000000, written little-endian by hand.
    const bytes = Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    const expected = createHash("sha256").update(bytes).digest("hex");
    expect(dataDigest(f32([2], [1, -2]).data!)).toBe(expected);
    const intBytes = Buffer.from([0x01, 0x02, 0x03, 0x04]);
    expect(dataDigest(i32([1], [0x04030201]).data!)).toBe(
      createHash("sha256").update(intBytes).digest("hex"),
    );
  });

  it("depends on the dtype, not only on the values", () => {
    expect(dataDigest(f32([1], [1]).data!)).not.toBe(dataDigest(f64([1], [1]).data!));
  });
});
