// One mutation-fuzzing case: a seed file of one input kind mutated, then the real command line
// (runCli, in-process) run on it. The case is a finding when the exit code is not 0, 1 or 2,
// when an exit 2 carries no diagnostic code, when stderr shows a stack trace, when a file is
// left behind after a failure (or anything but the outputs after a success), when a file
// outside the case's folder changed, or when a written .npy holds a non-finite value.

import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { runCli } from "../../../src/cli/run-cli.js";
import { readNpy, writeNpy } from "../../../src/util/npy.js";
import { Rng } from "../rng.js";
import { mutateChip, mutateIrText, mutateNpy, mutateOnnx, mutateWeightsJson } from "./mutators.js";

export type InputKind = "weights.json" | "onnx" | "ir" | "npy" | "chip.bin";
export const INPUT_KINDS: readonly InputKind[] = ["weights.json", "onnx", "ir", "npy", "chip.bin"];

/** The seed files every case starts from, written once into `root/seeds`. */
export interface Corpus {
  readonly root: string;
  readonly files: Readonly<Record<InputKind, string>>;
  /** A valid input batch for the model and the chip. */
  readonly input: string;
  readonly seeds: Readonly<Record<InputKind, Uint8Array>>;
}

const MODEL = "fixtures/models/imssa-demo-float-h3n28-l1";

/** Writes the seeds (IR text and chip.bin made by qs4dc itself from the fixture). */
export async function buildCorpus(root: string): Promise<Corpus> {
  const dir = join(root, "seeds");
  mkdirSync(dir, { recursive: true });
  const files: Record<InputKind, string> = {
    "weights.json": join(dir, "weights.json"),
    onnx: join(dir, "model.onnx"),
    ir: join(dir, "model.qs4d"),
    npy: join(dir, "x.npy"),
    "chip.bin": join(dir, "chip.bin"),
  };
  writeFileSync(files["weights.json"], readFileSync(`${MODEL}/weights.json`));
  writeFileSync(files.onnx, readFileSync(`${MODEL}/model.onnx`));
  const data = Float64Array.from({ length: 2 * 32 }, (_, i) => Math.sin(i / 3));
  writeFileSync(files.npy, writeNpy({ dtype: "float64", shape: [2, 32, 1], data }));
  const quiet = () => {};
  const printed = await runCli(
    ["ir", files["weights.json"], "--print-tensors", "-o", files.ir],
    quiet,
  );
  const ideal = ["--target", "ideal", "-q"];
  const compiled = await silenced(() =>
    runCli(["compile", files["weights.json"], ...ideal, "-o", files["chip.bin"]], quiet),
  );
  if (printed !== 0 || compiled.value !== 0) throw new Error("the seed corpus could not be built");
  const seeds = Object.fromEntries(
    INPUT_KINDS.map((k) => [k, new Uint8Array(readFileSync(files[k]))]),
  ) as Record<InputKind, Uint8Array>;
  return { root, files, input: files.npy, seeds };
}

const MUTATORS: Readonly<Record<InputKind, (rng: Rng, bytes: Uint8Array) => Uint8Array>> = {
  "weights.json": mutateWeightsJson,
  onnx: mutateOnnx,
  ir: mutateIrText,
  npy: mutateNpy,
  "chip.bin": mutateChip,
};

const EXTENSION: Readonly<Record<InputKind, string>> = {
  "weights.json": "json",
  onnx: "onnx",
  ir: "qs4d",
  npy: "npy",
  "chip.bin": "bin",
};

interface Command {
  readonly argv: string[];
  /** Files the command writes on success. */
  readonly outputs: string[];
}

/** The command a case runs on its mutated file `file`, its outputs inside `dir`. */
function commandFor(rng: Rng, kind: InputKind, file: string, dir: string, corpus: Corpus): Command {
  const y = join(dir, "y.npy");
  const report = join(dir, "report.json");
  const ideal = ["--target", "ideal", "-q"];
  if (kind === "npy") {
    return rng.chance(0.5)
      ? { argv: ["run", corpus.files["weights.json"], "--input", file, "-o", y], outputs: [y] }
      : {
          argv: [
            "sim",
            corpus.files["chip.bin"],
            "--input",
            file,
            "-o",
            y,
            "--report",
            report,
            "-q",
          ],
          outputs: [y, report],
        };
  }
  if (kind === "chip.bin") {
    return rng.chance(0.8)
      ? {
          argv: ["sim", file, "--input", corpus.input, "-o", y, "--report", report, "-q"],
          outputs: [y, report],
        }
      : { argv: ["inspect", file, "--json"], outputs: [] };
  }
  const choice = rng.weighted<"ir" | "run" | "compile" | "emulate">([
    ["ir", 5],
    ["run", 4],
    ["compile", 0.5],
    ["emulate", 0.5],
  ]);
  switch (choice) {
    case "ir": {
      const out = join(dir, "out.qs4d");
      return { argv: ["ir", file, "-o", out], outputs: [out] };
    }
    case "run":
      return { argv: ["run", file, "--input", corpus.input, "-o", y], outputs: [y] };
    case "compile": {
      const chip = join(dir, "chip.bin");
      return {
        argv: ["compile", file, ...ideal, "-o", chip, "--report", report],
        outputs: [chip, report],
      };
    }
    default:
      return {
        argv: ["emulate", file, "--target", "ideal", "--input", corpus.input, "-o", y],
        outputs: [y],
      };
  }
}

