import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadLayout } from "../cli/package/layout.js";
import { packageExample } from "../cli/package/package.js";
import { readTar } from "../cli/package/tar.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { requireTool, skopeo, tempDir } from "./support/tools.js";

const hash = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function field(header: Buffer, offset: number, length: number): string {
  return header.subarray(offset, offset + length).toString("latin1");
}

test("packaging is reproducible: the same inputs give byte-identical files", async () => {
  const a = tempDir("pkg-a");
  const b = tempDir("pkg-b");
  try {
    for (const name of examplesWithManifest()) {
      builtModule(name);
      const first = await packageExample(join("examples", name), { outDir: a.path, build: "never", epoch: 0 });
      const second = await packageExample(join("examples", name), { outDir: b.path, build: "never", epoch: 0 });
      assert.deepEqual(readFileSync(first.tarFile), readFileSync(second.tarFile), `${name}: tar differs`);
      assert.equal(first.image.manifests.oci.digest, second.image.manifests.oci.digest);
      assert.equal(first.image.layer.digest, second.image.layer.digest);
      // A different timestamp changes every digest: the timestamp really is in the image.
      const later = await packageExample(join("examples", name), { outDir: b.path, build: "never", epoch: 1_700_000_000 });
      assert.notEqual(later.image.layer.digest, first.image.layer.digest);
      assert.notEqual(later.image.config.digest, first.image.config.digest);
    }
  } finally {
    a.remove();
    b.remove();
  }
});

test("the layer is one gzip'd ustar with manifest.yaml and plugin.wasm at the root, fixed owners, modes and times", async () => {
  const out = tempDir("pkg-layer");
  try {
    const name = examplesWithManifest()[0];
    const result = await packageExample(join("examples", name), { outDir: out.path, build: "never", epoch: 1234567890 });
    const gz = result.image.layer.bytes;
    assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0], "gzip magic, deflate, no flags");
    assert.equal(gz.readUInt32LE(4), 0, "gzip MTIME is 0");
    assert.equal(gz[9], 0xff, "gzip OS is 'unknown'");
    const tar = gunzipSync(gz);
    assert.equal(hash(tar), result.image.diffId);
    assert.equal(tar.length % 512, 0);
    assert.ok(tar.subarray(tar.length - 1024).every((x) => x === 0), "ends with two zero blocks");
    // Raw header checks (ustar field offsets).
    const header = tar.subarray(0, 512);
    assert.equal(field(header, 0, 13), "manifest.yaml");
    assert.match(field(header, 100, 8), /^0*644[ \0]/);
    assert.match(field(header, 108, 8), /^0*[ \0]/);
    assert.match(field(header, 116, 8), /^0*[ \0]/);
    assert.equal(parseInt(field(header, 136, 12), 8), 1234567890);
    assert.equal(field(header, 156, 1), "0");
    assert.equal(field(header, 257, 6), "ustar\0");
    assert.equal(field(header, 263, 2), "00");
    const stored = parseInt(field(header, 148, 8), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    assert.equal(stored, sum, "header checksum");
    const members = await readTar(tar);
    assert.deepEqual(members.map((m) => m.name), ["manifest.yaml", "plugin.wasm"]);
    for (const m of members) {
      assert.equal(m.type, "file");
      assert.equal(m.mode, 0o644);
      assert.equal(m.uid, 0);
      assert.equal(m.gid, 0);
      assert.equal(m.uname, "");
      assert.equal(m.mtime, 1234567890);
    }
    assert.deepEqual(members[0].data, readFileSync(join("examples", name, "manifest.yaml")));
    assert.deepEqual(members[1].data, readFileSync(builtModule(name)));
  } finally {
    out.remove();
  }
});

