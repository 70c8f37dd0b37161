// OCI image layout, as a directory and as one tar that is also a `docker save`
// archive (OCI layout + Docker manifest.json), and reading both back.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clip, quote } from "../command.js";
import { InputFileError, readBoundedFile, resolvedInside } from "../files.js";
import { TAG } from "../registry/reference.js";
import { MEDIA, sha256, type Descriptor, type ExtensionImage } from "./image.js";
import { createTar, readTar, type TarEntry } from "./tar.js";

export const OCI_LAYOUT = JSON.stringify({ imageLayoutVersion: "1.0.0" });

export interface LayoutFiles {
  /** Path inside the layout → bytes, in archive order. */
  files: TarEntry[];
}

/** The default name `docker load` / `podman load` give the image. */
export function localName(image: ExtensionImage): string {
  return `localhost/${image.name}:${image.tag}`;
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digest.slice("sha256:".length)}`;
}

/** Every file of the layout (directories first, then blobs by name, then the JSON files). */
export function layoutEntries(image: ExtensionImage, repoTag = localName(image)): TarEntry[] {
  const manifest = image.manifests.oci;
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
        annotations: { "io.containerd.image.name": repoTag, "org.opencontainers.image.ref.name": image.tag },
      },
    ],
  };
  const dockerManifest = [{ Config: blobPath(image.config.digest), RepoTags: [repoTag], Layers: [blobPath(image.layer.digest)] }];
  const blobs = [image.layer, image.config, manifest]
    .map((b) => ({ name: blobPath(b.digest), data: b.bytes }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((b, i, all) => i === 0 || all[i - 1].name !== b.name);
  return [
    { name: "blobs/" },
    { name: "blobs/sha256/" },
    ...blobs,
    { name: "index.json", data: Buffer.from(JSON.stringify(index)) },
    { name: "manifest.json", data: Buffer.from(JSON.stringify(dockerManifest)) },
    { name: "oci-layout", data: Buffer.from(OCI_LAYOUT) },
  ];
}

/** Writes the layout directory (replacing whatever was there). */
export function writeLayoutDirectory(dir: string, entries: TarEntry[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.data === undefined) mkdirSync(path, { recursive: true });
    else writeFileSync(path, entry.data);
  }
}

export async function layoutTar(entries: TarEntry[], epoch: number): Promise<Buffer> {
  return createTar(entries, epoch);
}

/** An image read back from a layout, with every digest checked. */
export interface LoadedImage {
  manifest: { mediaType: string; digest: string; bytes: Buffer };
  parsed: { mediaType?: string; config: Descriptor; layers: Descriptor[]; annotations?: Record<string, string> };
  blobs: Map<string, Buffer>;
  tag: string | null;
}

/** Default limit of the bytes read from one layout (raised with --max-image-bytes). */
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024 * 1024;
/** index.json and oci-layout are small; registries refuse manifests above 4 MiB. */
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

/** Reads one file of a layout by its path inside it, at most maxBytes; undefined when absent. */
type LayoutReader = (path: string, maxBytes: number) => Buffer | undefined;

/**
 * The blob path of a digest, after checking the digest's form: an untrusted index.json
 * must not turn a "digest" into a path outside blobs/.
 */
function checkedBlobPath(digest: unknown, what: string): string {
  const text = typeof digest === "string" ? digest : "";
  const colon = text.indexOf(":");
  const algorithm = colon < 0 ? "" : text.slice(0, colon);
  if (algorithm !== "sha256") throw new Error(`${what} digest ${quoted(digest)} is not supported: only sha256:<64 lowercase hex digits> is`);
  if (!/^[a-f0-9]{64}$/.test(text.slice(colon + 1))) throw new Error(`${what} digest ${quoted(digest)} is not sha256: followed by 64 lowercase hex digits`);
  return blobPath(text);
}

/** A value from a layout's JSON, quoted for a one-line message (control characters escaped, long text cut). */
function quoted(value: unknown): string {
  if (typeof value === "string") return quote(value);
  return clip(JSON.stringify(value) ?? "nothing");
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    // The parser's message quotes the content; a layout's files are not ours to print.
    throw new Error(`${what} is not valid JSON`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);


/**
 * A descriptor from an untrusted file: an object with a media type (a string); its digest
 * and size are checked where the blob is read (verifiedBlob).
 */
function checkedDescriptor(value: unknown, what: string): Descriptor {
  if (!isObject(value)) throw new Error(`${what} is not a descriptor (an object with mediaType, digest and size), it is ${quoted(value)}`);
  if (typeof value.mediaType !== "string" || value.mediaType === "") throw new Error(`${what} has the media type ${quoted(value.mediaType)}, not a non-empty string`);
  return value as unknown as Descriptor;
}

/** The image manifests a layout may name (an index inside an index is not followed). */
const IMAGE_MANIFEST_TYPES: readonly string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];

class Budget {
  constructor(private left: number, private readonly limit: number) {}
  take(n: number, what: string): void {
    if (n > this.left) throw new Error(`${what} would take the image past the limit of ${this.limit} bytes (--max-image-bytes)`);
    this.left -= n;
  }
  get remaining(): number {
    return this.left;
  }
}

function verifiedBlob(read: LayoutReader, budget: Budget, descriptor: Descriptor, what: string): Buffer {
  const path = checkedBlobPath(descriptor?.digest, what);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) throw new Error(`${what} ${descriptor.digest} has no valid size`);
  budget.take(descriptor.size, `${what} ${descriptor.digest} (${descriptor.size} bytes)`);
  const bytes = read(path, descriptor.size);
  if (!bytes) throw new Error(`${what} ${descriptor.digest} is missing from the layout`);
  if (bytes.length !== descriptor.size) throw new Error(`${what} ${descriptor.digest} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
  if (sha256(bytes) !== descriptor.digest) throw new Error(`${what} ${descriptor.digest} does not match its content (${sha256(bytes)})`);
  return bytes;
}

