import type { Command } from "commander";

// One line per command; each command file exports register(program).
export function registerCommands(_program: Command): void {}
