import { Command } from "commander";
import { registerCommands } from "./commands/index.js";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("qs4dc")
    .description(
      "Compile trained S4D state-space models to IMSSA crossbar programming artifacts and verify them",
    )
    .version(VERSION, "-V, --version")
    .exitOverride()
    .showHelpAfterError();
  registerCommands(program);
  return program;
}
