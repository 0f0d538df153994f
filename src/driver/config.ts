// The project config, qs4dc.config.json (docs/config.md, schemas/config.schema.json): defaults
// for the lowering options of the CLI, the JS API and the build plugin, found by walking up
// from a folder as other tools find theirs. Paths in it are relative to the file; what the
// command line or the caller gives overrides it.

import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import configSchema from "../../schemas/config.schema.json" with { type: "json" };
import { builtinTarget } from "../target/load.js";
import { readJsonFile, schemaCheck } from "./json-file.js";
import type { LoweringChoices } from "./pass-options.js";

export const CONFIG_FILE = "qs4dc.config.json";

export interface ProjectConfig extends LoweringChoices {
  /** A built-in target name, or a target file (resolved against the config's folder). */
  readonly target?: string;
  /** Calibration inputs and labels .npy (resolved against the config's folder). */
  readonly calib?: string;
  readonly calibLabels?: string;
}

const checkConfig = schemaCheck(configSchema, "QS4D-E877");

/** The nearest qs4dc.config.json in `from` or a folder above it, or null. */
export function findConfig(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    const file = join(dir, CONFIG_FILE);
    if (existsSync(file)) return file;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** A config file read, checked, and its paths resolved against its folder. */
export function readConfig(file: string): ProjectConfig {
  const json = readJsonFile(file);
  checkConfig(json, file);
  const { $schema: _schema, ...config } = json as ProjectConfig & { $schema?: string };
  const at = (path: string) => (isAbsolute(path) ? path : join(dirname(file), path));
  return {
    ...config,
    ...(config.target === undefined
      ? {}
      : { target: builtinTarget(config.target) === undefined ? at(config.target) : config.target }),
    ...(config.calib === undefined ? {} : { calib: at(config.calib) }),
    ...(config.calibLabels === undefined ? {} : { calibLabels: at(config.calibLabels) }),
  };
}

/** The defaults of the config found from `from` (none: no defaults). */
export function projectConfig(from: string): ProjectConfig {
  const file = findConfig(from);
  return file === null ? {} : readConfig(file);
}

/** `given` over the config's defaults: a key given (not undefined) wins. */
export function withConfig<T extends object>(config: ProjectConfig, given: T): ProjectConfig & T {
  const defined = Object.entries(given).filter(([, value]) => value !== undefined);
  return { ...config, ...Object.fromEntries(defined) } as ProjectConfig & T;
}
