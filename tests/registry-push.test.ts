// Pushes every example to a real registry (Debian's docker-registry on a free
// loopback port) and reads the images back with skopeo.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadLayout } from "../cli/package/layout.js";
import { packageExample, type PackageResult } from "../cli/package/package.js";
import { readTar } from "../cli/package/tar.js";
import { RegistryClient } from "../cli/registry/client.js";
import { pushImage, verifyPushed } from "../cli/registry/push.js";
import { parseReference } from "../cli/registry/reference.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { startRegistry, type RunningRegistry } from "./support/registry.js";
import { requireTool, skopeo, tempDir } from "./support/tools.js";

let registry: RunningRegistry;
let secured: RunningRegistry;
const work = tempDir("push");
const packages = new Map<string, PackageResult>();
const USER = { username: "pusher", password: "s3cret-pass" };

before(async () => {
  requireTool("skopeo", "skopeo");
  registry = await startRegistry();
  secured = await startRegistry({ user: USER });
  for (const name of examplesWithManifest()) {
    builtModule(name);
    packages.set(name, await packageExample(join("examples", name), { outDir: work.path, build: "never", epoch: 0 }));
  }
});

after(async () => {
  await registry?.stop();
  await secured?.stop();
  work.remove();
});

async function layerFiles(layoutDir: string, tag: string): Promise<Map<string, Buffer>> {
  const copy = await loadLayout(layoutDir, { tag });
  assert.equal(copy.parsed.layers.length, 1);
  const files = await readTar(gunzipSync(copy.blobs.get(copy.parsed.layers[0].digest)!));
  return new Map(files.map((f) => [f.name, f.data]));
}

test("every example pushes (OCI manifest) and skopeo reads back the same digests and files", async () => {
  for (const [name, result] of packages) {
    const client = new RegistryClient({ registry: registry.host });
    const image = await loadLayout(result.layoutDir);
    const ref = parseReference(`${registry.host}/wasm/${name}`);
    const pushed = await pushImage(client, ref, image, "oci");
    assert.equal(pushed.digest, result.image.manifests.oci.digest, "the registry holds the package's own manifest");
    assert.equal(pushed.pushedAs, result.manifest.version);
    await verifyPushed(client, `wasm/${name}`, pushed.pushedAs, pushed.digest);

    const source = `docker://${registry.host}/wasm/${name}:${result.manifest.version}`;
    const inspected = JSON.parse(await skopeo(["inspect", "--tls-verify=false", source])) as Record<string, any>;
    assert.equal(inspected.Digest, result.image.manifests.oci.digest);
    assert.deepEqual(inspected.Layers, [result.image.layer.digest]);
    assert.equal(inspected.Os, "linux");
    const raw = await skopeo(["inspect", "--raw", "--tls-verify=false", source]);
    assert.equal(raw, result.image.manifests.oci.bytes.toString());

    const copyDir = join(work.path, `${name}-pulled`);
    await skopeo(["copy", "--src-tls-verify=false", source, `oci:${copyDir}:pulled`]);
    const files = await layerFiles(copyDir, "pulled");
    assert.deepEqual(files.get("manifest.yaml"), readFileSync(join("examples", name, "manifest.yaml")));
    assert.deepEqual(files.get("plugin.wasm"), readFileSync(builtModule(name)));
  }
});