export interface CaseResult {
  readonly index: number;
  readonly kind: InputKind;
  readonly argv: readonly string[];
  readonly exit: number;
  /** The first diagnostic code on stderr, or null. */
  readonly code: string | null;
  /** What is wrong, or null for a clean case. */
  readonly finding: string | null;
  readonly stderr: string;
}

/** Runs `run` with process.stdout and process.stderr captured (commands print there too). */
async function silenced<T>(run: () => Promise<T>): Promise<{ value: T; printed: string }> {
  let printed = "";
  const out = process.stdout.write;
  const err = process.stderr.write;
  const capture = ((chunk: unknown) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    return { value: await run(), printed };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Size and modification time of each seed: a case must change none of them. */
function seedStamp(corpus: Corpus): string {
  return INPUT_KINDS.map((k) => {
    const s = statSync(corpus.files[k]);
    return `${s.size}:${s.mtimeMs}`;
  }).join(",");
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

function nonFiniteNpy(path: string): boolean {
  const { data } = readNpy(path);
  return !(data instanceof Float32Array || data instanceof Float64Array)
    ? false
    : !data.every(Number.isFinite);
}

function findingOf(
  result: Omit<CaseResult, "finding">,
  dir: string,
  input: string,
  command: Command,
): string | null {
  if (![0, 1, 2].includes(result.exit)) return `exit ${result.exit}`;
  if (result.exit === 2 && result.code === null) return "exit 2 without a code";
  if (STACK_LINE.test(result.stderr)) return "stack trace on stderr";
  const allowed = new Set([input, ...(result.exit === 0 ? command.outputs : [])]);
  const extra = readdirSync(dir)
    .map((n) => join(dir, n))
    .filter((p) => !allowed.has(p));
  if (extra.length > 0)
    return `left behind: ${extra.map((p) => p.slice(dir.length + 1)).join(", ")}`;
  if (result.exit === 0) {
    const npy = command.outputs.filter((p) => p.endsWith(".npy"));
    if (npy.some(nonFiniteNpy)) return "a non-finite value written to a .npy output";
  }
  return null;
}

/** Case `index` of the run seeded `seed`: the same pair always builds the same case. */
export async function runMutationCase(
  corpus: Corpus,
  seed: number,
  index: number,
): Promise<CaseResult> {
  const rng = new Rng(seed, index);
  const kind = rng.pick(INPUT_KINDS);
  const bytes = MUTATORS[kind](rng, corpus.seeds[kind]);
  const dir = mkdtempSync(join(corpus.root, "case-"));
  const input = join(dir, `input.${EXTENSION[kind]}`);
  writeFileSync(input, bytes);
  const command = commandFor(rng, kind, input, dir, corpus);
  const before = seedStamp(corpus);
  let errors = "";
  const { value: exit, printed } = await silenced(() =>
    runCli(command.argv, (text) => {
      errors += text;
    }),
  );
  const stderr = errors + printed;
  const code = /error (QS4D-E\d{3})/.exec(stderr)?.[1] ?? null;
  const partial = { index, kind, argv: command.argv, exit, code, stderr };
  let finding = findingOf(partial, dir, input, command);
  if (finding === null && seedStamp(corpus) !== before)
    finding = "a seed file outside the case changed";
  rmSync(dir, { recursive: true, force: true });
  return { ...partial, finding };
}

/** The mutated file of a case, to keep a finding as a regression case. */
export function mutatedInput(
  corpus: Corpus,
  seed: number,
  index: number,
): { kind: InputKind; bytes: Uint8Array } {
  const rng = new Rng(seed, index);
  const kind = rng.pick(INPUT_KINDS);
  return { kind, bytes: MUTATORS[kind](rng, corpus.seeds[kind]) };
}

export function newRoot(parent: string): string {
  return mkdtempSync(join(parent, "qs4dc-mutate-"));
}
