// The calibration forward of post-training quantization (requantize's `calibrate`, through
// CalibrationForwards): the discretized model run in float on the --calib inputs, recording
// what the chip's converters will see per layer: max |u| per channel (DAC range), max |x| per
// mode (state ADC range) and max |y| per channel (output ADC range). The periphery is the
// chip's own (the emulator's digital program, src/emulate/program.ts); only the SSM runs in
// float. With a per-sample input quantizer (qs4d-max) the SSM runs on the input codes and x, y
// are recorded in code units, which is what the arrays compute in that case. It lives in the
// driver because it runs the emulator, which passes must not import (docs/architecture.md).

import { fail } from "../diag/error.js";
import { type Buffer, makeBuffer, maxAbs, sampleCode, sampleScale } from "../emulate/periphery.js";
import { runProgram, type SsmOp } from "../emulate/program.js";
import type { Model, SsmDiscrete } from "../ir/model.js";
import { f64 } from "../ir/tensor.js";
import type { CalibrationInputs, SsmStats } from "../passes/lib/calibrate.js";
import { buildDigitalProgram } from "../passes/lib/digital-program.js";
import { values } from "../passes/lib/tensors.js";

interface FloatSsm {
  readonly H: number;
  readonly M: number;
  readonly lr: Float64Array;
  readonly li: Float64Array;
  readonly br: Float64Array;
  readonly bi: Float64Array;
  readonly cr: Float64Array;
  readonly ci: Float64Array;
  readonly d: Float64Array;
}

function floatSsm(model: Model, layer: number): FloatSsm {
  const ssm = model.layers[layer]!.ssm;
  if (ssm.form.kind !== "discrete") fail("QS4D-E406", { layer, pass: "discretize" });
  const f: SsmDiscrete = ssm.form;
  const p = `layers.${layer}`;
  return {
    H: ssm.channels,
    M: ssm.modes,
    lr: values(f.lambdaRe, `${p}.lambda`),
    li: values(f.lambdaIm, `${p}.lambda`),
    br: values(f.bbarRe, `${p}.bbar`),
    bi: values(f.bbarIm, `${p}.bbar`),
    cr: values(f.cRe, `${p}.C`),
    ci: values(f.cIm, `${p}.C`),
    d: values(ssm.d, `${p}.D`),
  };
}

/** The float recurrence on one sample's [L, H] input, updating the statistics. */
function runFloat(s: FloatSsm, u: Buffer, stats: SsmStats, levels: number | null): Buffer {
  const { H, M } = s;
  const L = u.rows;
  const scale = levels === null ? 1 : sampleScale(maxAbs(u.data), levels);
  const y = makeBuffer(L, H);
  for (let h = 0; h < H; h++) {
    const xr = new Float64Array(M);
    const xi = new Float64Array(M);
    for (let t = 0; t < L; t++) {
      const raw = u.data[t * H + h]!;
      stats.uMax[h] = Math.max(stats.uMax[h]!, Math.abs(raw));
      const v = levels === null ? raw : sampleCode(raw, scale, levels);
      let acc = 0;
      for (let n = 0; n < M; n++) {
        const k = h * M + n;
        const r = s.lr[k]! * xr[n]! - s.li[k]! * xi[n]! + s.br[k]! * v;
        const i = s.lr[k]! * xi[n]! + s.li[k]! * xr[n]! + s.bi[k]! * v;
        xr[n] = r;
        xi[n] = i;
        stats.xMax[k] = Math.max(stats.xMax[k]!, Math.abs(r), Math.abs(i));
        acc += s.cr[k]! * r - s.ci[k]! * i;
      }
      const out = 2 * acc + s.d[h]! * v;
      stats.yMax[h] = Math.max(stats.yMax[h]!, Math.abs(out));
      y.data[t * H + h] = levels === null ? out : out / scale;
    }
  }
  return y;
}

function placeholderSsm(model: Model) {
  return (layer: number, input: string, output: string): SsmOp => {
    const u = model.layers[layer]!.ssm.quant.u;
    const H = model.config.channels;
    return {
      op: "ssm",
      layer,
      input,
      output,
      inputQuant:
        u?.kind === "levels" && u.scope === "sample"
          ? { kind: "sample", levels: u.levels }
          : { kind: "static", scale: f64([H]), limit: 0 },
      inputSignal: -1,
      inputDelayedSignal: -1,
      stateSignal: -1,
      outputSignal: -1,
      outputMode: "lagged",
      outputScale: f64([H]),
      digitalD: null,
    };
  };
}

/** Per-layer statistics over all calibration samples (model after discretize). */
export function ssmStats(model: Model, data: CalibrationInputs): SsmStats[] {
  const [batch, length] = data.shape as [number, number];
  const dIn = model.config.dIn;
  const ssms = model.layers.map((_, i) => floatSsm(model, i));
  const stats: SsmStats[] = ssms.map((s, i) => {
    const u = model.layers[i]!.ssm.quant.u;
    return {
      perSample: u?.kind === "levels" && u.scope === "sample",
      uMax: new Float64Array(s.H),
      xMax: new Float64Array(s.H * s.M),
      yMax: new Float64Array(s.H),
    };
  });
  const program = buildDigitalProgram(model, placeholderSsm(model));
  const hooks = {
    ssm(op: SsmOp, input: Buffer): Buffer {
      const levels = op.inputQuant.kind === "sample" ? op.inputQuant.levels : null;
      return runFloat(ssms[op.layer]!, input, stats[op.layer]!, levels);
    },
    crossbarLinear(): Buffer {
      throw new Error("calibration runs the model before dense layers are placed on crossbars");
    },
  };
  for (let b = 0; b < batch; b++) {
    const input = makeBuffer(length, dIn);
    input.data.set(data.inputs.subarray(b * length * dIn, (b + 1) * length * dIn));
    runProgram(program, input, hooks);
  }
  return stats;
}
