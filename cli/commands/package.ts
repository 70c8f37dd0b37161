// `proxy-wasm-as package`: filter folders → OCI layout directory + loadable tar.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { CliError, exampleNames, integer, ioOf, progress, UsageError } from "../command.js";
import { DEFAULT_MAX_MODULE_BYTES, packageExample } from "../package/package.js";
import { currentFilterDirs } from "../project/folder.js";

const DESCRIPTION = `Builds one extension image per filter folder: a single gzip layer holding
manifest.yaml and plugin.wasm at the root, usable by Maistra's
ServiceMeshExtension and Istio's WasmPlugin. Writes, per filter:
  <out>/<name>/oci/        OCI image layout (skopeo copy oci:<dir>:<version> …)
  <out>/<name>/<name>.tar  OCI layout + Docker manifest.json (docker load, podman load)
  <out>/<name>/image.json  the digests
Output is reproducible: the same inputs give byte-identical files.
A module missing from --build-dir, or older than the filter's sources (its .ts
files and asconfig.json), is built first; with --no-build it is refused.`;

interface Options {
  all?: boolean;
  out?: string;
  buildDir?: string;
  build?: boolean;
  repoTag?: string;
  epoch?: number;
  maxModuleBytes: number;
}

export function register(program: Command): void {
  program
    .command("package")
    .summary("build the extension image (OCI layout + tar) of each filter")
    .description(DESCRIPTION)
    .argument("[dirs...]", "filter folders (each with a manifest.yaml; default: the current folder)")
    .option("--all", "package every folder under examples/ that has a manifest.yaml")
    .option("--out <dir>", "output directory", "dist")
    .option("--build-dir <dir>", "where <name>.wasm is read from", "build")
    .option("--build", "build the module first even if build/<name>.wasm is up to date")
    .option("--no-build", "never build: refuse a module that is missing or older than its sources")
    .option("--repo-tag <ref>", "name docker/podman load give the image (default: localhost/<name>:<version>)")
    .option("--epoch <seconds>", "timestamp for every file (default: SOURCE_DATE_EPOCH or 0)", integer("a whole number of seconds", 0))
    .option("--max-module-bytes <n>", "size limit of the module read into the image", integer("a whole number ≥ 1", 1), DEFAULT_MAX_MODULE_BYTES)
    .action(async (positionals: string[], options: Options, command: Command) => {
      const io = ioOf(command);
      let dirs = positionals.length > 0 || options.all ? positionals : currentFilterDirs(io.cwd);
      if (options.all) {
        if (positionals.length > 0) throw new UsageError("package: give filter folders or --all, not both");
        dirs = exampleNames("package", io).map((n) => join("examples", n));
        if (dirs.length === 0) throw new CliError("package: no example under examples/ has a manifest.yaml");
      }
      if (dirs.length === 0) throw new UsageError("package: name at least one filter folder, or use --all (see package --help)");
      if (options.repoTag && dirs.length > 1) throw new UsageError("package: --repo-tag names one image; package one filter at a time with it");
      for (const dir of dirs) {
        const absolute = resolve(io.cwd, dir);
        if (!existsSync(join(absolute, "manifest.yaml"))) throw new CliError(`package: ${dir} has no manifest.yaml`);
        try {
          const result = await packageExample(absolute, {
            buildDir: resolve(io.cwd, options.buildDir ?? "build"),
            outDir: resolve(io.cwd, options.out ?? "dist"),
            epoch: options.epoch,
            repoTag: options.repoTag,
            build: options.build === true ? "always" : options.build === false ? "never" : "missing",
            maxModuleBytes: options.maxModuleBytes,
            onProgress: (m) => progress(io, m),
          });
          io.out(`${result.example} ${result.image.tag} ${result.image.manifests.oci.digest} ${relative(io.cwd, result.tarFile) || result.tarFile}`);
        } catch (error) {
          throw new CliError(`package: ${dir}: ${(error as Error).message}`);
        }
      }
    });
}
