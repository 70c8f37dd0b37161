// `proxy-wasm-as push`: an OCI layout (or a filter folder, packaged on the fly) → a registry.
import { existsSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { CliError, integer, ioOf, oneOf, progress } from "../command.js";
import { MANIFEST_FORMATS, type ManifestFormat } from "../package/image.js";
import { DEFAULT_MAX_IMAGE_BYTES, loadLayout } from "../package/layout.js";
import { packageExample } from "../package/package.js";
import { DEFAULT_TIMEOUT_MS, RegistryClient, type Credentials } from "../registry/client.js";
import { parseReference } from "../registry/reference.js";
import { pushImage, verifyPushed } from "../registry/push.js";

const DESCRIPTION = `Pushes an extension image over the OCI distribution API: each blob unless the
registry already has it (chunked above --chunk-size), then the manifest, so an
interrupted push leaves no tag on a partial image. Then reads the manifest back
by its reference and checks every digest. Prints the reference and the manifest
digest (the sha256 a WasmPlugin needs).

<source> is an OCI layout directory, a .tar written by package, or a filter
folder (packaged into --out first). Without a tag in the reference, the image's
version is the tag.`;

interface Options {
  format: ManifestFormat;
  username?: string;
  passwordStdin?: boolean;
  plainHttp?: boolean;
  chunkSize?: number;
  attempts?: number;
  out: string;
  digestFile?: string;
  timeout: number;
  maxImageBytes: number;
}

/** A message with the password (plain or inside a Basic header) replaced by ***, whatever echoed it. */
function withoutSecrets(message: string, credentials: Credentials | null): string {
  if (credentials === null || credentials.password === "") return message;
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
  return message.split(basic).join("***").split(credentials.password).join("***");
}

export function register(program: Command): void {
  program
    .command("push")
    .summary("push an image to an OCI registry and verify it")
    .description(DESCRIPTION)
    .argument("<source>", "OCI layout directory, package's .tar, or filter folder")
    .argument("<reference>", "registry/repository[:tag][@sha256:…]")
    .option("--format <format>", "manifest flavour: oci (same digest as the package) or docker (Docker v2 schema 2, for old OpenShift image imports)", oneOf(MANIFEST_FORMATS), "oci")
    .option("--username <name>", "user for basic or token authentication (or REGISTRY_USERNAME)")
    .option("--password-stdin", "read the password from standard input (or REGISTRY_PASSWORD)")
    .option("--plain-http", "speak HTTP, not HTTPS (default only for 127.0.0.1/localhost)")
    .option("--chunk-size <bytes>", "upload blobs larger than this in chunks (default 8388608)", integer("a whole number ≥ 1", 1))
    .option("--attempts <n>", "attempts per request on transient failures (default 3)", integer("a whole number ≥ 1", 1))
    .option("--out <dir>", "where a filter folder is packaged", "dist")
    .option("--digest-file <file>", "also write the manifest digest to this file")
    .option("--timeout <seconds>", "time one request to the registry may take", integer("a whole number of seconds ≥ 1", 1), DEFAULT_TIMEOUT_MS / 1000)
    .option("--max-image-bytes <n>", "most bytes read from the OCI layout or tar", integer("a whole number ≥ 1", 1), DEFAULT_MAX_IMAGE_BYTES)
    .action(async (source: string, target: string, options: Options, command: Command) => {
      const io = ioOf(command);
      let ref;
      try {
        ref = parseReference(target);
      } catch (error) {
        throw new CliError(`push: ${(error as Error).message}`);
      }
      const username = options.username ?? io.env.REGISTRY_USERNAME;
      let password = io.env.REGISTRY_PASSWORD;
      if (options.passwordStdin) password = (await io.stdin()).replace(/\r?\n$/, "");
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
          outDir: resolve(io.cwd, options.out),
          buildDir: resolve(io.cwd, "build"),
          onProgress: (m) => progress(io, m),
        }).catch((error: Error) => { throw new CliError(`push: ${basename(absolute)}: ${error.message.split("\n")[0]}`); });
        layoutPath = result.layoutDir;
      }
      const image = await loadLayout(layoutPath, { maxImageBytes: options.maxImageBytes }).catch((error: Error) => { throw new CliError(`push: ${error.message}`); });
      const client = new RegistryClient({
        registry: ref.registry,
        plainHttp: options.plainHttp ? true : undefined,
        credentials,
        attempts: options.attempts,
        chunkSize: options.chunkSize,
        timeoutMs: options.timeout * 1000,
        onProgress: (m) => progress(io, withoutSecrets(m, credentials)),
      });
      try {
        const pushed = await pushImage(client, ref, image, options.format, (m) => progress(io, m));
        progress(io, `verifying ${ref.repository}:${pushed.pushedAs}`);
        await verifyPushed(client, ref.repository, pushed.pushedAs, pushed.digest);
        io.out(`${pushed.reference}@${pushed.digest}`);
        if (options.digestFile) writeFileSync(resolve(io.cwd, options.digestFile), pushed.digest + "\n");
      } catch (error) {
        throw new CliError(`push: ${withoutSecrets((error as Error).message, credentials)}`);
      }
    });
}
