// Pushing an image read from an OCI layout: blobs first (skipping those the
// registry has), the manifest last, so an interrupted push never leaves a tag
// pointing at a partial image; then reading it back and checking every digest.
import { clip } from "../command.js";
import { MEDIA, sha256, type Descriptor, type ManifestFormat } from "../package/image.js";
import type { LoadedImage } from "../package/layout.js";
import { RegistryClient, RegistryError } from "./client.js";
import { formatReference, type ImageReference } from "./reference.js";

export interface ManifestToPush {
  mediaType: string;
  bytes: Buffer;
  digest: string;
}

const TO_DOCKER: Record<string, string> = {
  [MEDIA.ociConfig]: MEDIA.dockerConfig,
  [MEDIA.ociLayer]: MEDIA.dockerLayer,
};

/** The manifest to send in the chosen flavour (Docker v2 schema 2 has no annotations). */
export function manifestFor(image: LoadedImage, format: ManifestFormat): ManifestToPush {
  if (format === "oci") {
    if (image.manifest.mediaType !== MEDIA.ociManifest) throw new Error(`the layout's manifest is ${image.manifest.mediaType}, not an OCI image manifest`);
    return { mediaType: image.manifest.mediaType, bytes: image.manifest.bytes, digest: image.manifest.digest };
  }
  const convert = (d: Descriptor) => {
    const mediaType = TO_DOCKER[d.mediaType];
    if (!mediaType) throw new Error(`cannot express media type ${JSON.stringify(clip(d.mediaType))} in a Docker manifest`);
    return { mediaType, size: d.size, digest: d.digest };
  };
  const docker = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: convert(image.parsed.config),
    layers: image.parsed.layers.map(convert),
  };
  const bytes = Buffer.from(JSON.stringify(docker));
  return { mediaType: MEDIA.dockerManifest, bytes, digest: sha256(bytes) };
}

export interface PushResult {
  reference: string;
  digest: string;
  mediaType: string;
  /** The tag, or the digest when pushed by digest only. */
  pushedAs: string;
  uploaded: string[];
  skipped: string[];
}

export async function pushImage(client: RegistryClient, target: ImageReference, image: LoadedImage, format: ManifestFormat = "oci", say: (m: string) => void = () => {}): Promise<PushResult> {
  const manifest = manifestFor(image, format);
  if (target.digest && target.digest !== manifest.digest) {
    throw new RegistryError(`the image's ${format} manifest is ${manifest.digest}, not ${target.digest} as the reference says`);
  }
  const tag = target.tag ?? (target.digest ? null : image.tag);
  if (!tag && !target.digest) throw new RegistryError("the reference has no tag or digest and the layout names none");
  const repository = target.repository;
  await client.ping(repository);
  const uploaded: string[] = [];
  const skipped: string[] = [];
  const blobs: [string, Descriptor][] = [...image.parsed.layers.map((l) => ["layer", l] as [string, Descriptor]), ["config", image.parsed.config]];
  for (const [label, descriptor] of blobs) {
    if (await client.blobExists(repository, descriptor.digest)) {
      say(`${label} ${descriptor.digest.slice(0, 19)}… already present`);
      skipped.push(descriptor.digest);
      continue;
    }
    const bytes = image.blobs.get(descriptor.digest);
    if (!bytes) throw new RegistryError(`${label} ${descriptor.digest} is not in the layout`);
    say(`uploading ${label} ${descriptor.digest.slice(0, 19)}… (${bytes.length} bytes)`);
    await client.uploadBlob(repository, descriptor.digest, bytes, label);
    say(`uploaded ${label} ${descriptor.digest.slice(0, 19)}…`);
    uploaded.push(descriptor.digest);
  }
  const reference = tag ?? manifest.digest;
  say(`putting manifest ${repository}:${reference} (${manifest.mediaType})`);
  await client.putManifest(repository, reference, manifest.mediaType, manifest.bytes);
  const pushed = { ...target, tag, digest: null };
  return { reference: formatReference(pushed), digest: manifest.digest, mediaType: manifest.mediaType, pushedAs: reference, uploaded, skipped };
}

/** Reads the manifest back by tag (or digest) and checks it and every blob it names. */
export async function verifyPushed(client: RegistryClient, repository: string, reference: string, expectedDigest: string): Promise<void> {
  const manifest = await client.getManifest(repository, reference);
  const actual = sha256(manifest.bytes);
  if (actual !== expectedDigest) throw new RegistryError(`verify: ${repository}:${reference} resolves to ${actual}, expected ${expectedDigest}`);
  if (manifest.digest && manifest.digest !== expectedDigest) throw new RegistryError(`verify: the registry reports ${manifest.digest} for ${repository}:${reference}, expected ${expectedDigest}`);
  const parsed = JSON.parse(manifest.bytes.toString("utf8")) as { config: Descriptor; layers: Descriptor[] };
  for (const descriptor of [parsed.config, ...parsed.layers]) {
    const bytes = await client.getBlob(repository, descriptor.digest, descriptor.size);
    if (sha256(bytes) !== descriptor.digest || bytes.length !== descriptor.size) {
      throw new RegistryError(`verify: blob ${descriptor.digest} of ${repository}:${reference} came back with different content`);
    }
  }
}
