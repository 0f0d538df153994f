// Every `qs4dc ...` command in a code block of README.md and docs/*.md runs, so the docs
// cannot drift from the CLI: in a temp folder holding the files the docs name (model.onnx and
// its inputs.npy / labels.npy from fixtures/models/digits-qat8-h32n16-l2, examples/), the
// commands of each file in order (a chip.bin compiled by one is inspected by the next).
// A command exits 0 unless its line says `# exit N`. A code block after
// `<!-- docs-test: skip (REASON) -->` is not run; each skip must give its reason.

import {
  copyFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeNpy } from "../../src/util/npy.js";
import { type CliRun, qs4dcInProcess } from "../cli/in-process.js";
import { goldenInputs, goldenLabels } from "../sim/helpers.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const MODEL = "digits-qat8-h32n16-l2";
/** Samples in inputs.npy: enough for an accuracy, few enough to keep the suite short. */
const SAMPLES = 16;
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

interface DocCommand {
  readonly file: string;
  readonly line: number;
  readonly args: string[];
  readonly exit: number;
}

const SKIP = /<!-- docs-test: skip \((.*)\) -->\s*$/;

/** `npx qs4dc a b  # exit 1` -> args [a, b], exit 1; null for a line that is no qs4dc command. */
function parseLine(text: string): { args: string[]; exit: number } | null {
  const match = /(?:^|&&\s*|\s)(?:npx\s+)?qs4dc\s+(.*)$/.exec(text.trim());
  if (match === null || /^\s*(import|export)\b/.test(text)) return null;
  const [command = "", comment = ""] = match[1]!.split("#");
  const exit = /exit (\d)/.exec(comment);
  return { args: command.trim().split(/\s+/), exit: exit === null ? 0 : Number(exit[1]) };
}

/** The commands of the code blocks of `file`, and the reasons of its skipped blocks. */
function commandsOf(file: string): { commands: DocCommand[]; skips: string[] } {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const commands: DocCommand[] = [];
  const skips: string[] = [];
  let inBlock = false;
  let skipping = false;
  lines.forEach((text, i) => {
    if (text.startsWith("```")) {
      const skip = inBlock ? null : SKIP.exec(lines[i - 1] ?? "");
      if (skip !== null) skips.push(skip[1]!);
      skipping = !inBlock && skip !== null;
      inBlock = !inBlock;
      return;
    }
    const parsed = inBlock && !skipping ? parseLine(text) : null;
    if (parsed !== null) commands.push({ file, line: i + 1, ...parsed });
  });
  return { commands, skips };
}

const work = mkdtempSync(join(tmpdir(), "qs4dc-docs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh folder with the files the docs name. */
function workspace(name: string): string {
  const dir = join(work, name.replaceAll("/", "_"));
  cpSync(join(ROOT, "examples"), join(dir, "examples"), { recursive: true });
  copyFileSync(join(ROOT, "fixtures/models", MODEL, "model.onnx"), join(dir, "model.onnx"));
  const x = goldenInputs(MODEL, 0, SAMPLES);
  writeFileSync(
    join(dir, "inputs.npy"),
    writeNpy({ dtype: "float32", shape: [SAMPLES, 64, 1], data: x.data }),
  );
  const labels = goldenLabels(MODEL).slice(0, SAMPLES);
  writeFileSync(
    join(dir, "labels.npy"),
    writeNpy({ dtype: "int32", shape: [SAMPLES], data: labels }),
  );
  return dir;
}

/** qs4dc in-process in `dir`. */
async function runIn(dir: string, args: string[]): Promise<CliRun> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await qs4dcInProcess(args);
  } finally {
    process.chdir(cwd);
  }
}

describe("the commands the docs show", () => {
  const all = DOCS.map((file) => ({ file, ...commandsOf(file) }));

  it("README.md shows a command of every kind it documents, and skips say why", () => {
    const readme = all.find((d) => d.file === "README.md")!;
    const names = new Set(readme.commands.map((c) => c.args[0]));
    for (const name of ["compile", "inspect", "sim", "emulate", "verify", "run", "report", "diff"])
      expect(names.has(name), name).toBe(true);
    for (const { skips } of all)
      for (const reason of skips) expect(reason.length).toBeGreaterThan(20);
  });

  for (const { file, commands } of all.filter((d) => d.commands.length > 0)) {
    it(`${file}: ${commands.length} commands run`, async () => {
      const dir = workspace(file);
      for (const c of commands) {
        const { exit, stdout, stderr } = await runIn(dir, c.args);
        const where = `${c.file}:${c.line}: qs4dc ${c.args.join(" ")}`;
        expect(exit, `${where}\n${stdout}${stderr}`).toBe(c.exit);
      }
    });
  }
});