test("config, manifests, index and docker manifest.json say what the reference requires", async () => {
  const out = tempDir("pkg-json");
  try {
    const name = examplesWithManifest()[0];
    const result = await packageExample(join("examples", name), { outDir: out.path, build: "never", epoch: 0 });
    const config = JSON.parse(result.image.config.bytes.toString()) as Record<string, any>;
    assert.equal(config.os, "linux");
    assert.equal(config.architecture, "amd64");
    assert.equal(config.config.Labels.type, "maistra-extension");
    assert.deepEqual(config.rootfs, { type: "layers", diff_ids: [result.image.diffId] });
    assert.equal(config.history.length, 1);
    assert.equal(config.history[0].empty_layer, undefined);
    const oci = JSON.parse(result.image.manifests.oci.bytes.toString()) as Record<string, any>;
    assert.equal(oci.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal(oci.annotations["module.wasm.image/variant"], "compat");
    assert.deepEqual(oci.config, { mediaType: "application/vnd.oci.image.config.v1+json", digest: result.image.config.digest, size: result.image.config.bytes.length });
    assert.deepEqual(oci.layers, [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: result.image.layer.digest, size: result.image.layer.bytes.length }]);
    const docker = JSON.parse(result.image.manifests.docker.bytes.toString()) as Record<string, any>;
    assert.equal(docker.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal(docker.layers[0].mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip");
    assert.equal(docker.annotations, undefined);

    const layout = result.layoutDir;
    assert.equal(readFileSync(join(layout, "oci-layout"), "utf8"), '{"imageLayoutVersion":"1.0.0"}');
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as Record<string, any>;
    assert.equal(index.manifests[0].digest, result.image.manifests.oci.digest);
    assert.equal(index.manifests[0].annotations["org.opencontainers.image.ref.name"], result.manifest.version);
    for (const file of readdirSync(join(layout, "blobs", "sha256"))) {
      assert.equal(hash(readFileSync(join(layout, "blobs", "sha256", file))), `sha256:${file}`);
    }
    const dockerList = JSON.parse(readFileSync(join(layout, "manifest.json"), "utf8")) as Record<string, any>[];
    assert.deepEqual(dockerList, [{ Config: `blobs/sha256/${result.image.config.digest.slice(7)}`, RepoTags: [`localhost/${name}:${result.manifest.version}`], Layers: [`blobs/sha256/${result.image.layer.digest.slice(7)}`] }]);

    const members = await readTar(readFileSync(result.tarFile));
    assert.deepEqual(members.slice(0, 2).map((m) => [m.name, m.type]), [["blobs/", "directory"], ["blobs/sha256/", "directory"]]);
    assert.deepEqual(members.slice(-3).map((m) => m.name), ["index.json", "manifest.json", "oci-layout"]);

    // Both forms read back with every digest checked; a corrupted blob is caught.
    for (const source of [result.layoutDir, result.tarFile]) {
      const loaded = await loadLayout(source);
      assert.equal(loaded.manifest.digest, result.image.manifests.oci.digest);
      assert.equal(loaded.tag, result.manifest.version);
    }
    const layerFile = join(layout, "blobs", "sha256", result.image.layer.digest.slice(7));
    const bytes = readFileSync(layerFile);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(layerFile, bytes);
    await assert.rejects(loadLayout(layout), /layer sha256:[a-f0-9]{64} does not match its content/);
    await assert.rejects(loadLayout(layout, { tag: "no-such-tag" }), /has no image tagged no-such-tag/);
  } finally {
    out.remove();
  }
});

test("skopeo reads the layout directory, the tar as oci-archive and as docker-archive, and copies the files out intact", async () => {
  requireTool("skopeo", "skopeo");
  const out = tempDir("pkg-skopeo");
  try {
    for (const name of examplesWithManifest()) {
      const result = await packageExample(join("examples", name), { outDir: out.path, build: "never", epoch: 0 });
      const tag = result.manifest.version;
      const fromDir = JSON.parse(await skopeo(["inspect", `oci:${result.layoutDir}:${tag}`])) as Record<string, any>;
      assert.equal(fromDir.Digest, result.image.manifests.oci.digest);
      assert.equal(fromDir.Os, "linux");
      assert.equal(fromDir.Architecture, "amd64");
      assert.equal(fromDir.Labels.type, "maistra-extension");
      const fromArchive = JSON.parse(await skopeo(["inspect", `oci-archive:${result.tarFile}:${tag}`])) as Record<string, any>;
      assert.equal(fromArchive.Digest, result.image.manifests.oci.digest);
      const fromDocker = JSON.parse(await skopeo(["inspect", "--config", `docker-archive:${result.tarFile}`])) as Record<string, any>;
      assert.deepEqual(fromDocker.rootfs.diff_ids, [result.image.diffId]);
      // Copy the docker-archive form to a fresh OCI layout: the layer must hold the same files.
      const copy = join(out.path, `${name}-copy`);
      await skopeo(["copy", `docker-archive:${result.tarFile}`, `oci:${copy}:x`]);
      const loaded = await loadLayout(copy, { tag: "x" });
      const layer = [...loaded.blobs.entries()].find(([d]) => d !== loaded.parsed.config.digest)![1];
      const files = await readTar(gunzipSync(layer));
      assert.deepEqual(files.find((f) => f.name === "plugin.wasm")?.data, readFileSync(builtModule(name)));
      assert.deepEqual(files.find((f) => f.name === "manifest.yaml")?.data, readFileSync(join("examples", name, "manifest.yaml")));
    }
  } finally {
    out.remove();
  }
});

test("packaging refuses a module that is not WebAssembly", async () => {
  const out = tempDir("pkg-bad");
  try {
    const name = examplesWithManifest()[0];
    const buildDir = join(out.path, "build");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(buildDir);
    writeFileSync(join(buildDir, `${name}.wasm`), "not wasm at all");
    await assert.rejects(packageExample(join("examples", name), { outDir: out.path, buildDir, build: "never" }), /not WebAssembly/);
  } finally {
    out.remove();
  }
});
