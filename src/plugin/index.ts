// qs4dc as a build step (unplugin: vite, rollup, esbuild, webpack, ...). Importing a model with
// the `?chip` query, or a file the `include` option matches, compiles it when the bundle is
// built and gives a module
//   export default <Uint8Array: the chip.bin bytes>;  export const manifest = { ... };
// The bytes are those `qs4dc compile MODEL -o chip.bin` writes with the same options (the same
// compile() call), embedded as base64: the module text depends on nothing but the model and
// the options. A coded compile error fails the build with the diagnostic's text. The project's
// qs4dc.config.json (found from the current folder up) gives the defaults unless `config` says
// otherwise (false: none; a path: that file); the plugin's own options override it.

import { dirname, resolve } from "node:path";
import { createUnplugin, type FilterPattern } from "unplugin";
import { type ChipManifest, type CompileOptions, compile, findProjectConfig } from "../api.js";

export interface Qs4dcPluginOptions
  extends Pick<CompileOptions, "target" | "prune" | "calib" | "calibLabels" | "config"> {
  /** Model files compiled when imported without `?chip` (e.g. /\.onnx$/); none by default. */
  readonly include?: FilterPattern;
  /** Files never compiled, `?chip` imports included. */
  readonly exclude?: FilterPattern;
}

const CHIP_QUERY = /\?chip$/;

function chipModule(chip: Uint8Array, manifest: ChipManifest): string {
  return [
    `const base64 = ${JSON.stringify(Buffer.from(chip).toString("base64"))};`,
    "const chip = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));",
    "export default chip;",
    `export const manifest = ${JSON.stringify(manifest)};`,
    "",
  ].join("\n");
}

function patterns(pattern: FilterPattern | undefined): (string | RegExp)[] {
  if (pattern === undefined) return [];
  return Array.isArray(pattern) ? pattern : [pattern];
}

export const qs4dcPlugin = createUnplugin((options: Qs4dcPluginOptions | undefined) => {
  const { include, exclude, config = true, ...rest } = options ?? {};
  const compileOptions = { ...rest, config };
  return {
    name: "qs4dc",
    // Before the bundlers' own handling of queries and of .json files.
    enforce: "pre",
    resolveId: {
      filter: { id: CHIP_QUERY },
      handler(id, importer) {
        const base = importer === undefined ? process.cwd() : dirname(importer);
        return `${resolve(base, id.replace(CHIP_QUERY, ""))}?chip`;
      },
    },
    load: {
      filter: {
        id: { include: [CHIP_QUERY, ...patterns(include)], exclude: patterns(exclude) },
      },
      handler(id) {
        const file = id.replace(CHIP_QUERY, "");
        const configFile = config === true ? findProjectConfig(process.cwd()) : config;
        for (const input of [file, compileOptions.calib, compileOptions.calibLabels, configFile]) {
          if (typeof input === "string") this.addWatchFile(input);
        }
        const { chip, manifest } = compile(file, { ...compileOptions, emit: "chip" });
        // rolldown (vite) would read a .json file as JSON without the module type.
        const result = { code: chipModule(chip, manifest), moduleType: "js" };
        return result;
      },
    },
    // The module is JavaScript whatever the model file's extension (esbuild: .json is JSON).
    esbuild: { loader: "js" },
  };
});

export const { esbuild, rollup, vite, webpack } = qs4dcPlugin;
export default qs4dcPlugin;
