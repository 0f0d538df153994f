#!/usr/bin/env node

// qs4dc command line. Each command lives in commands/<name>.ts and registers itself in
// commands/index.ts. Errors end in run-cli.ts: coded diagnostics exit 2 (or their own code),
// anything else is an internal error, exit 3.

import { runCli } from "./run-cli.js";

// `qs4dc inspect chip.bin | head` closes our stdout early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
