// The real command line in-process (runCli) with what it writes captured: its exit code, its
// stdout, and its stderr (coded diagnostics and summaries).

import { vi } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";

export interface CliRun {
  readonly exit: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function qs4dcInProcess(args: readonly string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const exit = await runCli(args, (text) => {
      stderr += text;
    });
    return { exit, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
