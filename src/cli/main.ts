#!/usr/bin/env node

// qs4dc command line. Each command lives in commands/<name>.ts and is listed in
// commands/index.ts. Errors end in run-cli.ts: coded diagnostics exit 2 (or their own code),
// anything else is an internal error, exit 3.

import { VERSION } from "../version.js";

// `qs4dc inspect chip.bin | head` or `qs4dc verify ... 2>&1 | head -1` closes our stdout or
// stderr early: the rest of the output is not wanted, and the exit code stays the run's own
// (2 for a bad input), not an uncaught EPIPE's 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  // What scripts call most often, answered before any command module (or commander) loads.
  process.stdout.write(`${VERSION}\n`);
} else {
  const { runCli } = await import("./run-cli.js");
  process.exitCode = await runCli(argv);
}
