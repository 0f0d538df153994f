// Random targets for the differential fuzzer: a built-in (src/target/builtins.ts) with any of
// its architectural fields redrawn: array size, levels, converter widths, ADCs per array, bit
// slicing, encoding, output mode and columns, D placement, dense layers, the optional state
// register. Every target is validated by the schema and the load checks before use (a target
// that breaks them is a coded refusal, as `--target FILE` would be).

import { BUILTIN_TARGETS } from "../../src/target/builtins.js";
import type { FromModel, TargetDescription } from "../../src/target/types.js";
import type { Rng } from "./rng.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

function fromModel(r: Rng, pModel: number, draw: () => number): FromModel {
  return r.chance(pModel) ? "model" : draw();
}

/** Each field redrawn with probability `p` (else the built-in's value). */
export function randomTarget(r: Rng, name: string, p = 0.6): TargetDescription {
  const base = r.pick(BUILTIN_TARGETS);
  const t = JSON.parse(JSON.stringify(base)) as Mutable<TargetDescription>;
  t.name = name;
  t.description = `fuzz target from ${base.name}`;
  const change = () => r.chance(p);
  if (change() || t.array.rows > 128) {
    t.array.rows = r.int(8, 128);
    t.array.cols = r.chance(0.6) ? t.array.rows : r.int(8, 128);
  }
  if (r.chance(0.08)) t.array.count = r.int(1, 4);
  if (change()) {
    t.cell.levels = fromModel(r, 0.15, () =>
      r.chance(0.5) ? r.pick([2, 3, 4, 8, 16, 32, 64, 128, 256]) : r.int(2, 256),
    );
  }
  if (change()) t.dac.bits = fromModel(r, 0.15, () => r.int(2, 12));
  if (change()) t.adc.bits = fromModel(r, 0.15, () => r.int(2, 12));
  if (change() || t.adc.perArray > t.array.cols) {
    t.adc.perArray = r.chance(0.3) ? t.array.cols : r.int(1, Math.min(t.array.cols, 32));
  }
  if (change()) {
    const allowed = r.chance(0.6);
    t.bitSlicing = { allowed, maxSlices: allowed ? r.int(1, 3) : 1 };
  }
  if (change()) t.encoding = r.pick(["row-polarity", "differential-columns"] as const);
  if (change()) t.outputMode = r.chance(0.7) ? "lagged" : "folded";
  if (change()) t.outputColumns = r.pick([2, 4] as const);
  if (change()) t.dPlacement = r.pick(["rows", "digital"] as const);
  if (change()) t.dense = r.pick(["crossbar", "digital"] as const);
  if (change()) t.fallbackBits = r.int(3, 12);
  if (change()) {
    t.stateRegister = {
      residual: r.chance(0.6),
      maxBits: r.chance(0.8) ? r.int(8, 30) : r.int(2, 7),
    };
  }
  if (r.chance(0.02)) breakTarget(r, t);
  return t;
}

/** One violation of the schema or of the relations load checks (QS4D-E402, QS4D-E403). */
function breakTarget(r: Rng, t: Mutable<TargetDescription>): void {
  r.pick<() => void>([
    () => {
      t.adc.perArray = t.array.cols + 1;
    },
    () => {
      t.bitSlicing = { allowed: false, maxSlices: 2 };
    },
    () => {
      t.array.rows = 3;
    },
    () => {
      t.cell.gMaxUs = t.cell.gMinUs;
    },
    () => {
      t.dac.bits = r.pick([0, 17]);
    },
    () => {
      t.cell.levels = 1;
    },
    () => {
      t.stateRegister = { residual: true, maxBits: 31 };
    },
  ])();
}

/** The fields that differ between targets, in one line. */
export function describeTarget(t: TargetDescription): string {
  const slicing = t.bitSlicing.allowed ? `slices<=${t.bitSlicing.maxSlices}` : "noslice";
  const register =
    t.stateRegister === undefined
      ? "reg=default"
      : `reg=${t.stateRegister.residual ? "residual" : "plain"}/${t.stateRegister.maxBits}`;
  return [
    `${t.description.replace("fuzz target from ", "from ")}`,
    `${t.array.rows}x${t.array.cols}${t.array.count === null ? "" : `#${t.array.count}`}`,
    `levels=${t.cell.levels} dac=${t.dac.bits} adc=${t.adc.bits}/${t.adc.perArray}`,
    slicing,
    t.encoding,
    `${t.outputMode}/${t.outputColumns}`,
    `D=${t.dPlacement} dense=${t.dense} fallback=${t.fallbackBits}`,
    register,
  ].join(" ");
}
