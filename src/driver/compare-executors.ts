// `qs4dc verify`'s comparison: the three executors side by side on one batch. The emulator
// (the lowered IR, src/emulate/) and the ideal simulation of chip.bin (src/sim/) are two
// implementations of docs/chip-arithmetic.md and must agree bit for bit, logits and per-layer
// SSM codes; the reference executor (`run`, the float or QAT model) shows what lowering
// changed. The table and the exit code are the CLI's (src/cli/verify-output.ts).

import { Qs4dError } from "../diag/error.js";
import type { ChipImage } from "../emit/chip-image.js";
import { emulate } from "../emulate/index.js";
import type { Model } from "../ir/model.js";
import { runModel } from "../run/index.js";
import { simulateWithCodes, simulateWithCodesAside } from "../sim/codes.js";
import { defaultThreads, loadChip, type NoiseParams, simulateChip } from "../sim/index.js";
import { type AccuracyStats, accuracyOf, accuracyStats, argmax } from "../sim/report.js";

/** Per-layer SSM codes [batch, H, L]; null where an executor has none. */
export interface LayerCodes {
  readonly layer: number;
  readonly uq: Int32Array | null;
  readonly yq: Int32Array | null;
}

export interface Executed {
  readonly logits: Float32Array;
  readonly layers: readonly LayerCodes[];
}

export interface Divergence {
  readonly layer: number;
  readonly codes: "u" | "y";
  readonly sample: number;
}

export interface Comparison {
  /** Argmax agreement with the emulator. */
  readonly agreement: number;
  readonly maxLogitError: number;
  /** Logits equal bit for bit. */
  readonly identical: boolean;
  /** The first layer whose codes differ from the emulator's; null: none; "n/a": no codes. */
  readonly divergence: Divergence | null | "n/a";
  /** Samples whose logits or codes differ, and the first of them (-1: none). */
  readonly differingSamples: number;
  readonly firstDifferingSample: number;
}

export interface VerifyResult {
  readonly batch: number;
  readonly accuracy: {
    readonly reference: number;
    readonly emulator: number;
    readonly simulator: number;
  } | null;
  readonly reference: Comparison;
  readonly simulator: Comparison;
  /** Ideal simulation == emulator (logits and codes). */
  readonly exact: boolean;
  /** The reference executor's logits [batch, classes], which noisy runs are compared with. */
  readonly referenceLogits: Float32Array;
}

export interface VerifyInputs {
  /** The model as imported (the reference executor runs it). */
  readonly model: Model;
  /** The lowered model (the emulator runs it). */
  readonly lowered: Model;
  /** The chip.bin of the lowered model, read back (the simulator runs it). */
  readonly chip: ChipImage;
  readonly inputs: Float64Array;
  /** [batch, length, dIn] */
  readonly shape: readonly [number, number, number];
  readonly labels: Int32Array | null;
}

function emulated(lowered: Model, inputs: Float64Array, shape: readonly number[]): Executed {
  const r = emulate(lowered, inputs, shape, { trace: true });
  return { logits: r.logits, layers: r.traces ?? [] };
}

function reference(model: Model, inputs: Float64Array, shape: readonly number[]): Executed {
  try {
    const r = runModel(model, inputs, shape, { trace: true });
    return { logits: r.logits, layers: r.traces ?? [] };
  } catch (error) {
    // A float model has no integer codes to trace (QS4D-E304): compare logits only.
    if (!(error instanceof Qs4dError) || error.diagnostic.code !== "QS4D-E304") throw error;
    return { logits: runModel(model, inputs, shape).logits, layers: [] };
  }
}

/** The first layer (in order, u codes before y codes) whose codes differ, and every sample that differs. */
function codeDifferences(
  a: Executed,
  pivot: Executed,
  batch: number,
): { first: Divergence | null | "n/a"; samples: Set<number> } {
  let compared = false;
  let first: Divergence | null = null;
  const samples = new Set<number>();
  for (const p of [...pivot.layers].sort((x, y) => x.layer - y.layer)) {
    const other = a.layers.find((l) => l.layer === p.layer);
    for (const codes of ["u", "y"] as const) {
      const mine = codes === "u" ? other?.uq : other?.yq;
      const theirs = codes === "u" ? p.uq : p.yq;
      if (mine == null || theirs == null) continue;
      compared = true;
      const per = theirs.length / batch;
      for (let i = 0; i < theirs.length; i++) {
        if (mine[i] === theirs[i]) continue;
        const sample = Math.floor(i / per);
        samples.add(sample);
        first ??= { layer: p.layer, codes, sample };
      }
    }
  }
  return { first: compared ? first : "n/a", samples };
}

