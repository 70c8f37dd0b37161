// OCI image layout, as a directory and as one tar that is also a `docker save`
// archive (OCI layout + Docker manifest.json), and reading both back.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

function verifiedBlob(read: (path: string) => Buffer | undefined, descriptor: Descriptor, what: string): Buffer {
  const bytes = read(blobPath(descriptor.digest));
  if (!bytes) throw new Error(`${what} ${descriptor.digest} is missing from the layout`);
  if (sha256(bytes) !== descriptor.digest) throw new Error(`${what} ${descriptor.digest} does not match its content (${sha256(bytes)})`);
  if (bytes.length !== descriptor.size) throw new Error(`${what} ${descriptor.digest} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
  return bytes;
}

function loadFrom(read: (path: string) => Buffer | undefined, where: string, tag?: string): LoadedImage {
  const layoutMarker = read("oci-layout");
  if (!layoutMarker) throw new Error(`${where} is not an OCI image layout (no oci-layout file)`);
  const indexBytes = read("index.json");
  if (!indexBytes) throw new Error(`${where} has no index.json`);
  const index = JSON.parse(indexBytes.toString("utf8")) as { manifests?: Descriptor[] };
  const manifests = index.manifests ?? [];
  const refName = (d: Descriptor) => d.annotations?.["org.opencontainers.image.ref.name"] ?? null;
  const chosen = tag === undefined ? manifests : manifests.filter((d) => refName(d) === tag);
  if (chosen.length !== 1) {
    const tags = manifests.map((d) => refName(d) ?? d.digest).join(", ");
    throw new Error(tag === undefined ? `${where} holds ${manifests.length} images (${tags}); name one with a tag` : `${where} has no image tagged ${tag} (it has ${tags || "none"})`);
  }
  const descriptor = chosen[0];
  const bytes = verifiedBlob(read, descriptor, "manifest");
  const parsed = JSON.parse(bytes.toString("utf8")) as LoadedImage["parsed"];
  const blobs = new Map<string, Buffer>();
  blobs.set(parsed.config.digest, verifiedBlob(read, parsed.config, "config"));
  for (const layer of parsed.layers) blobs.set(layer.digest, verifiedBlob(read, layer, "layer"));
  return { manifest: { mediaType: descriptor.mediaType, digest: descriptor.digest, bytes }, parsed, blobs, tag: refName(descriptor) };
}

/** Reads an OCI layout from a directory or from a tar archive. */
export async function loadLayout(path: string, tag?: string): Promise<LoadedImage> {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  if (statSync(path).isDirectory()) {
    return loadFrom((p) => (existsSync(join(path, p)) ? readFileSync(join(path, p)) : undefined), path, tag);
  }
  const members = await readTar(readFileSync(path));
  const files = new Map(members.map((m) => [m.name.replace(/^\.\//, ""), m.data]));
  return loadFrom((p) => files.get(p), path, tag);
}
