// `proxy-wasm-as build [dir]`: one filter folder → <name>.wasm (release) and
// <name>.debug.wasm (with names), sizes printed; --watch rebuilds on change.
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliError, ioOf } from "../command.js";
import { buildAndReport, checkCompiler, defaultOutDir } from "../project/build.js";
import { filterFolder } from "../project/folder.js";
import { untilInterrupted, watchProject } from "../project/watch.js";

interface Options {
  outDir?: string;
  watch?: boolean;
}

export function register(program: Command): void {
  program
    .command("build")
    .summary("compile a filter folder: release and debug modules, sizes printed")
    .description(`Compiles the filter in [dir] (default: the current folder; it has an asconfig.json) into <out-dir>/<name>.wasm (release: optimised, no assertions) and <out-dir>/<name>.debug.wasm (with function names, for stack traces), where <name> is the folder's name. With --watch it builds again after every change to the folder's sources, until interrupted.`)
    .argument("[dir]", "the filter folder", ".")
    .option("--out-dir <dir>", "where the modules go (default: build)")
    .option("--watch", "rebuild on every change")
    .action(async (dir: string, options: Options, command: Command) => {
      const io = ioOf(command);
      const folder = filterFolder("build", io.cwd, dir);
      await checkCompiler("build");
      const outDir = options.outDir !== undefined ? resolve(io.cwd, options.outDir) : defaultOutDir(io.cwd);
      if (!options.watch) {
        if (!(await buildAndReport(folder, outDir, io))) throw new CliError(`build: ${folder.name} does not compile`);
        return;
      }
      const watching = await watchProject({
        dir: folder.dir,
        ignore: [outDir],
        job: async (changed) => {
          if (changed.length > 0) io.err(`• changed: ${changed.join(", ")}`);
          if (!(await buildAndReport(folder, outDir, io))) io.err(`• ${folder.name} does not compile; waiting for changes`);
        },
      });
      io.err("• watching for changes (Ctrl-C stops)");
      await untilInterrupted();
      await watching.close();
    });
}
