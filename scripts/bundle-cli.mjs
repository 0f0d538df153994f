// The qs4dc command line bundled for node20 (`npm run build`, after tsc), so that starting it
// reads a few dozen files instead of about a thousand. Writes dist/cli/: qs4dc.js (the bin),
// one chunk per command's module graph, loaded when the command runs through the dynamic
// imports of src/cli/commands/index.ts, chunks they share, and the worker threads' entry
// points. All in one folder: the code that starts a worker finds it as
// `new URL("./NAME.js", import.meta.url)`, beside the module it runs in, here as beside
// tsc's output in dist/src/ (tests run the source, where the same code starts the .ts through
// tsx). The library exports (api, plugin, testing) stay tsc's output. Deterministic: the same
// sources give the same files, names included (the chunk names are content hashes).

import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = "dist/cli";

/** Output name (without .js) -> source; each worker under the name its spawner looks for. */
const ENTRIES = {
  qs4dc: "src/cli/main.ts",
  worker: "src/sim/worker.ts", // started by src/sim/monte-carlo.ts
  "calibrate-worker": "src/driver/calibrate-worker.ts", // by src/driver/calibrate-workers.ts
  "emulate-worker": "src/emulate/emulate-worker.ts", // by src/emulate/batch.ts
  "run-worker": "src/run/run-worker.ts", // by src/run/batch.ts
};

/** A line of chevrotain's one-file build's license header (lodash-es, bundled into it). */
const CHEVROTAIN_LICENSE = "Lodash (Custom Build)";

rmSync(`${ROOT}${OUT}`, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: OUT,
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // chevrotain's package exports name its multi-file build (about 700 modules with lodash-es,
  // ~0.5 s to load); its one-file build, shipped in the same package, loads in a tenth of that.
  alias: { chevrotain: "./node_modules/chevrotain/lib/chevrotain.mjs" },
  // The CommonJS dependencies (commander, ajv, protobufjs, cli-progress) require node's own
  // modules, and an ES module has no `require`.
  banner: {
    js: 'import { createRequire as qs4dcCreateRequire } from "node:module";\nconst require = qs4dcCreateRequire(import.meta.url);',
  },
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});
chmodSync(`${ROOT}${OUT}/qs4dc.js`, 0o755);
// tsc's CLI entry was the bin before the bundle, and stays runnable: `npx qs4dc` caches a
// project's bin path per folder (~/.npm/_npx), so a checkout that ran it before still calls it.
chmodSync(`${ROOT}dist/src/cli/main.js`, 0o755);

const outputs = Object.keys(metafile.outputs).filter((file) => file.endsWith(".js"));
if (!outputs.some((file) => readFileSync(`${ROOT}${file}`, "utf8").includes(CHEVROTAIN_LICENSE)))
  throw new Error(`bundle-cli: chevrotain's license header ("${CHEVROTAIN_LICENSE}") was dropped`);
writeFileSync(`${ROOT}${OUT}/THIRD-PARTY-LICENSES.txt`, licenses(Object.keys(metafile.inputs)));

/** The license files of the packages bundled, each under its name, in name order. */
function licenses(inputs) {
  const packages = new Set();
  for (const input of inputs) {
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match !== null) packages.add(match[1]);
  }
  const texts = [...packages].sort().map((name) => {
    const dir = `${ROOT}node_modules/${name}/`;
    const file = readdirSync(dir)
      .sort()
      .find((f) => /^licen[cs]e/i.test(f));
    if (file === undefined) throw new Error(`bundle-cli: ${name} has no license file`);
    return `== ${name}\n\n${readFileSync(dir + file, "utf8").trim()}\n`;
  });
  return `The qs4dc command line (dist/cli/) bundles these packages:\n\n${texts.join("\n")}`;
}
