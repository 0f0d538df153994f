// The status line of long steps (src/cli/progress.ts): nothing when stderr is no terminal; on a
// terminal the step's name before it runs, erased after a short step, kept with its time after
// one of LONG_STEP_SECONDS or more.

import { afterEach, describe, expect, it, vi } from "vitest";
import { LONG_STEP_SECONDS, step } from "../../src/cli/progress.js";

function captured(isTTY: boolean, seconds: number): { value: number; written: string } {
  let written = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    written += String(chunk);
    return true;
  });
  const tty = process.stderr.isTTY;
  process.stderr.isTTY = isTTY;
  const clock = vi.spyOn(performance, "now");
  clock.mockReturnValueOnce(1000).mockReturnValueOnce(1000 + seconds * 1000);
  try {
    return { value: step("lowering", () => 42), written };
  } finally {
    process.stderr.isTTY = tty;
  }
}

describe("step", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes nothing when stderr is not a terminal", () => {
    expect(captured(false, 5)).toEqual({ value: 42, written: "" });
  });

  it("erases the line of a short step", () => {
    expect(captured(true, 0.1)).toEqual({ value: 42, written: "qs4dc: lowering...\r\x1b[K" });
  });

  it("keeps the line of a long step with its time", () => {
    const { written } = captured(true, LONG_STEP_SECONDS + 1.04);
    expect(written).toBe(`qs4dc: lowering... ${(LONG_STEP_SECONDS + 1.04).toFixed(1)} s\n`);
  });
});
