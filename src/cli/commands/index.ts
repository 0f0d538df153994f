// The commands, one line each: its name, an example for --help, and its module, loaded only
// when the command runs (or when the help lists them all), so `qs4dc --version` and one
// command's start do not pay for every other command's imports. Each module exports
// register(program).

import type { Command } from "commander";

export interface CommandEntry {
  readonly name: string;
  readonly example: string;
  readonly load: () => Promise<{ register(program: Command): void }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "compile",
    example: "qs4dc compile examples/digits-qat8.onnx -o chip.bin --target imssa-64",
    load: () => import("./compile.js"),
  },
  {
    name: "diff",
    example: "qs4dc diff golden.chip.bin chip.bin --json",
    load: () => import("./diff.js"),
  },
  {
    name: "emulate",
    example: "qs4dc emulate model.onnx --input inputs.npy --labels labels.npy",
    load: () => import("./emulate.js"),
  },
  {
    name: "init",
    example: "qs4dc init --target imssa-64",
    load: () => import("./init.js"),
  },
  { name: "inspect", example: "qs4dc inspect chip.bin --json", load: () => import("./inspect.js") },
  {
    name: "ir",
    example: "qs4dc ir examples/tiny.qs4d --print-tensors -o out.qs4d",
    load: () => import("./ir.js"),
  },
  { name: "passes", example: "qs4dc passes --json", load: () => import("./passes.js") },
  {
    name: "report",
    example: "qs4dc report examples/digits-qat8.onnx --html report.html",
    load: () => import("./report.js"),
  },
  {
    name: "run",
    example: "qs4dc run model.onnx --input inputs.npy -o logits.npy",
    load: () => import("./run.js"),
  },
  {
    name: "sim",
    example: "qs4dc sim chip.bin --input inputs.npy --labels labels.npy --noise target --runs 8",
    load: () => import("./sim.js"),
  },
  {
    name: "sweep",
    example: "qs4dc sweep examples/sweep/spec.json --shard 0/3 -o part0.jsonl",
    load: () => import("./sweep.js"),
  },
  { name: "targets", example: "qs4dc targets --json", load: () => import("./targets.js") },
  {
    name: "verify",
    example: "qs4dc verify model.onnx --input inputs.npy --labels labels.npy --noise target",
    load: () => import("./verify.js"),
  },
];