function loadFrom(read: LayoutReader, where: string, budget: Budget, tag?: string): LoadedImage {
  const layoutMarker = read("oci-layout", MAX_INDEX_BYTES);
  if (!layoutMarker) throw new Error(`${where} is not an OCI image layout (no oci-layout file)`);
  const indexBytes = read("index.json", MAX_INDEX_BYTES);
  if (!indexBytes) throw new Error(`${where} has no index.json`);
  const index = parseJson(indexBytes, `${where}/index.json`);
  if (!isObject(index)) throw new Error(`${where}/index.json is not an image index (a JSON object)`);
  if (!Array.isArray(index.manifests)) throw new Error(`${where}/index.json has no "manifests" list`);
  if (index.manifests.length === 0) throw new Error(`${where}/index.json lists no image`);
  const manifests = index.manifests.map((d: unknown, i) => checkedDescriptor(d, `${where}/index.json: manifests[${i}]`));
  const refName = (d: Descriptor, i: number): string | null => {
    const name = isObject(d.annotations) ? d.annotations["org.opencontainers.image.ref.name"] : undefined;
    if (name === undefined || name === null) return null;
    if (typeof name !== "string" || !TAG.test(name)) throw new Error(`${where}/index.json: manifests[${i}] is tagged ${quoted(name)}, which is not a valid image tag`);
    return name;
  };
  const names = manifests.map(refName);
  const chosen = tag === undefined ? manifests : manifests.filter((_d, i) => names[i] === tag);
  if (chosen.length !== 1) {
    const tags = manifests.slice(0, 10).map((d, i) => names[i] ?? quoted(d.digest)).join(", ") + (manifests.length > 10 ? ", …" : "");
    throw new Error(tag === undefined ? `${where} holds ${manifests.length} images (${tags}); name one with a tag` : `${where} has no image tagged ${tag} (it has ${tags || "none"})`);
  }
  const descriptor = chosen[0];
  const bytes = verifiedBlob(read, budget, descriptor, "manifest");
  const what = `manifest ${descriptor.digest}`;
  if (!IMAGE_MANIFEST_TYPES.includes(descriptor.mediaType)) {
    throw new Error(`${where}/index.json gives ${what} the media type ${quoted(descriptor.mediaType)}, not an image manifest's (${IMAGE_MANIFEST_TYPES.join(" or ")})`);
  }
  const parsed = parseJson(bytes, what);
  if (!isObject(parsed)) throw new Error(`${what} is not an image manifest (a JSON object)`);
  if (parsed.mediaType !== undefined && parsed.mediaType !== descriptor.mediaType) {
    throw new Error(`${what} says its media type is ${quoted(parsed.mediaType)}, index.json says "${descriptor.mediaType}"`);
  }
  if (!parsed.config || !Array.isArray(parsed.layers)) throw new Error(`${what} has no config or layers`);
  const config = checkedDescriptor(parsed.config, `${what}: config`);
  const layers = parsed.layers.map((l: unknown, i) => checkedDescriptor(l, `${what}: layers[${i}]`));
  const blobs = new Map<string, Buffer>();
  blobs.set(config.digest, verifiedBlob(read, budget, config, "config"));
  for (const layer of layers) blobs.set(layer.digest, verifiedBlob(read, budget, layer, "layer"));
  const image = { ...parsed, config, layers } as LoadedImage["parsed"];
  return { manifest: { mediaType: descriptor.mediaType, digest: descriptor.digest, bytes }, parsed: image, blobs, tag: names[manifests.indexOf(descriptor)] };
}

/** A layout directory's files: only regular files, blobs only from under blobs/. */
function directoryReader(root: string): LayoutReader {
  return (path, maxBytes) => {
    const file = join(root, path);
    if (!existsSync(file)) return undefined;
    const blob = path.startsWith("blobs/");
    const within = blob ? join(root, "blobs") : root;
    try {
      // Blobs are checked against blobs/, so blobs/ itself must not be a link out of the layout.
      if (blob) resolvedInside(within, within, root);
      return readBoundedFile(file, file, { maxBytes, limitName: "the size its descriptor gives", within });
    } catch (error) {
      if (error instanceof InputFileError) throw new Error(error.message);
      throw error;
    }
  };
}

export interface LoadLayoutOptions {
  tag?: string;
  /** Most bytes read from the layout (default DEFAULT_MAX_IMAGE_BYTES). */
  maxImageBytes?: number;
}

/** Reads an OCI layout from a directory or from a tar archive. */
export async function loadLayout(path: string, options: LoadLayoutOptions = {}): Promise<LoadedImage> {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const limit = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const budget = new Budget(limit, limit);
  if (statSync(path).isDirectory()) return loadFrom(directoryReader(path), path, budget, options.tag);
  let archive: Buffer;
  try {
    // The archive holds the blobs plus headers and the small JSON files.
    archive = readBoundedFile(path, path, { maxBytes: limit + MAX_INDEX_BYTES, limitName: "--max-image-bytes" });
  } catch (error) {
    if (error instanceof InputFileError) throw new Error(error.message);
    throw error;
  }
  const members = await readTar(archive);
  const files = new Map(members.filter((m) => m.type === "file").map((m) => [m.name.replace(/^\.\//, ""), m.data]));
  return loadFrom((p, maxBytes) => {
    const data = files.get(p);
    if (data !== undefined && data.length > maxBytes) throw new Error(`${path}: ${p} is larger than its descriptor says`);
    return data;
  }, path, budget, options.tag);
}
