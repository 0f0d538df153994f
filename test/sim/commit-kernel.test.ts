// The commit's plain singles in WebAssembly (commit-kernel.ts) against engine.ts's JavaScript
// commit, on compiled chips' read groups: random codes well beyond the limits (both clamps),
// random registers before (every written element replaced), the rest of the commit (shared
// elements, unwritten ones) left to JavaScript in both; arrays elsewhere than the kernel's
// memory fall back to JavaScript.

import { describe, expect, it } from "vitest";
import { PlainCommit, plainCommitBytes } from "../../src/sim/commit-kernel.js";
import type { ReadGroup } from "../../src/sim/conversions.js";
import { commit } from "../../src/sim/engine.js";
import { prepareChip } from "../../src/sim/simulate.js";
import { WasmArena } from "../../src/sim/wasm.js";
import { Rng } from "../fuzz/rng.js";
import { compiled } from "./helpers.js";

describe("plain commit kernel", () => {
  // spoken-qat6's groups are not plain (accumulating, some shifted): all JavaScript, the same.
  it.each([
    ["digits-qat8-h32n16-l2", "imssa-64", true],
    ["spoken-qat6-h32n32-l4", "imssa-64", false],
    ["qs4d-digits-qat-h32n16-l2", "ideal", true],
  ])("stores what the JavaScript commit stores (%s on %s, plain: %s)", (name, target, anyPlain) => {
    const chip = prepareChip(compiled(name, target).chip);
    const groups: ReadGroup[] = [...chip.groups.values()];
    const registers = chip.layout.registers;
    const most = Math.max(...groups.map((g) => g.primaries.count));
    const arena = new WasmArena(plainCommitBytes(groups) + 4 * (registers + most) + 64);
    const plain = new PlainCommit(arena, groups);
    const kernelRegisters = arena.i32(registers);
    const codes = arena.i32(most);
    const rng = new Rng(7, 0);
    const sums = new Float64Array(registers);
    let plainGroups = 0;
    for (const group of groups) {
      if (group.singlesPlain) plainGroups++;
      for (let round = 0; round < 3; round++) {
        for (let c = 0; c < group.primaries.count; c++) codes[c] = rng.int(-70000, 70000);
        for (let i = 0; i < registers; i++) kernelRegisters[i] = rng.int(-500, 500);
        const before = Int32Array.from(kernelRegisters);
        const own = codes.subarray(0, group.primaries.count);
        commit(group, own, kernelRegisters, sums, plain);
        commit(group, Int32Array.from(own), before, sums);
        expect(kernelRegisters).toEqual(before);
      }
      // Arrays elsewhere: the JavaScript path, the same stores.
      expect(plain.store(group, Int32Array.from(codes), kernelRegisters)).toBe(false);
    }
    expect(plainGroups > 0).toBe(anyPlain);
  });
});
