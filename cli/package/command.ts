// `proxy-wasm-as package`: example folders → OCI layout directory + loadable tar.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { CliError, exampleNames, integerOption, parseOrHelp, progress, type Command } from "../command.js";
import { packageExample } from "./package.js";

const HELP = `Usage: proxy-wasm-as package [options] <example-dir>...
       proxy-wasm-as package --all [options]

Builds one extension image per example: a single gzip layer holding
manifest.yaml and plugin.wasm at the root, usable by Maistra's
ServiceMeshExtension and Istio's WasmPlugin. Writes, per example:
  <out>/<name>/oci/        OCI image layout (skopeo copy oci:<dir>:<version> …)
  <out>/<name>/<name>.tar  OCI layout + Docker manifest.json (docker load, podman load)
  <out>/<name>/image.json  the digests
Output is reproducible: the same inputs give byte-identical files.

Options:
  --all               package every folder under examples/ that has a manifest.yaml
  --out <dir>         output directory (default: dist)
  --build-dir <dir>   where <name>.wasm is read from (default: build)
  --build             build the module first even if build/<name>.wasm exists
  --repo-tag <ref>    name docker/podman load give the image (default: localhost/<name>:<version>)
  --epoch <seconds>   timestamp for every file (default: SOURCE_DATE_EPOCH or 0)
  -h, --help          show this help`;

export const packageCommand: Command = {
  name: "package",
  summary: "build the extension image (OCI layout + tar) of each example",
  help: HELP,
  async run(argv, io) {
    const parsed = parseOrHelp(packageCommand, argv, io, {
      all: { type: "boolean" },
      out: { type: "string" },
      "build-dir": { type: "string" },
      build: { type: "boolean" },
      "repo-tag": { type: "string" },
      epoch: { type: "string" },
    });
    if (parsed === null) return 0;
    const { values, positionals } = parsed;
    let dirs = positionals;
    if (values.all) {
      if (positionals.length > 0) throw new CliError("package: give example folders or --all, not both");
      dirs = exampleNames("package", io).map((n) => join("examples", n));
      if (dirs.length === 0) throw new CliError("package: no example under examples/ has a manifest.yaml");
    }
    if (dirs.length === 0) throw new CliError("package: name at least one example folder, or use --all (see package --help)");
    if (values["repo-tag"] && dirs.length > 1) throw new CliError("package: --repo-tag names one image; package one example at a time with it");
    const epoch = integerOption("package", "epoch", values.epoch, "a whole number of seconds", 0);
    for (const dir of dirs) {
      const absolute = resolve(io.cwd, dir);
      if (!existsSync(join(absolute, "manifest.yaml"))) throw new CliError(`package: ${dir} has no manifest.yaml`);
      try {
        const result = await packageExample(absolute, {
          buildDir: resolve(io.cwd, values["build-dir"] ?? "build"),
          outDir: resolve(io.cwd, values.out ?? "dist"),
          epoch,
          repoTag: values["repo-tag"],
          build: values.build ? "always" : "missing",
          onProgress: (m) => progress(io, m),
        });
        io.out(`${result.example} ${result.image.tag} ${result.image.manifests.oci.digest} ${relative(io.cwd, result.tarFile) || result.tarFile}`);
      } catch (error) {
        throw new CliError(`package: ${dir}: ${(error as Error).message}`);
      }
    }
    return 0;
  },
};
