// `proxy-wasm-as validate`: checks manifest.yaml files.
import { existsSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { PHASES } from "../../host/index.js";
import { exampleNames, ExitStatus, ioOf, UsageError } from "../command.js";
import { validateManifestFile } from "../manifest/validate.js";
import { currentFilterDirs } from "../project/folder.js";

const DESCRIPTION = `Checks each manifest.yaml against manifest/extension-manifest.schema.json:
schemaVersion 1; name (a DNS label) and version (an image tag); phase one of
${PHASES.join(", ")} (case-sensitive);
priority an integer; module a relative path that exists in the packaged image
(plugin.wasm). Every problem is printed as file:line:column: what is wrong.`;

export function register(program: Command): void {
  program
    .command("validate")
    .summary("check manifest.yaml files (errors as file:line:column)")
    .description(DESCRIPTION)
    .argument("[paths...]", "manifest.yaml files or filter folders (default: the current folder)")
    .option("--all", "validate every examples/*/manifest.yaml")
    .action(async (paths: string[], options: { all?: boolean }, command: Command) => {
      const io = ioOf(command);
      const named = paths.length > 0 || options.all ? paths : currentFilterDirs(io.cwd);
      let files = named.map((p) => {
        const absolute = resolve(io.cwd, p);
        return existsSync(absolute) && statSync(absolute).isDirectory() ? join(absolute, "manifest.yaml") : absolute;
      });
      if (options.all) {
        const root = resolve(io.cwd, "examples");
        files = files.concat(exampleNames("validate", io).map((n) => join(root, n, "manifest.yaml")));
      }
      if (files.length === 0) throw new UsageError("validate: name a manifest.yaml or a filter folder, or use --all (see validate --help)");
      let bad = 0;
      for (const file of files) {
        const shown = relative(io.cwd, file) || file;
        const result = validateManifestFile(file);
        for (const error of result.errors) io.err(`${shown}:${error.position.line}:${error.position.column}: ${error.problem}`);
        if (result.omitted > 0) io.err(`${shown}: … and ${result.omitted} more problems (only the first ${result.errors.length} are listed)`);
        if (result.errors.length > 0) bad++;
        else io.out(`${shown}: ok`);
      }
      if (bad > 0) {
        io.err(`${bad} of ${files.length} manifest${files.length === 1 ? "" : "s"} invalid`);
        throw new ExitStatus(1);
      }
    });
}
