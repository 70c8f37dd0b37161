// What every CLI command provides, and the helpers they share.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface Io {
  /** Results (what a script would capture). */
  out: (line: string) => void;
  /** Progress and diagnostics. */
  err: (line: string) => void;
  /** Reads all of standard input (for --password-stdin). */
  stdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text shown by `<command> --help`. */
  help: string;
  /** Returns the exit code. Throw CliError for bad input (one-line cause, exit 1). */
  run(argv: string[], io: Io): Promise<number>;
}

/** A failure whose message is the whole story (no stack trace shown). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "CliError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

type HelpOption = { help: { type: "boolean"; short: "h" } };
export type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T & HelpOption; allowPositionals: true; strict: true }>>;

/** util.parseArgs with --help added and errors turned into CliError. */
export function parse<T extends Options>(command: string, argv: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } } as T & HelpOption, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message.split("\n")[0]} (see ${command} --help)`);
  }
}

/** One line of a progress report. */
export function progress(io: Io, message: string): void {
  io.err(`• ${message}`);
}

/**
 * parse() for a command's run(): null when --help was given, after printing the command's
 * help (the command then exits 0).
 */
export function parseOrHelp<T extends Options>(
  command: Pick<Command, "name" | "help">,
  argv: string[],
  io: Pick<Io, "out">,
  options: T,
): Parsed<T> | null {
  const parsed = parse(command.name, argv, options);
  if (!(parsed.values as { help?: boolean }).help) return parsed;
  io.out(command.help);
  return null;
}

/** Names of the folders under examples/ that have a manifest.yaml, sorted. */
export function exampleNames(command: string, io: Pick<Io, "cwd">): string[] {
  const root = resolve(io.cwd, "examples");
  if (!existsSync(root)) throw new CliError(`${command}: no examples/ folder here`);
  return readdirSync(root).filter((n) => existsSync(join(root, n, "manifest.yaml"))).sort();
}

/**
 * An optional integer option: undefined when absent. With `min` only digits are accepted
 * and the value must be at least `min`; without it a leading "-" is allowed. Anything else
 * is a CliError: `<command>: --<name> must be <expected>, got "<raw>"`.
 */
export function integerOption(command: string, name: string, raw: string | undefined, expected: string, min?: number): number | undefined {
  if (raw === undefined) return undefined;
  const valid = min === undefined ? /^-?\d+$/.test(raw) : /^\d+$/.test(raw) && Number(raw) >= min;
  if (!valid) throw new CliError(`${command}: --${name} must be ${expected}, got "${raw}"`);
  return Number(raw);
}

/** Splits "key=value" at the first "="; null when there is no "=" or the key is empty. */
export function keyValue(text: string): [key: string, value: string] | null {
  const eq = text.indexOf("=");
  return eq <= 0 ? null : [text.slice(0, eq), text.slice(eq + 1)];
}
