// The extension image: one gzip layer holding manifest.yaml and plugin.wasm at
// the root, an image config (linux/amd64), and the manifest in both flavours
// (OCI with the compat annotation, Docker v2 schema 2) over the same blobs.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createTar } from "./tar.js";
import { IMAGE_MODULE, type ExtensionManifest } from "../manifest/validate.js";

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** The manifest flavours of one image: OCI (with the compat annotation) and Docker v2 schema 2. */
export const MANIFEST_FORMATS = ["oci", "docker"] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Blob {
  digest: string;
  bytes: Buffer;
}

export interface ExtensionImage {
  /** Repository-less name and tag, from manifest.yaml. */
  name: string;
  tag: string;
  layer: Blob;
  /** sha256 of the uncompressed layer tar. */
  diffId: string;
  config: Blob;
  /** The serialized manifests; their digests are what registries and WasmPlugin's sha256 see. */
  manifests: Record<ManifestFormat, Blob & { mediaType: string }>;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function blob(bytes: Buffer): Blob {
  return { digest: sha256(bytes), bytes };
}

/** gzip with a header that does not depend on the machine (mtime 0, OS byte "unknown"). */
export function deterministicGzip(data: Uint8Array): Buffer {
  const out = gzipSync(data, { level: 9 });
  out.writeUInt32LE(0, 4); // MTIME
  out[9] = 0xff; // OS: unknown (zlib writes the build platform's code otherwise)
  return out;
}

/** The image's files, in archive order. */
export function layerFiles(manifestText: string, module: Uint8Array): { name: string; data: Buffer }[] {
  return [
    { name: "manifest.yaml", data: Buffer.from(manifestText, "utf8") },
    { name: IMAGE_MODULE, data: Buffer.from(module.buffer, module.byteOffset, module.byteLength) },
  ];
}

export interface BuildImageInput {
  manifest: ExtensionManifest;
  /** manifest.yaml exactly as it goes into the image. */
  manifestText: string;
  module: Uint8Array;
  /** Seconds since the epoch for file times and `created`. */
  epoch: number;
}

export async function buildImage(input: BuildImageInput): Promise<ExtensionImage> {
  const { manifest, manifestText, module, epoch } = input;
  if (manifest.module !== IMAGE_MODULE) throw new Error(`manifest module must be ${IMAGE_MODULE}, got ${manifest.module}`);
  if (module.byteLength < 8 || module[0] !== 0x00 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw new Error("the module is not WebAssembly (it must start with \\0asm and be at least 8 bytes)");
  }
  const tar = await createTar(layerFiles(manifestText, module), epoch);
  const layer = blob(deterministicGzip(tar));
  const diffId = sha256(tar);
  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
  const configJson = {
    architecture: "amd64",
    os: "linux",
    created,
    config: {
      Labels: {
        type: "maistra-extension",
        "org.opencontainers.image.title": manifest.name,
        "org.opencontainers.image.version": manifest.version,
        ...(manifest.description ? { "org.opencontainers.image.description": manifest.description } : {}),
      },
    },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created, created_by: "proxy-wasm-as package", comment: `${manifest.name} ${manifest.version}` }],
  };
  const config = blob(Buffer.from(JSON.stringify(configJson)));
  const oci = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: config.digest, size: config.bytes.length },
    layers: [{ mediaType: MEDIA.ociLayer, digest: layer.digest, size: layer.bytes.length }],
    annotations: {
      "module.wasm.image/variant": "compat",
      "org.opencontainers.image.title": manifest.name,
      "org.opencontainers.image.version": manifest.version,
      "org.opencontainers.image.created": created,
    },
  };
  const docker = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, size: config.bytes.length, digest: config.digest },
    layers: [{ mediaType: MEDIA.dockerLayer, size: layer.bytes.length, digest: layer.digest }],
  };
  const ociBytes = Buffer.from(JSON.stringify(oci));
  const dockerBytes = Buffer.from(JSON.stringify(docker));
  return {
    name: manifest.name,
    tag: manifest.version,
    layer,
    diffId,
    config,
    manifests: {
      oci: { ...blob(ociBytes), mediaType: MEDIA.ociManifest },
      docker: { ...blob(dockerBytes), mediaType: MEDIA.dockerManifest },
    },
  };
}
