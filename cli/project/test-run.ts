// `proxy-wasm-as test` for one filter project: the project's TypeScript tests are
// compiled with the project's own TypeScript, then run by node:test. The run
// fails when a test fails and when no test ran.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Io } from "../command.js";
import type { FilterFolder } from "./folder.js";

/** Default per-test timeout: no test may hang the run. */
export const DEFAULT_TEST_TIMEOUT_MS = 60_000;

export interface TestRunResult {
  ok: boolean;
  /** Tests that ran (passed or failed); 0 also when compiling failed. */
  ran: number;
  failed: number;
  /** Why the run failed, in one line (null when it passed). */
  problem: string | null;
}

interface Finished {
  code: number | null;
  output: string;
}

/** Runs `node <args>` in `cwd`; each line of output goes to `echo` as it comes (and is kept). */
function runNode(args: string[], cwd: string, echo: (line: string) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    // A run started from inside another node:test run is still a run of its own.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let partial = "";
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) echo(line);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => {
      if (partial !== "") echo(partial);
      resolve({ code, output });
    });
  });
}

/** The project's TypeScript compiler (its own devDependency), or null when it has none. */
function projectTsc(dir: string): string | null {
  try {
    const require = createRequire(join(dir, "package.json"));
    return require.resolve("typescript/bin/tsc");
  } catch {
    return null;
  }
}

/** Compiles the tests; gives the emitted test files (…/*.test.js). */
async function compileTests(folder: FilterFolder, io: Io): Promise<{ files: string[]; problem: string | null }> {
  const tsc = projectTsc(folder.dir);
  if (tsc === null) return { files: [], problem: "TypeScript is not installed here: npm install --save-dev typescript" };
  if (!existsSync(join(folder.dir, "tsconfig.json"))) return { files: [], problem: `${folder.shown} has no tsconfig.json for its tests` };
  const compiled = await runNode([tsc, "-p", "tsconfig.json", "--listEmittedFiles", "--pretty", "false"], folder.dir, () => {});
  const emitted: string[] = [];
  const diagnostics: string[] = [];
  for (const line of compiled.output.split("\n")) {
    if (line.startsWith("TSFILE: ")) emitted.push(line.slice("TSFILE: ".length).trim());
    else if (line.trim() !== "") diagnostics.push(line);
  }
  if (compiled.code !== 0) {
    for (const line of diagnostics) io.err(line);
    return { files: [], problem: "the tests do not compile" };
  }
  const files = emitted.filter((f) => f.endsWith(".test.js")).sort();
  if (files.length === 0) return { files, problem: "no test files: tests are test/**/*.test.ts, compiled by tsconfig.json" };
  return { files, problem: null };
}

/** Compiles and runs the project's tests (the module must be built already). */
export async function runTests(folder: FilterFolder, io: Io, timeoutMs = DEFAULT_TEST_TIMEOUT_MS): Promise<TestRunResult> {
  const { files, problem } = await compileTests(folder, io);
  if (problem !== null) return { ok: false, ran: 0, failed: 0, problem };
  const scratch = mkdtempSync(join(tmpdir(), "proxy-wasm-as-test-"));
  try {
    const counts = join(scratch, "counts.json");
    const reporter = new URL("./test-count-reporter.js", import.meta.url).href;
    const run = await runNode([
      "--test", `--test-timeout=${timeoutMs}`,
      "--test-reporter=spec", "--test-reporter-destination=stdout",
      `--test-reporter=${reporter}`, `--test-reporter-destination=${counts}`,
      ...files.map((f) => relative(folder.dir, f)),
    ], folder.dir, io.out);
    const { ran, failed } = existsSync(counts)
      ? (JSON.parse(readFileSync(counts, "utf8")) as { ran: number; failed: number })
      : { ran: 0, failed: 0 };
    if (run.code !== 0 || failed > 0) return { ok: false, ran, failed, problem: `${failed || "some"} of ${ran} tests failed` };
    if (ran === 0) return { ok: false, ran, failed, problem: `no test ran (${files.length} test file${files.length === 1 ? "" : "s"} defined none)` };
    return { ok: true, ran, failed, problem: null };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
