// One engine's time on a batch, as a child process of bench/sim.ts, so that each engine is
// timed in a process of its own as a user runs it (JIT state shared with other engines or
// chips in one process changes the figures by up to 25%): argv = chip.bin, inputs .f32, batch,
// length, d_in, mode (ideal | noise: the target's noise, two samples in lockstep | alone: the
// same one sample at a time), repeats. Reads and prepares the chip, builds the engine, warms
// it on one sample, then prints one JSON line: the best of `repeats` runs of the batch (s).
// Needs the built package (npm run build).

import { readFileSync } from "node:fs";
import { readChip } from "../dist/src/emit/chip-read.js";
import { NO_NOISE, targetNoise } from "../dist/src/sim/noise.js";
import { engineFor, prepareChip, runSamples } from "../dist/src/sim/simulate.js";

const [chipPath, inputs, batch, length, dIn, mode, repeats] = process.argv.slice(2);
const chip = prepareChip(readChip(new Uint8Array(readFileSync(chipPath)), chipPath));
const raw = readFileSync(inputs);
const x = {
  data: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4),
  batch: Number(batch),
  length: Number(length),
  dIn: Number(dIn),
};
const noise = mode === "ideal" ? NO_NOISE : targetNoise(chip.image.target.description);
const options = { noise, seed: 1, run: 0, lockstep: mode !== "alone" };
const engine = engineFor(chip, options);
runSamples(chip, x, 0, 1, options, engine);
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < Number(repeats); r++) {
  const start = performance.now();
  runSamples(chip, x, 0, x.batch, options, engine);
  best = Math.min(best, (performance.now() - start) / 1000);
}
console.log(JSON.stringify({ seconds: best }));
