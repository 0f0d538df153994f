import type { Command } from "commander";
import { register as registerCompile } from "./compile.js";
import { register as registerEmulate } from "./emulate.js";
import { register as registerInit } from "./init.js";
import { register as registerInspect } from "./inspect.js";
import { register as registerIr } from "./ir.js";
import { register as registerPasses } from "./passes.js";
import { register as registerReport } from "./report.js";
import { register as registerRun } from "./run.js";
import { register as registerSim } from "./sim.js";
import { register as registerSweep } from "./sweep.js";
import { register as registerTargets } from "./targets.js";
import { register as registerVerify } from "./verify.js";

// One line per command; each command file exports register(program).
export function registerCommands(program: Command): void {
  registerCompile(program);
  registerEmulate(program);
  registerInit(program);
  registerInspect(program);
  registerIr(program);
  registerPasses(program);
  registerReport(program);
  registerRun(program);
  registerSim(program);
  registerSweep(program);
  registerTargets(program);
  registerVerify(program);
}
