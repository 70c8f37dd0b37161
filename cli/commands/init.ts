// `proxy-wasm-as init <dir>`: a new filter project that builds, tests and packages
// with no edits (templates/).
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { Option, type Command } from "commander";
import { CliError, ioOf, UsageError } from "../command.js";
import { FILTER_NAME, scaffold, templateInfo, templateNames } from "../project/scaffold.js";

const DEFAULT_TEMPLATE = "http-config";

interface Options {
  template: string;
  name?: string;
  sdk?: string;
}

function describeTemplates(): string {
  const names = templateNames();
  const width = Math.max(...names.map((n) => n.length));
  return names.map((n) => `  ${n.padEnd(width)}  ${templateInfo(n).summary}`).join("\n");
}

/**
 * The dependency spec for the project's package.json. A path (`./x.tgz`, `../sdk`, `/abs`,
 * `x.tgz`) is given from where init runs, so it is rewritten as `file:` relative to the new
 * project, where npm install reads it; other specs (a version range, `file:…`, a git URL) are
 * written as given.
 */
function sdkSpecFor(spec: string | undefined, cwd: string, target: string): string | undefined {
  if (spec === undefined) return undefined;
  const isPath = spec.startsWith("./") || spec.startsWith("../") || isAbsolute(spec) || (/\.(tgz|tar\.gz)$/.test(spec) && !spec.includes(":"));
  if (!isPath) return spec;
  const fromProject = relative(target, resolve(cwd, spec)).split(sep).join("/");
  return `file:${fromProject.startsWith(".") ? "" : "./"}${fromProject}`;
}

export function register(program: Command): void {
  program
    .command("init")
    .summary("create a filter project (source, tests, manifest) ready to build, test and package")
    .description(`Writes a filter project into <dir>: package.json (scripts asbuild, test, package), asconfig.json, assembly/index.ts, a host test in test/, manifest.yaml, tsconfig.json, .gitignore and a README. Then: cd <dir> && npm install && npm test.`)
    .argument("<dir>", "the new project's folder (must not exist, or be empty)")
    .addOption(new Option("--template <name>", "what the filter starts as").choices(templateNames()).default(DEFAULT_TEMPLATE))
    .option("--name <name>", "the filter's name (default: the folder's name)")
    .option("--sdk <spec>", "the proxy-wasm-as dependency to write (default: ^<this version>); a path to a tarball or folder, from where init runs, becomes file: relative to the project; a file: or git URL spec is written as given")
    .addHelpText("after", `\nTemplates:\n${describeTemplates()}`)
    .action((dir: string, options: Options, command: Command) => {
      const io = ioOf(command);
      const target = resolve(io.cwd, dir);
      const shown = relative(io.cwd, target) || ".";
      const name = options.name ?? basename(target);
      if (!FILTER_NAME.test(name) || name.length > 63) {
        throw new UsageError(`init: "${name}" cannot name a filter: use up to 63 lowercase letters, digits and "-" (or give --name)`);
      }
      if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
        throw new CliError(`init: ${shown} already exists and is not an empty folder`);
      }
      const files = scaffold(target, { template: options.template, name, sdkSpec: sdkSpecFor(options.sdk, io.cwd, target) });
      io.out(`created ${name} (template ${options.template}) in ${shown}: ${files.join(", ")}`);
      io.out("next:");
      if (shown !== ".") io.out(`  cd ${shown}`);
      io.out("  npm install");
      io.out("  npm test");
      io.out("  npm run package");
    });
}
