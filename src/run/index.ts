// runModel: the reference executor's JS API (what `qs4dc run` calls).
//
// Forms: "recurrent" (default) is the reference: the stack one time step after another,
// float64, memory independent of the sequence length except for FIR kernels (kernel-only
// SSMs and qs4d-max quantized kernels keep a window of `taps` past inputs). "conv" is the
// convolution-form twin for cross-checks (conv.ts).
//
// Quantization (on unless quantize: false): the model's training-time quantizers as its scheme
// defines them. qs4d-symmetric-v1 runs the bit-exact integer SSM core; qs4d-max runs the
// authors' max quantizers in float32, with its quantized kernel as a causal FIR (a quantized
// kernel is not the kernel of any diagonal recurrence). Quantized models run their float parts
// rounded to float32 at every op boundary, as they were trained; float models run in float64.

import { fail } from "../diag/error.js";
import type { Model } from "../ir/model.js";
import { checkFiniteLogits } from "../util/finite.js";
import { runConvolution } from "./conv.js";
import { buildPlan } from "./plan.js";
import { runStreaming } from "./stream.js";
import { type LayerTrace, TraceRecorder } from "./trace.js";

export type { LayerTrace } from "./trace.js";

export interface RunOptions {
  /** "recurrent" (the reference, default) or "conv" (the twin). */
  readonly form?: "recurrent" | "conv";
  /** Apply the model's training-time quantizers (default true). */
  readonly quantize?: boolean;
  /** Record per-layer SSM integers (quantized models only). */
  readonly trace?: boolean;
  /** The input's name in diagnostics (its file), default "input". */
  readonly inputName?: string;
  /** The batch index of the first input (a part of a larger batch): diagnostics name samples by it. */
  readonly firstSample?: number;
}

export interface RunResult {
  /** [batch, classes] row-major. */
  readonly logits: Float32Array;
  readonly batch: number;
  readonly classes: number;
  readonly length: number;
  /** One per layer when tracing, else null. */
  readonly traces: readonly LayerTrace[] | null;
}

/** What an input may be handed as; only float32 and float64 pass checkInput. */
export type RunInput = ArrayLike<number> | ArrayLike<bigint>;

function dtypeName(data: RunInput): string {
  const name = (data as object).constructor?.name ?? typeof data;
  return (
    {
      Int8Array: "int8",
      Int16Array: "int16",
      Int32Array: "int32",
      Uint8Array: "uint8",
      BigInt64Array: "int64",
    }[name] ?? name
  );
}

/** [batch, length] of a valid input; coded errors otherwise. */
export function checkInput(
  model: Model,
  data: RunInput,
  shape: readonly number[],
  inputName = "input",
): { batch: number; length: number; data: Float32Array | Float64Array } {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    fail("QS4D-E301", { input: inputName, dtype: dtypeName(data) }, { file: inputName });
  }
  const { dIn } = model.config;
  const rankOk = shape.length === 3 ? shape[2] === dIn : shape.length === 2 && dIn === 1;
  if (!rankOk || shape[0]! < 1 || shape[1]! < 1) {
    const expected =
      dIn === 1 ? "[batch, length, 1] or [batch, length]" : `[batch, length, ${dIn}]`;
    fail(
      "QS4D-E300",
      { input: inputName, shape: `[${shape.join(", ")}]`, model: model.name, expected },
      { file: inputName },
    );
  }
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    fail(
      "QS4D-E303",
      { input: inputName, actual: data.length, shape: `[${shape.join(", ")}]`, expected },
      { file: inputName },
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const index = [Math.floor(i / (shape[1]! * dIn)), Math.floor(i / dIn) % shape[1]!, i % dIn];
      const at = shape.length === 3 ? index : index.slice(0, 2);
      fail(
        "QS4D-E302",
        { input: inputName, value: String(data[i]), index: at.join(", ") },
        { file: inputName },
      );
    }
  }
  return { batch: shape[0]!, length: shape[1]!, data };
}

export function runModel(
  model: Model,
  inputs: RunInput,
  shape: readonly number[],
  options: RunOptions = {},
): RunResult {
  const { batch, length, data: values } = checkInput(model, inputs, shape, options.inputName);
  const quantize = options.quantize ?? true;
  const plan = buildPlan(model, { quantize, length });
  let recorder: TraceRecorder | null = null;
  if (options.trace === true) {
    recorder = new TraceRecorder(plan, batch);
    if (!recorder.any) {
      const reason = quantize ? "has no quantized SSM" : "runs unquantized (--no-quant)";
      fail("QS4D-E304", { model: model.name, reason });
    }
  }
  const data = values instanceof Float64Array ? values : Float64Array.from(values);
  const run = options.form === "conv" ? runConvolution : runStreaming;
  // Checked as float32, as written: a finite float64 logit above 3.4e38 becomes Inf.
  const logits = Float32Array.from(run(plan, data, batch, recorder));
  checkFiniteLogits("run", logits, model.config.classes, options.firstSample);
  return {
    logits,
    batch,
    classes: model.config.classes,
    length,
    traces: recorder?.layers ?? null,
  };
}