test("a Docker v2 schema 2 push of the same blobs has the docker digest; a second push uploads nothing", async () => {
  const [name, result] = [...packages][0];
  const client = new RegistryClient({ registry: registry.host });
  const image = await loadLayout(result.tarFile);
  const pushed = await pushImage(client, parseReference(`${registry.host}/docker/${name}:v2s2`), image, "docker");
  assert.equal(pushed.digest, result.image.manifests.docker.digest);
  assert.equal(pushed.uploaded.length, 2);
  const again = await pushImage(client, parseReference(`${registry.host}/docker/${name}:v2s2`), image, "docker");
  assert.deepEqual(again.uploaded, []);
  assert.equal(again.skipped.length, 2);
  const raw = JSON.parse(await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/docker/${name}:v2s2`])) as Record<string, any>;
  assert.equal(raw.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  assert.equal(raw.layers[0].mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip");
});

test("chunked upload (PATCH) and pushing by digest work against the real registry", async () => {
  const [name, result] = [...packages][0];
  const progress: string[] = [];
  const client = new RegistryClient({ registry: registry.host, chunkSize: 1000, onProgress: (m) => progress.push(m) });
  const image = await loadLayout(result.layoutDir);
  const digest = result.image.manifests.oci.digest;
  const pushed = await pushImage(client, parseReference(`${registry.host}/chunked/${name}@${digest}`), image, "oci");
  assert.equal(pushed.pushedAs, digest);
  assert.ok(progress.filter((m) => /layer: \d+ of \d+ bytes/.test(m)).length >= 2, `expected several chunks: ${progress.join("\n")}`);
  await verifyPushed(client, `chunked/${name}`, digest, digest);
  const inspected = JSON.parse(await skopeo(["inspect", "--no-tags", "--tls-verify=false", `docker://${registry.host}/chunked/${name}@${digest}`])) as Record<string, any>;
  assert.equal(inspected.Digest, digest);
  // A digest reference that does not match the image is refused before anything is sent.
  const wrong = `sha256:${"0".repeat(64)}`;
  await assert.rejects(pushImage(client, parseReference(`${registry.host}/chunked/${name}@${wrong}`), image, "oci"), /not sha256:0{64} as the reference says/);
});

test("an interrupted push leaves no tag: the manifest goes last", async () => {
  const [name, result] = [...packages][0];
  let blobPuts = 0;
  const interrupting: typeof fetch = async (input, init) => {
    const url = String(input);
    if (init?.method === "PUT" && url.includes("/blobs/uploads/") && ++blobPuts === 2) throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
    return fetch(input, init);
  };
  const client = new RegistryClient({ registry: registry.host, attempts: 1, fetch: interrupting });
  const image = await loadLayout(result.layoutDir);
  await assert.rejects(pushImage(client, parseReference(`${registry.host}/interrupted/${name}:1`), image, "oci"), /closed unexpectedly/);
  const plain = new RegistryClient({ registry: registry.host });
  assert.deepEqual(await plain.listTags(`interrupted/${name}`), []);
  const skopeoResult = await skopeo(["inspect", "--tls-verify=false", `docker://${registry.host}/interrupted/${name}:1`]).then(() => "found", (e: Error) => e.message);
  assert.match(skopeoResult, /manifest unknown|not found|unknown/i);
});

test("basic authentication (htpasswd, bcrypt): no credentials and wrong ones fail clearly, right ones push", async () => {
  const [name, result] = [...packages][0];
  const image = await loadLayout(result.layoutDir);
  const ref = parseReference(`${secured.host}/auth/${name}`);
  await assert.rejects(pushImage(new RegistryClient({ registry: secured.host }), ref, image), /requires a user name and password \(basic authentication\)/);
  await assert.rejects(
    pushImage(new RegistryClient({ registry: secured.host, credentials: { username: USER.username, password: "wrong" } }), ref, image),
    /401 Unauthorized: 127\.0\.0\.1:\d+\/auth\/[a-z-]+ refused the credentials/,
  );
  const client = new RegistryClient({ registry: secured.host, credentials: USER });
  const pushed = await pushImage(client, ref, image);
  await verifyPushed(client, `auth/${name}`, pushed.pushedAs, pushed.digest);
  const inspected = JSON.parse(await skopeo(["inspect", "--tls-verify=false", "--creds", `${USER.username}:${USER.password}`, `docker://${secured.host}/auth/${name}:${result.manifest.version}`])) as Record<string, any>;
  assert.equal(inspected.Digest, pushed.digest);
});
