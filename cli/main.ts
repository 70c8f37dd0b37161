#!/usr/bin/env node
// proxy-wasm-as <command>: the program is built from every module in cli/commands/
// (each exports register(program)), so adding a command means adding one file there.
// Exit status: 0 done, 1 failure, 2 bad usage (docs/cli.md).
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { bindIo, CliError, EXIT_FAILURE, EXIT_USAGE, ExitStatus, processIo, type Io } from "./command.js";

interface CommandModule {
  register?: (program: Command) => void;
}

const COMMANDS_DIR = new URL("./commands/", import.meta.url);

/** The command modules, in name order. */
async function commandModules(): Promise<Array<{ file: string; module: CommandModule }>> {
  const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith(".js")).sort();
  return Promise.all(files.map(async (file) => ({ file, module: (await import(pathToFileURL(fileURLToPath(new URL(file, COMMANDS_DIR))).href)) as CommandModule })));
}

/** A parse error of one command, with the command it belongs to. */
class CommandUsage extends Error {
  constructor(readonly command: Command, readonly parseError: CommanderError) {
    super(parseError.message);
  }
}

/** Every command reports through io, throws instead of exiting, and suggests near misses. */
function wire(command: Command, io: Io): void {
  command
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, "")),
      writeErr: (text) => io.err(text.replace(/\n$/, "")),
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    .exitOverride((error) => {
      throw new CommandUsage(command, error);
    });
  for (const sub of command.commands) wire(sub, io);
}

export async function buildProgram(io: Io): Promise<Command> {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const program = new Command("proxy-wasm-as")
    .description("Build, check, package, push and run proxy-wasm filters written in AssemblyScript.")
    .version(pkg.version)
    .addHelpText("after", "\nRun proxy-wasm-as <command> --help for a command's options. Exit status: 0 done, 1 failure, 2 bad usage.");
  for (const { file, module } of await commandModules()) {
    if (typeof module.register !== "function") throw new Error(`cli/commands/${file} does not export register(program)`);
    module.register(program);
  }
  bindIo(program, io);
  wire(program, io);
  return program;
}

/** The one-line form of a parse error: "<command>: <what> (<suggestion>) (see <command> --help)". */
function usageLine(usage: CommandUsage): string {
  const what = usage.parseError.message.replace(/^error: /, "").replace(/\n+/g, " ").trim();
  const path: string[] = [];
  for (let c: Command | null = usage.command; c?.parent; c = c.parent) path.unshift(c.name());
  const name = path.join(" ");
  return name ? `${name}: ${what} (see ${name} --help)` : `${what} (see --help)`;
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    const program = await buildProgram(io);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof ExitStatus) return error.code;
    if (error instanceof CommandUsage) {
      const { code, exitCode } = error.parseError;
      if (code === "commander.helpDisplayed" || code === "commander.version") return 0;
      if (code === "commander.help") return exitCode === 0 ? 0 : EXIT_USAGE;
      io.err(`error: ${usageLine(error)}`);
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.err(`error: ${error.message.split("\n")[0]}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`error: ${argv[0] ?? "proxy-wasm-as"}: ${message.split("\n")[0]}`);
    return EXIT_FAILURE;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
