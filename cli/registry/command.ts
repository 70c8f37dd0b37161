// `proxy-wasm-as push`: an OCI layout (or an example, packaged on the fly) → a registry.
import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { CliError, integerOption, parseOrHelp, progress, type Command } from "../command.js";
import { loadLayout } from "../package/layout.js";
import { packageExample } from "../package/package.js";
import { RegistryClient, type Credentials } from "./client.js";
import { parseReference } from "./reference.js";
import { pushImage, verifyPushed, type PushFormat } from "./push.js";

const HELP = `Usage: proxy-wasm-as push [options] <source> <registry/repository[:tag][@sha256:…]>

Pushes an extension image over the OCI distribution API: each blob unless the
registry already has it (chunked above --chunk-size), then the manifest, so an
interrupted push leaves no tag on a partial image. Then reads the manifest back
by its reference and checks every digest. Prints the reference and the manifest
digest (the sha256 a WasmPlugin needs).

<source> is an OCI layout directory, a .tar written by package, or an example
folder (packaged into --out first). Without a tag in the reference, the image's
version is the tag.

Options:
  --format <oci|docker>   manifest flavour: oci (default; same digest as the
                          package) or docker (Docker v2 schema 2, for old
                          OpenShift image imports)
  --username <name>       user for basic or token authentication
                          (or REGISTRY_USERNAME)
  --password-stdin        read the password from standard input
                          (or REGISTRY_PASSWORD)
  --plain-http            speak HTTP, not HTTPS (default only for 127.0.0.1/localhost)
  --chunk-size <bytes>    upload blobs larger than this in chunks (default 8388608)
  --attempts <n>          attempts per request on transient failures (default 3)
  --out <dir>             where an example is packaged (default: dist)
  --digest-file <file>    also write the manifest digest to this file
  -h, --help              show this help`;

export const pushCommand: Command = {
  name: "push",
  summary: "push an image to an OCI registry and verify it",
  help: HELP,
  async run(argv, io) {
    const parsed = parseOrHelp(pushCommand, argv, io, {
      format: { type: "string" },
      username: { type: "string" },
      "password-stdin": { type: "boolean" },
      "plain-http": { type: "boolean" },
      "chunk-size": { type: "string" },
      attempts: { type: "string" },
      out: { type: "string" },
      "digest-file": { type: "string" },
    });
    if (parsed === null) return 0;
    const { values, positionals } = parsed;
    if (positionals.length !== 2) throw new CliError("push: expected <source> and <registry/repository[:tag]> (see push --help)");
    const [source, target] = positionals;
    const format = (values.format ?? "oci") as PushFormat;
    if (format !== "oci" && format !== "docker") throw new CliError(`push: --format must be oci or docker, got "${values.format}"`);
    const chunkSize = integerOption("push", "chunk-size", values["chunk-size"], "a whole number ≥ 1", 1);
    const attempts = integerOption("push", "attempts", values.attempts, "a whole number ≥ 1", 1);
    let ref;
    try {
      ref = parseReference(target);
    } catch (error) {
      throw new CliError(`push: ${(error as Error).message}`);
    }
    const username = values.username ?? io.env.REGISTRY_USERNAME;
    let password = io.env.REGISTRY_PASSWORD;
    if (values["password-stdin"]) password = (await io.stdin()).replace(/\r?\n$/, "");
    let credentials: Credentials | null = null;
    if (username !== undefined) {
      if (password === undefined) throw new CliError("push: a user name needs a password (--password-stdin or REGISTRY_PASSWORD)");
      credentials = { username, password };
    }
    const absolute = resolve(io.cwd, source);
    if (!existsSync(absolute)) throw new CliError(`push: ${source} does not exist`);
    let layoutPath = absolute;
    if (existsSync(join(absolute, "manifest.yaml"))) {
      const result = await packageExample(absolute, {
        outDir: resolve(io.cwd, values.out ?? "dist"),
        buildDir: resolve(io.cwd, "build"),
        onProgress: (m) => progress(io, m),
      }).catch((error: Error) => { throw new CliError(`push: ${basename(absolute)}: ${error.message.split("\n")[0]}`); });
      layoutPath = result.layoutDir;
    }
    const image = await loadLayout(layoutPath).catch((error: Error) => { throw new CliError(`push: ${error.message}`); });
    const client = new RegistryClient({
      registry: ref.registry,
      plainHttp: values["plain-http"] ? true : undefined,
      credentials,
      attempts,
      chunkSize,
      onProgress: (m) => progress(io, m),
    });
    try {
      const pushed = await pushImage(client, ref, image, format, (m) => progress(io, m));
      progress(io, `verifying ${ref.repository}:${pushed.pushedAs}`);
      await verifyPushed(client, ref.repository, pushed.pushedAs, pushed.digest);
      io.out(`${pushed.reference}@${pushed.digest}`);
      if (values["digest-file"]) {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(resolve(io.cwd, values["digest-file"]), pushed.digest + "\n");
      }
    } catch (error) {
      throw new CliError(`push: ${(error as Error).message}`);
    }
    return 0;
  },
};
