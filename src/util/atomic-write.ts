// Every file a command writes goes through writeOutputs, as one transaction: all the outputs
// are checked, then written beside their targets under temporary names, then renamed into
// place; a failure at any step removes what this call created and restores what it moved
// aside, so a command leaves all its outputs or none. Nothing is replaced by another kind of
// thing (a folder by a file or the reverse), and a non-empty folder only with `force`.
// Every filesystem error is the coded QS4D-E002 naming the output.

import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fail } from "../diag/error.js";

export type OutputData = string | Uint8Array;

/** One file, or one folder of named files (which replaces the folder's whole content). */
export type Output =
  | { readonly path: string; readonly data: OutputData }
  | {
      readonly path: string;
      readonly files: ReadonlyMap<string, OutputData>;
      /** Replace an existing non-empty folder (the user's explicit --force). */
      readonly force?: boolean;
    };

function tempPathFor(path: string, role: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.${role}`);
}

function cannotWrite(file: string, error: unknown): never {
  return fail("QS4D-E002", { file, reason: (error as Error).message }, { file });
}

/** What is at `path` now: nothing, a folder (empty or not) or a file. */
function kindAt(path: string): "none" | "empty folder" | "folder" | "file" {
  try {
    if (!statSync(path).isDirectory()) return "file";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "none";
    return cannotWrite(path, error);
  }
  try {
    return readdirSync(path).length === 0 ? "empty folder" : "folder";
  } catch (error) {
    return cannotWrite(path, error);
  }
}

/** Where an output goes and what it is, before its content exists. */
export interface OutputPlan {
  readonly path: string;
  readonly folder: boolean;
  /** A folder output may replace an existing non-empty folder (--force). */
  readonly force?: boolean;
}

function planOf(output: Output): OutputPlan {
  return "data" in output
    ? { path: output.path, folder: false }
    : { path: output.path, folder: true, force: output.force === true };
}

/** Each output's folder exists and its path takes this kind of output. */
function checkOutput(output: OutputPlan): void {
  const folder = dirname(output.path);
  const parent = kindAt(folder);
  if (parent === "none") cannotWrite(output.path, new Error(`no folder '${folder}'`));
  if (parent === "file") cannotWrite(output.path, new Error(`'${folder}' is a file, not a folder`));
  const existing = kindAt(output.path);
  const file = output.path;
  if (!output.folder) {
    if (existing === "folder" || existing === "empty folder") {
      fail("QS4D-E064", { file, found: "a folder", expected: "a file" }, { file });
    }
  } else if (existing === "file") {
    fail("QS4D-E064", { file, found: "a file", expected: "a folder" }, { file });
  } else if (existing === "folder" && output.force !== true) {
    fail("QS4D-E063", { file }, { file });
  }
}

/**
 * The checks writeOutputs makes first, for a command to make before its work: a long run
 * then does not end on a mistyped output path. writeOutputs checks again (things change).
 */
export function checkOutputs(outputs: readonly OutputPlan[]): void {
  const seen = new Set<string>();
  for (const output of outputs) {
    const key = resolve(output.path);
    if (seen.has(key)) fail("QS4D-E066", { file: output.path }, { file: output.path });
    seen.add(key);
    checkOutput(output);
  }
}

function stage(output: Output, temp: string): void {
  if ("data" in output) {
    writeFileSync(temp, output.data, { flag: "wx" });
    return;
  }
  mkdirSync(temp);
  for (const [name, data] of output.files) writeFileSync(join(temp, name), data, { flag: "wx" });
}

function remove(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Best effort while undoing: the original error is the one to report.
  }
}

interface Placed {
  readonly path: string;
  /** Where what was at `path` before waits until the commit is done, or null. */
  readonly aside: string | null;
  /** Whether the new output is at `path` yet. */
  done: boolean;
}

/** Puts back what `commit` moved, newest first, and removes every staged output. */
function rollBack(placed: readonly Placed[], temps: readonly string[]): void {
  for (const { path, aside, done } of [...placed].reverse()) {
    if (done) remove(path);
    if (aside !== null) renameSync(aside, path);
  }
  for (const temp of temps) remove(temp);
}

/**
 * Keeps what is at `path` under a temporary name until the commit is done; null when there is
 * nothing. A file is kept as a second link (or a copy), so that `path` never goes missing and
 * a concurrent command writing the same file still finds it; a folder is moved aside.
 */
function setAside(path: string): string | null {
  const kind = kindAt(path);
  if (kind === "none") return null;
  const aside = tempPathFor(path, "old");
  if (kind !== "file") renameSync(path, aside);
  else {
    try {
      linkSync(path, aside);
    } catch {
      copyFileSync(path, aside);
    }
  }
  return aside;
}

/** Moves each staged output into place; on failure puts everything back as it was. */
function commit(outputs: readonly Output[], temps: readonly string[]): void {
  const placed: Placed[] = [];
  for (const [i, output] of outputs.entries()) {
    try {
      const aside = setAside(output.path);
      const entry: Placed = { path: output.path, aside, done: false };
      placed.push(entry);
      renameSync(temps[i]!, output.path);
      entry.done = true;
    } catch (error) {
      rollBack(placed, temps);
      cannotWrite(output.path, error);
    }
  }
  for (const { aside } of placed) if (aside !== null) remove(aside);
}

/** Writes every output or none (see the top of this file). */
export function writeOutputs(outputs: readonly Output[]): void {
  checkOutputs(outputs.map(planOf));
  const temps = outputs.map((o) => tempPathFor(o.path, "tmp"));
  outputs.forEach((output, i) => {
    try {
      stage(output, temps[i]!);
    } catch (error) {
      for (const temp of temps) remove(temp);
      cannotWrite(output.path, error);
    }
  });
  commit(outputs, temps);
}

export function writeFileAtomic(path: string, data: OutputData): void {
  writeOutputs([{ path, data }]);
}