function compare(a: Executed, pivot: Executed, batch: number, classes: number): Comparison {
  let agree = 0;
  let maxError = 0;
  const codes = codeDifferences(a, pivot, batch);
  const differing = new Set(codes.samples);
  let identical = true;
  for (let b = 0; b < batch; b++) {
    if (argmax(a.logits, b * classes, classes) === argmax(pivot.logits, b * classes, classes))
      agree++;
    for (let c = b * classes; c < (b + 1) * classes; c++) {
      maxError = Math.max(maxError, Math.abs(a.logits[c]! - pivot.logits[c]!));
      if (!Object.is(a.logits[c], pivot.logits[c])) {
        identical = false;
        differing.add(b);
      }
    }
  }
  return {
    agreement: agree / batch,
    maxLogitError: maxError,
    identical,
    divergence: codes.first,
    differingSamples: differing.size,
    firstDifferingSample: [...differing].reduce((m, b) => (m < 0 || b < m ? b : m), -1),
  };
}

/**
 * The three executors on the batch, compared. With `threads` > 1 (default: as the work is
 * worth, defaultThreads) the simulation runs on a worker thread while this one runs the
 * emulator and the reference executor; the numbers do not depend on it.
 */
export async function verifyChip(v: VerifyInputs, threads?: number): Promise<VerifyResult> {
  const [batch, length] = v.shape;
  const classes = v.lowered.config.classes;
  const aside =
    (threads ?? defaultThreads(v.chip, batch * length)) > 1
      ? simulateWithCodesAside(v.chip, v.inputs, v.shape)
      : null;
  let emu: Executed;
  let ref: Executed;
  try {
    emu = emulated(v.lowered, v.inputs, v.shape);
    ref = reference(v.model, v.inputs, v.shape);
  } catch (error) {
    aside?.stop();
    aside?.result.catch(() => {});
    throw error;
  }
  const sim = aside === null ? simulateWithCodes(v.chip, v.inputs, v.shape) : await aside.result;
  const simulator = compare(sim, emu, batch, classes);
  const labels = v.labels;
  return {
    batch,
    accuracy:
      labels === null
        ? null
        : {
            reference: accuracyOf(ref.logits, labels, classes),
            emulator: accuracyOf(emu.logits, labels, classes),
            simulator: accuracyOf(sim.logits, labels, classes),
          },
    reference: compare(ref, emu, batch, classes),
    simulator,
    exact: simulator.identical && simulator.divergence === null,
    referenceLogits: ref.logits,
  };
}

/** A Monte Carlo of the chip under device noise: one programming of the chip per run. */
export interface NoisyRuns {
  readonly noise: NoiseParams;
  readonly runs: number;
  readonly seed: number;
  readonly threads?: number;
}

export interface NoisyResult {
  readonly runs: number;
  /** Accuracy per run and over runs; null without labels. */
  readonly accuracy: AccuracyStats | null;
  /** Argmax agreement with the reference executor, per run and over runs. */
  readonly agreement: AccuracyStats;
}

/**
 * The simulator under device noise (the chip.bin alone, as `qs4dc sim --noise` runs it), each
 * run's accuracy and argmax agreement with the reference: what a fidelity budget has to hold for
 * in the mean, since no two programmings of a real chip are alike.
 */
export async function verifyUnderNoise(
  v: Pick<VerifyInputs, "inputs" | "shape" | "labels">,
  chipBytes: Uint8Array,
  file: string,
  referenceLogits: Float32Array,
  options: NoisyRuns,
): Promise<NoisyResult> {
  const chip = loadChip(chipBytes, file);
  const [batch, length, dIn] = v.shape;
  const classes = chip.layout.classes;
  const simulation = await simulateChip(
    chip,
    { data: v.inputs, batch, length, dIn },
    { ...options, labels: v.labels },
  );
  const agreement = simulation.logits.map((logits) => {
    let agree = 0;
    for (let b = 0; b < batch; b++)
      if (argmax(logits, b * classes, classes) === argmax(referenceLogits, b * classes, classes))
        agree++;
    return agree / batch;
  });
  return {
    runs: options.runs,
    accuracy: simulation.report.accuracy,
    agreement: accuracyStats(agreement),
  };
}

/** The chip (the emulator) against the reference executor on a batch: what a user's data sees. */
export interface Measured {
  readonly samples: number;
  /** max |chip - reference| / max |reference| over the logits. */
  readonly relativeLogitError: number;
  /** Samples whose argmax agrees with the reference's. */
  readonly argmaxAgreement: number;
}

/** The lowered model's emulation against the reference on `inputs` (e.g. the calibration set). */
export function measureAgainstReference(
  model: Model,
  lowered: Model,
  inputs: Float64Array,
  shape: readonly [number, number, number],
): Measured {
  const [batch] = shape;
  const classes = lowered.config.classes;
  const chip = emulate(lowered, inputs, shape).logits;
  const ref = runModel(model, inputs, shape).logits;
  let scale = 0;
  let error = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    error = Math.max(error, Math.abs(chip[i]! - ref[i]!));
  }
  let agree = 0;
  for (let b = 0; b < batch; b++)
    if (argmax(chip, b * classes, classes) === argmax(ref, b * classes, classes)) agree++;
  return {
    samples: batch,
    relativeLogitError: scale === 0 ? (error === 0 ? 0 : Number.POSITIVE_INFINITY) : error / scale,
    argmaxAgreement: agree,
  };
}
