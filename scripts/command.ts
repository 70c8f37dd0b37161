// What every CLI command provides, and the helpers they share.
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
