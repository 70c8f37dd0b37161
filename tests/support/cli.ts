// The CLI run in this process (main() with an Io that records), for tests that do
// not need a separate process.
import { main } from "../../cli/main.js";

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
