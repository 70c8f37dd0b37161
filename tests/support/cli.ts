// The CLI run in this process (main() with an Io that records), for tests that do
// not need a separate process; and the CLI as its own process (node out/cli/main.js).
import { fileURLToPath } from "node:url";
import { main } from "../../cli/main.js";
import { run, type RunResult } from "./tools.js";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function cliInProcess(argv: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    stdin: async () => options.input ?? "",
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** The compiled CLI entry point (out/cli/main.js). */
export const CLI_MAIN = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

/** `node out/cli/main.js <argv>` with a time limit (a run past it rejects). */
export function cliProcess(argv: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(process.execPath, [CLI_MAIN, ...argv], { cwd: options.cwd, input: options.input, timeoutMs: options.timeoutMs ?? 60_000 });
}
