// `proxy-wasm-as validate`: checks manifest.yaml files.
import { existsSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { CliError, exampleNames, parseOrHelp, type Command } from "../command.js";
import { validateManifestFile } from "./validate.js";

const HELP = `Usage: proxy-wasm-as validate [options] <manifest.yaml | example-dir>...
       proxy-wasm-as validate --all

Checks each manifest.yaml against manifest/extension-manifest.schema.json:
schemaVersion 1; name (a DNS label) and version (an image tag); phase one of
PreAuthN, PostAuthN, PreAuthZ, PostAuthZ, PreStats, PostStats (case-sensitive);
priority an integer; module a relative path that exists in the packaged image
(plugin.wasm). Every problem is printed as file:line:column: what is wrong.

Options:
  --all        validate every examples/*/manifest.yaml
  -h, --help   show this help`;

export const validateCommand: Command = {
  name: "validate",
  summary: "check manifest.yaml files (errors as file:line:column)",
  help: HELP,
  async run(argv, io) {
    const parsed = parseOrHelp(validateCommand, argv, io, { all: { type: "boolean" } });
    if (parsed === null) return 0;
    const { values, positionals } = parsed;
    let files = positionals.map((p) => {
      const absolute = resolve(io.cwd, p);
      return existsSync(absolute) && statSync(absolute).isDirectory() ? join(absolute, "manifest.yaml") : absolute;
    });
    if (values.all) {
      const root = resolve(io.cwd, "examples");
      files = files.concat(exampleNames("validate", io).map((n) => join(root, n, "manifest.yaml")));
    }
    if (files.length === 0) throw new CliError("validate: name a manifest.yaml or an example folder, or use --all (see validate --help)");
    let bad = 0;
    for (const file of files) {
      const shown = relative(io.cwd, file) || file;
      const result = validateManifestFile(file);
      for (const error of result.errors) io.err(`${shown}:${error.position.line}:${error.position.column}: ${error.problem}`);
      if (result.errors.length > 0) bad++;
      else io.out(`${shown}: ok`);
    }
    if (bad > 0) {
      io.err(`${bad} of ${files.length} manifest${files.length === 1 ? "" : "s"} invalid`);
      return 1;
    }
    return 0;
  },
};
