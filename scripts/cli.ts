#!/usr/bin/env node
// proxy-wasm-as <command>: validate, package, push, render, run. Each command lives
// in its own module; adding one means adding it to COMMANDS.
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CliError, type Command, type Io } from "./command.js";
import { validateCommand } from "./manifest/command.js";
import { packageCommand } from "./package/command.js";
import { pushCommand } from "./registry/command.js";
import { renderCommand } from "./render/command.js";
import { RUN_HELP, RUN_SUMMARY, runCommand } from "./run/command.js";

const runOnHost: Command = { name: "run", summary: RUN_SUMMARY, help: RUN_HELP, run: (argv, io) => runCommand(argv, io) };

export const COMMANDS: Command[] = [validateCommand, packageCommand, pushCommand, renderCommand, runOnHost];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: proxy-wasm-as <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${"serve".padEnd(width)}  Run a development proxy: real HTTP traffic through filters on this machine`,
    "",
    "Run proxy-wasm-as <command> --help for a command's options.",
  ].join("\n");
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    stdin: () => new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      process.stdin.on("data", (c: Buffer) => chunks.push(c));
      process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      process.stdin.on("error", reject);
    }),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    io.out(pkg.version);
    return 0;
  }
  if (name === "serve") return serveOnCommander(rest);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`proxy-wasm-as: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`error: ${error.message}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`error: ${name}: ${message.split("\n")[0]}`);
    return 1;
  }
}

/** `serve` is written for the commander-based CLI (cli/commands/serve.ts). */
async function serveOnCommander(argv: string[]): Promise<number> {
  const { Command } = await import("commander");
  const { register } = await import("../cli/commands/serve.js");
  const program = new Command("proxy-wasm-as");
  register(program);
  await program.parseAsync(["serve", ...argv], { from: "user" });
  return typeof process.exitCode === "number" ? process.exitCode : 0;
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
