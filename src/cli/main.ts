#!/usr/bin/env node

// qs4dc command line. Each command lives in commands/<name>.ts and is listed in
// commands/index.ts. Errors end in run-cli.ts: coded diagnostics exit 2 (or their own code),
// anything else is an internal error, exit 3.

import { runCli } from "./run-cli.js";

// `qs4dc inspect chip.bin | head` or `qs4dc verify ... 2>&1 | head -1` closes our stdout or
// stderr early: the rest of the output is not wanted, and the exit code stays the run's own
// (2 for a bad input), not an uncaught EPIPE's 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
