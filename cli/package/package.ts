// From an example folder to an OCI layout directory and a loadable tar.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { IMAGE_MODULE, manifestProblems, validateManifestFile, type ExtensionManifest } from "../manifest/validate.js";
import { readBoundedFile } from "../files.js";
import { staleBecause } from "../build/staleness.js";
import { buildImage, sha256, type ExtensionImage } from "./image.js";
import { layoutEntries, layoutTar, localName, writeLayoutDirectory } from "./layout.js";
import { sourceDateEpoch } from "./tar.js";

export interface PackageOptions {
  /** Where build/<name>.wasm lives. */
  buildDir?: string;
  /** Where <name>/oci and <name>/<name>.tar go. */
  outDir?: string;
  /** Seconds since the epoch for every timestamp (default: SOURCE_DATE_EPOCH or 0). */
  epoch?: number;
  /** The name `docker load` gives the image (default localhost/<name>:<version>). */
  repoTag?: string;
  /**
   * "missing" (default): build the module when build/<name>.wasm is missing or older than
   * its sources; "always": build it; "never": refuse a missing or stale module.
   */
  build?: "missing" | "always" | "never";
  /** Largest module packaged (default DEFAULT_MAX_MODULE_BYTES). */
  maxModuleBytes?: number;
  onProgress?: (message: string) => void;
}

/** Default size limit of the module read into an image (raised with --max-module-bytes). */
export const DEFAULT_MAX_MODULE_BYTES = 64 * 1024 * 1024;

export interface PackageResult {
  example: string;
  manifest: ExtensionManifest;
  image: ExtensionImage;
  layoutDir: string;
  tarFile: string;
  summaryFile: string;
  /** The module's sha256 (hex), as an SME's status reports it. */
  moduleSha256: string;
}

/** The summary written next to the image, read by `render` and `push`. */
export interface ImageSummary {
  name: string;
  tag: string;
  repoTag: string;
  manifests: { oci: string; docker: string };
  config: string;
  layer: string;
  diffId: string;
  module: string;
}

export async function packageExample(exampleDir: string, options: PackageOptions = {}): Promise<PackageResult> {
  const example = basename(exampleDir.replace(/[\\/]+$/, ""));
  const buildDir = options.buildDir ?? "build";
  const outDir = options.outDir ?? "dist";
  const say = options.onProgress ?? (() => {});
  const manifestFile = join(exampleDir, "manifest.yaml");
  const checked = validateManifestFile(manifestFile);
  if (!checked.manifest || checked.text === null) throw new Error(manifestProblems(checked));
  const manifest = checked.manifest;
  const modulePath = join(buildDir, `${example}.wasm`);
  const mode = options.build ?? "missing";
  const why = mode === "always" ? "--build was given" : !existsSync(modulePath) ? `${modulePath} does not exist` : staleBecause(modulePath, exampleDir);
  if (why !== null) {
    if (mode === "never") throw new Error(`${why}: build it first (npm run asbuild), or let package build it`);
    if (!existsSync(join(exampleDir, "asconfig.json"))) throw new Error(`${why}, and ${exampleDir} has no asconfig.json to build it from`);
    say(`building ${example}: ${why}`);
    // Loaded only when needed: the compiler is large.
    const { buildFilter } = await import("../build/compile.js");
    const built = await buildFilter(exampleDir, example, buildDir);
    say(`built ${built.release} (${built.bytes} bytes)`);
  }
  const maxModuleBytes = options.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES;
  const module = readBoundedFile(modulePath, modulePath, { maxBytes: maxModuleBytes, limitName: "--max-module-bytes" });
  const epoch = options.epoch ?? sourceDateEpoch();
  say(`packaging ${example} ${manifest.version}`);
  const image = await buildImage({ manifest, manifestText: checked.text, module, epoch });
  const repoTag = options.repoTag ?? localName(image);
  if (!/^[^\s:@]+(:\d+)?(\/[^\s:@]+)*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(repoTag)) throw new Error(`--repo-tag must look like name:tag, got "${repoTag}"`);
  const entries = layoutEntries(image, repoTag);
  const targetDir = join(outDir, example);
  mkdirSync(targetDir, { recursive: true });
  const layoutDir = join(targetDir, "oci");
  writeLayoutDirectory(layoutDir, entries);
  const tarFile = join(targetDir, `${example}.tar`);
  writeFileSync(tarFile, await layoutTar(entries, epoch));
  const summary: ImageSummary = {
    name: image.name,
    tag: image.tag,
    repoTag,
    manifests: { oci: image.manifests.oci.digest, docker: image.manifests.docker.digest },
    config: image.config.digest,
    layer: image.layer.digest,
    diffId: image.diffId,
    module: sha256(module),
  };
  const summaryFile = join(targetDir, "image.json");
  writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + "\n");
  say(`wrote ${layoutDir} and ${tarFile} (manifest ${image.manifests.oci.digest})`);
  return { example, manifest, image, layoutDir, tarFile, summaryFile, moduleSha256: summary.module.slice(7) };
}

export { IMAGE_MODULE };
