import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { VERSION } from "../src/version.js";

it("src/version.ts matches package.json", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  expect(VERSION).toBe(pkg.version);
});

// The installed binary (package.json's bin, built by `npm ci` through `prepare`) answers
// --version from its fast path, before any command loads, and the same way as commander would.
it.each(["--version", "-V"])("qs4dc %s prints the version alone, exit 0", (flag) => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const main = fileURLToPath(new URL(`../${pkg.bin.qs4dc}`, import.meta.url));
  const r = spawnSync(process.execPath, [main, flag], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe(`${VERSION}\n`);
  expect(r.status).toBe(0);
});
