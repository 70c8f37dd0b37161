// What every CLI command shares: where its output goes, how it fails, and the
// option parsers. A command is one file in cli/commands/ exporting
// `register(program)`; its action reads its Io with ioOf(command) and ends by
// returning (exit 0) or throwing one of the errors below. See docs/cli.md.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";

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

/** Exit status of a failure (the command ran and something was wrong). */
export const EXIT_FAILURE = 1;
/** Exit status of bad usage (the command line itself was wrong). */
export const EXIT_USAGE = 2;

/** A failure whose message is the whole story: printed as one `error:` line. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
  }
}

/** A command line the parser accepted but that cannot work (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}

/** The command has already reported what happened; end with this status and print nothing more. */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = "ExitStatus";
  }
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

const ios = new WeakMap<Command, Io>();

/** Gives a program (and every command under it) the Io its actions use. */
export function bindIo(program: Command, io: Io): void {
  ios.set(program, io);
}

/** The Io of the program a command belongs to (the process's when none was bound). */
export function ioOf(command: Command): Io {
  let root = command;
  while (root.parent) root = root.parent;
  return ios.get(root) ?? processIo();
}

/** One line of a progress report. */
export function progress(io: Io, message: string): void {
  io.err(`• ${message}`);
}

/**
 * An option parser for whole numbers ≥ min (digits only), or any integer when min is
 * undefined (a leading "-" allowed). A bad value is a usage error naming the option.
 */
export function integer(expected: string, min?: number): (raw: string) => number {
  return (raw) => {
    const valid = min === undefined ? /^-?\d+$/.test(raw) : /^\d+$/.test(raw) && Number(raw) >= min;
    if (!valid || !Number.isSafeInteger(Number(raw))) throw new InvalidArgumentError(`expected ${expected}`);
    return Number(raw);
  };
}

/** An option parser that accepts one of `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}`);
    return raw as T;
  };
}

/** The parser of a repeatable option: collects every value in order. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Names of the folders under examples/ that have a manifest.yaml, sorted. */
export function exampleNames(command: string, io: Pick<Io, "cwd">): string[] {
  const root = resolve(io.cwd, "examples");
  if (!existsSync(root)) throw new CliError(`${command}: no examples/ folder here`);
  return readdirSync(root).filter((n) => existsSync(join(root, n, "manifest.yaml"))).sort();
}

/** Splits "key=value" at the first "="; null when there is no "=" or the key is empty. */
export function keyValue(text: string): [key: string, value: string] | null {
  const eq = text.indexOf("=");
  return eq <= 0 ? null : [text.slice(0, eq), text.slice(eq + 1)];
}

/** Longest key, value or name quoted in a message; longer ones are cut short. */
export const MAX_QUOTED_CHARS = 80;

/** `text`, cut to MAX_QUOTED_CHARS with a note of how much was left out. */
export function clip(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return text;
  return `${text.slice(0, MAX_QUOTED_CHARS)}…(${text.length - MAX_QUOTED_CHARS} more characters)`;
}

/** `text` from a user's file, in quotes for a one-line message: escaped as in JSON (control characters, quotes, backslashes), then clipped. */
export function quote(text: string): string {
  return `"${clip(JSON.stringify(text).slice(1, -1))}"`;
}
