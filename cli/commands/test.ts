// `proxy-wasm-as test [dir]`: builds the filter, compiles its TypeScript tests and
// runs them on the host; fails when a test fails or none ran. --watch runs
// again after every change.
import { join } from "node:path";
import type { Command } from "commander";
import { CliError, integer, ioOf, type Io } from "../command.js";
import { buildAndReport, checkCompiler } from "../project/build.js";
import { filterFolder, type FilterFolder } from "../project/folder.js";
import { DEFAULT_TEST_TIMEOUT_MS, runTests } from "../project/test-run.js";
import { untilInterrupted, watchProject } from "../project/watch.js";

interface Options {
  timeout: number;
  watch?: boolean;
}

/** Builds and tests once; gives the one-line reason it failed, or null. */
async function buildAndTest(folder: FilterFolder, timeoutMs: number, io: Io): Promise<string | null> {
  // Tests run in the folder and read build/<name>.wasm from there.
  if (!(await buildAndReport(folder, join(folder.dir, "build"), io))) return `${folder.name} does not compile`;
  const result = await runTests(folder, io, timeoutMs);
  if (result.problem !== null) return result.problem;
  io.out(`test: ${result.ran} test${result.ran === 1 ? "" : "s"} passed`);
  return null;
}

export function register(program: Command): void {
  program
    .command("test")
    .summary("build a filter folder and run its host tests (fails when none ran)")
    .description(`Builds the filter in [dir] (default: the current folder) into [dir]/build, compiles its tests (test/**/*.test.ts) with the project's TypeScript and tsconfig.json, and runs them with node:test in [dir]. Fails when the filter or a test does not compile, when a test fails, and when no test ran. With --watch it builds and tests again after every change, until interrupted.`)
    .argument("[dir]", "the filter folder", ".")
    .option("--timeout <ms>", "per-test timeout", integer("a whole number of milliseconds", 1), DEFAULT_TEST_TIMEOUT_MS)
    .option("--watch", "build and test again on every change")
    .action(async (dir: string, options: Options, command: Command) => {
      const io = ioOf(command);
      const folder = filterFolder("test", io.cwd, dir);
      await checkCompiler("test");
      if (!options.watch) {
        const problem = await buildAndTest(folder, options.timeout, io);
        if (problem !== null) throw new CliError(`test: ${problem}`);
        return;
      }
      const watching = await watchProject({
        dir: folder.dir,
        job: async (changed) => {
          if (changed.length > 0) io.err(`• changed: ${changed.join(", ")}`);
          const problem = await buildAndTest(folder, options.timeout, io);
          if (problem !== null) io.err(`• test: ${problem}; waiting for changes`);
        },
      });
      io.err("• watching for changes (Ctrl-C stops)");
      await untilInterrupted();
      await watching.close();
    });
}
