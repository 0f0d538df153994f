// What the simulator derives from a chip image before it runs anything: one flat register file
// for all signals, and the width of every buffer of the digital program (so that the input's
// d_in and the number of classes are known from chip.bin alone, and an inconsistent program
// is refused before the first sample instead of failing in the middle of one).

import { fail } from "../diag/error.js";
import type { ChipImage, ChipOp } from "../emit/chip-image.js";

export interface ChipLayout {
  /** Start of each signal in the flat register file. */
  readonly offset: Int32Array;
  readonly registers: number;
  /** Buffer name -> elements per row. */
  readonly width: ReadonlyMap<string, number>;
  readonly dIn: number;
  readonly classes: number;
}

export function chipLayout(image: ChipImage): ChipLayout {
  const offset = new Int32Array(image.signals.length);
  let registers = 0;
  image.signals.forEach((s, i) => {
    offset[i] = registers;
    registers += s.length;
  });
  const width = bufferWidths(image);
  return {
    offset,
    registers,
    width,
    dIn: width.get("input")!,
    classes: width.get("logits")!,
  };
}

/** An inconsistency between what an op reads and what its input holds. */
function inconsistent(image: ChipImage, index: number, reason: string): never {
  return fail(
    "QS4D-E607",
    { file: image.file, reason: `op ${index} (${image.program[index]!.op}): ${reason}` },
    { file: image.file, path: `section 'program' $.ops[${index}]` },
  );
}

/** [input width, output width] an op requires, or null when it keeps its input's width. */
function opWidths(image: ChipImage, op: ChipOp): [number, number] | null {
  const signal = (s: number) => image.signals[s]!.length;
  switch (op.op) {
    case "linear":
      return [op.weight.shape[1] ?? -1, op.weight.shape[0] ?? -1];
    case "crossbar-linear":
      return [signal(op.inputSignal), op.outputStep.data.length];
    case "layer-norm":
    case "batch-norm":
      return [op.weight.data.length, op.weight.data.length];
    case "ssm":
      return [signal(op.inputSignal), signal(op.outputSignal)];
    default:
      return null;
  }
}

/** Widths of every buffer, checked op by op; `input`'s comes from the first op that fixes it. */
function bufferWidths(image: ChipImage): Map<string, number> {
  const width = new Map<string, number>();
  const program = image.program;
  const inputWidth = program
    .map((op) => opWidths(image, op))
    .find((w, i) => {
      return w !== null && program[i]!.input === "input";
    });
  if (inputWidth === undefined) {
    fail("QS4D-E607", {
      file: image.file,
      reason: "no op that reads 'input' fixes its width (d_in)",
    });
  }
  width.set("input", inputWidth![0]);
  program.forEach((op, i) => {
    const x = width.get(op.input)!;
    const fixed = opWidths(image, op);
    if (fixed !== null && fixed[0] !== x) {
      inconsistent(image, i, `reads '${op.input}' of width ${x} as width ${fixed[0]}`);
    }
    let out = fixed === null ? x : fixed[1];
    if (op.op === "glu") {
      if (x % 2 !== 0) inconsistent(image, i, `GLU of an odd width ${x}`);
      out = x / 2;
    }
    if (op.op === "add" && width.get(op.other) !== x) {
      inconsistent(image, i, `adds '${op.other}' of width ${width.get(op.other)} to width ${x}`);
    }
    if (op.op === "ssm") checkSsm(image, op, i, x);
    width.set(op.output, out);
  });
  return width;
}

function checkSsm(
  image: ChipImage,
  op: Extract<ChipOp, { op: "ssm" }>,
  i: number,
  h: number,
): void {
  const tensors: [string, number][] = [["outputScale", op.outputScale.data.length]];
  if (op.digitalD !== null) tensors.push(["digitalD", op.digitalD.data.length]);
  if (op.inputQuant.kind === "static")
    tensors.push(["inputQuant.scale", op.inputQuant.scale.data.length]);
  for (const [name, n] of tensors) {
    if (n !== h) inconsistent(image, i, `${name} has ${n} elements for ${h} channels`);
  }
  const delayed = op.inputDelayedSignal;
  if (delayed >= 0 && image.signals[delayed]!.length !== h) {
    inconsistent(
      image,
      i,
      `the delayed input signal has ${image.signals[delayed]!.length} elements for ${h} channels`,
    );
  }
}
