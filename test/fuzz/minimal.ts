// The minimal cases of the differential fuzzer's findings (regressions.test.ts runs them),
// shrunk from random cases with `npm run fuzz -- --seed S --case I --shrink`: models as IR text,
// targets as a built-in with the fields that matter changed, one input sample.

import type { Model } from "../../src/ir/model.js";
import { parseModel } from "../../src/ir/text/index.js";
import { IDEAL, IMSSA_64 } from "../../src/target/builtins.js";
import type { TargetDescription } from "../../src/target/types.js";
import type { Batch, CaseInput } from "./cases.js";

/** One channel, one complex mode, float; B given (S4 naming), no norm, mixing or activation. */
export const ONE_MODE = `model @one-mode (quant_scheme = none, pooling = mean) {
  config (d_in = 1, channels = 1, state = 2, classes = 3, length = null)
  encoder (in = 1, out = 1) {
    weight: f32[1,1] = [[0.26136768]]
    bias: f32[1] = [-0.038367264]
  }
  layer 0 (activation = none, residual = false, norm_position = pre) {
    ssm continuous (channels = 1, modes = 1, discretization = zoh) {
      log_dt: f32[1] = [-5.048764]
      a_re: f64[1,1] = [[-0.2460660952147884]]
      a_im: f32[1,1] = [[0]]
      b_re: f32[1,1] = [[-0.84698415]]
      b_im: f32[1,1] = [[-0.40269053]]
      c_re: f32[1,1] = [[1.1515111]]
      c_im: f32[1,1] = [[0.13687737]]
      d: f32[1] = [0.47575703]
    }
  }
  decoder (in = 1, out = 3) {
    weight: f32[3,1] = [[-0.5745388], [-0.88686144], [-0.2540472]]
    bias: f32[3] = [-0.018294875, -0.0624662, 0.023219708]
  }
}`;

/**
 * The same with a qs4d-symmetric-v1 grid on lambda (13 bits, code 4000) and the u, x, y
 * formats, but no grid for Bbar, C or D: requantize fits those on the cells it chooses.
 */
export const LAMBDA_GRID = ONE_MODE.replace(
  "quant_scheme = none",
  "quant_scheme = qs4d-symmetric-v1",
).replace(
  "      d: f32[1] = [0.47575703]",
  `      d: f32[1] = [0.47575703]
      quant lambda affine (bits = 13, scale = 0.00024420025, axis = null, zero_point = 0, signed = true, narrow = true, rounding = half-even) {
        codes: i32[1,1,2] = [[[4000, 0]]]
      }
      quant u affine (bits = 8, scale = 0.01, axis = null, zero_point = 0, signed = true, narrow = true, rounding = half-even)
      quant x affine (bits = 8, scale = 0.01, axis = null, zero_point = 0, signed = true, narrow = true, rounding = half-even)
      quant y affine (bits = 8, scale = 0.01, axis = null, zero_point = 0, signed = true, narrow = true, rounding = half-even)`,
);

/**
 * qs4d-max with A_quant = 4 levels over Re A = [-28.3, -884.9]: channel 0's Re A rounds to 0
 * (the JSON and ONNX importers refuse that with QS4D-E232; IR text and the API do not), so its
 * lambda = exp(i dt Im A) lies on the unit circle; in float64 |lambda| = hypot(re, im) < 1.
 */
export const A_ROUNDS_TO_ZERO = `model @a-rounds-to-zero (quant_scheme = qs4d-max, pooling = mean) {
  config (d_in = 1, channels = 2, state = 2, classes = 4, length = null)
  encoder (in = 1, out = 2) {
    weight: f32[2,1] = [[0.3793769], [0.6626861]]
    bias: f32[2] = [0.08630637, -0.08639559]
  }
  layer 0 (activation = none, residual = false, norm_position = post) {
    ssm continuous (channels = 2, modes = 1, discretization = zoh) {
      log_dt: f32[2] = [-3.2093077, -6.8486357]
      a_re: f64[2,1] = [[-28.29458817053996], [-884.9097151800448]]
      a_im: f32[2,1] = [[-7.4969296], [3.1415927]]
      c_re: f32[2,1] = [[-0.17352656], [-0.2714244]]
      c_im: f32[2,1] = [[0.38529706], [0.4515184]]
      d: f32[2] = [0.18942298, -1.0858955]
      quant log_dt levels (levels = 16, scope = tensor)
      quant a_re levels (levels = 4, scope = tensor)
    }
  }
  decoder (in = 2, out = 4) {
    weight: f32[4,2] = [[0.12761365, 0.06435107], [0.90767324, -0.6140021], [-0.23813379, -1.0675868], [0.65889436, -0.2721182]]
    bias: f32[4] = [0.065112405, -0.06688693, -0.05443668, -0.069036596]
  }
}`;

function inputs(length: number, dIn = 1): Batch {
  const data = Float64Array.from({ length: length * dIn }, (_, i) =>
    Math.fround(Math.sin(1.3 * i)),
  );
  return { data, shape: [1, length, dIn] };
}

function input(
  model: Model,
  target: TargetDescription,
  options: Record<string, string>,
  length = 20,
): CaseInput {
  return {
    model,
    target,
    options,
    calibration: null,
    calibrationLabels: null,
    inputs: inputs(length, model.config.dIn),
  };
}

const AFFINE = "axis = null, zero_point = 0, signed = true, narrow = true, rounding = half-even";

/**
 * Every grid of qs4d-symmetric-v1 (lambda, Bbar, C, D with codes; u, x, y formats), lambda on
 * a 13-bit grid whose largest point, code 4095, is |lambda| = 1.0002: just outside the unit
 * circle, as rounding puts a slow mode of a trained model (the importers accept it).
 */
export const FULL_GRIDS = ONE_MODE.replace(
  "quant_scheme = none",
  "quant_scheme = qs4d-symmetric-v1",
).replace(
  "      d: f32[1] = [0.47575703]",
  `      d: f32[1] = [0.47575703]
      quant lambda affine (bits = 13, scale = 0.00024425, ${AFFINE}) {
        codes: i32[1,1,2] = [[[4095, 0]]]
      }
      quant bbar affine (bits = 8, scale = 0.001, ${AFFINE}) {
        codes: i32[1,1,2] = [[[100, -50]]]
      }
      quant c affine (bits = 8, scale = 0.01, ${AFFINE}) {
        codes: i32[1,1,2] = [[[110, 14]]]
      }
      quant d affine (bits = 8, scale = 0.004, ${AFFINE}) {
        codes: i32[1] = [119]
      }
      quant u affine (bits = 8, scale = 0.01, ${AFFINE})
      quant x affine (bits = 12, scale = 0.01, ${AFFINE})
      quant y affine (bits = 8, scale = 0.01, ${AFFINE})`,
);

// Parsed when this module loads: a mistake in the text fails the test file instead of passing
// an `it.fails` for the wrong reason (runCase itself never throws).
const oneMode = parseModel(ONE_MODE);
const lambdaGrid = parseModel(LAMBDA_GRID);
const aRoundsToZero = parseModel(A_ROUNDS_TO_ZERO);
const fullGrids = parseModel(FULL_GRIDS);

/** The residual state update on imssa-64 (chip.bin fields `shifts`, `accumulate`). */
export const RESIDUAL_ON_IMSSA_64: CaseInput = input(oneMode, IMSSA_64, {
  "state-update": "residual",
  "allow-loss": "true",
});

/** A float model on cell.levels "model": requantize may choose up to 2^19 levels. */
export const LEVELS_FROM_FLOAT_MODEL: CaseInput = input(
  oneMode,
  {
    ...IMSSA_64,
    cell: { ...IMSSA_64.cell, levels: "model" },
    dac: { bits: "model" },
    adc: { bits: 11, perArray: 8 },
  },
  { "allow-loss": "true" },
);

/** A qs4d-max A_quant that rounds a Re A to 0: an undamped mode. */
export const UNDAMPED_MODE: CaseInput = input(aRoundsToZero, IMSSA_64, { "allow-loss": "true" });

/** A 13-bit lambda grid on cell.levels "model" with up to 3 slices. */
export const SLICED_MODEL_LEVELS: CaseInput = input(
  lambdaGrid,
  { ...IDEAL, bitSlicing: { allowed: true, maxSlices: 3 } } satisfies TargetDescription,
  { "max-error": "0.01", "allow-loss": "true" },
);

/**
 * The residual update of a mode with |lambda| = 1.0002 on levels "model" (4096) with 3 slices:
 * its lambda - 1 is pulled inside the unit circle one code step of 4096^3 - 1 at a time.
 */
export const RESIDUAL_OUTSIDE_UNIT_CIRCLE: CaseInput = input(
  fullGrids,
  {
    ...IDEAL,
    dac: { bits: 8 },
    adc: { bits: 8, perArray: 1024 },
    bitSlicing: { allowed: true, maxSlices: 3 },
  },
  { "state-update": "residual", "allow-loss": "true" },
);

/** The minimal cases by name (`tsx test/fuzz/run-minimal.ts NAME` runs one). */
export const MINIMAL_CASES: Readonly<Record<string, CaseInput>> = {
  RESIDUAL_ON_IMSSA_64,
  LEVELS_FROM_FLOAT_MODEL,
  UNDAMPED_MODE,
  SLICED_MODEL_LEVELS,
  RESIDUAL_OUTSIDE_UNIT_CIRCLE,
};
