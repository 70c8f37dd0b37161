// push against hostile inputs: OCI layouts whose index names paths instead of digests
// or whose blobs are links, devices or FIFOs; credentials in references and in
// registry answers; token realms that would take the credentials elsewhere; registries
// that never answer or never stop answering.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { packageExample, type PackageResult } from "../cli/package/package.js";
import { RegistryClient } from "../cli/registry/client.js";
import { cliInProcess } from "./support/cli.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { startStubRegistry } from "./support/stub-registry.js";
import { freePort, tempDir } from "./support/tools.js";

const work = tempDir("hostile-push");
let packaged: PackageResult;

before(async () => {
  const name = examplesWithManifest()[0];
  builtModule(name);
  packaged = await packageExample(join("examples", name), { outDir: work.path, build: "never", epoch: 0 });
});
after(() => work.remove());

/** A copy of the packaged layout, changed by `change`. */
function layoutCopy(label: string, change: (dir: string, layerFile: string) => void): string {
  const dir = join(work.path, label);
  cpSync(packaged.layoutDir, dir, { recursive: true });
  change(dir, join(dir, "blobs", "sha256", packaged.image.layer.digest.slice(7)));
  return dir;
}

function setIndexDigest(dir: string, digest: string): void {
  const file = join(dir, "index.json");
  const index = JSON.parse(readFileSync(file, "utf8")) as { manifests: Array<{ digest: string }> };
  index.manifests[0].digest = digest;
  writeFileSync(file, JSON.stringify(index));
}

async function pushFails(layout: string, pattern: RegExp, extra: string[] = [], tag = ":1"): Promise<void> {
  const port = await freePort();
  const r = await cliInProcess(["push", layout, `127.0.0.1:${port}/a/b${tag}`, "--attempts", "1", ...extra]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /root:|cannot reach/, "refused before any file outside the layout or the network");
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

test("an OCI layout's digests are checked before any file is opened", async () => {
  await pushFails(layoutCopy("traversal", (d) => setIndexDigest(d, "sha256:/../../etc/passwd")), /manifest digest "sha256:\/\.\.\/\.\.\/etc\/passwd" is not sha256: followed by 64 lowercase hex digits/);
  await pushFails(layoutCopy("sha512", (d) => setIndexDigest(d, `sha512:${"a".repeat(128)}`)), /manifest digest "sha512:a+…\(\d+ more characters\)" is not supported: only sha256:<64 lowercase hex digits> is/);
  await pushFails(layoutCopy("upper", (d) => setIndexDigest(d, `sha256:${"A".repeat(64)}`)), /is not sha256: followed by 64 lowercase hex digits/);
  // The digest is quoted with its control characters escaped: the error stays one line.
  await pushFails(layoutCopy("newline", (d) => setIndexDigest(d, `sha256:${"a".repeat(64)}\n`)), /manifest digest "sha256:a{64}\\n" is not sha256: followed by 64 lowercase hex digits$/);
});

/** index.json changed by `change`. */
function editIndex(dir: string, change: (index: { manifests: Array<Record<string, unknown>> }) => unknown): void {
  const file = join(dir, "index.json");
  const index = JSON.parse(readFileSync(file, "utf8")) as { manifests: Array<Record<string, unknown>> };
  const replaced = change(index);
  writeFileSync(file, JSON.stringify(replaced === undefined ? index : replaced));
}

/** The manifest replaced by `value`, stored under its own digest, and index.json pointing at it. */
function replaceManifest(dir: string, value: unknown): void {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  writeFileSync(join(dir, "blobs", "sha256", digest.slice(7)), bytes);
  editIndex(dir, (index) => { index.manifests[0] = { ...index.manifests[0], digest, size: bytes.length }; });
}

test("index.json and manifests of the wrong shape are refused by name", async () => {
  await pushFails(layoutCopy("index-null", (d) => editIndex(d, () => null)), /index\.json is not an image index \(a JSON object\)$/);
  await pushFails(layoutCopy("no-list", (d) => editIndex(d, () => ({ manifests: 3 }))), /index\.json has no "manifests" list$/);
  await pushFails(layoutCopy("empty-list", (d) => editIndex(d, () => ({ manifests: [] }))), /index\.json lists no image$/);
  await pushFails(layoutCopy("entry-null", (d) => editIndex(d, () => ({ manifests: [null] }))), /index\.json: manifests\[0\] is not a descriptor \(an object with mediaType, digest and size\), it is null$/);
  await pushFails(layoutCopy("no-media-type", (d) => editIndex(d, (i) => { delete i.manifests[0].mediaType; })), /index\.json: manifests\[0\] has the media type nothing, not a non-empty string$/);
  await pushFails(layoutCopy("index-type", (d) => editIndex(d, (i) => { i.manifests[0].mediaType = "application/vnd.oci.image.index.v1+json"; })), /index\.json gives manifest sha256:[a-f0-9]{64} the media type "application\/vnd\.oci\.image\.index\.v1\+json", not an image manifest's/);
  await pushFails(layoutCopy("manifest-null", (d) => replaceManifest(d, null)), /manifest sha256:[a-f0-9]{64} is not an image manifest \(a JSON object\)$/);
  const manifest = JSON.parse(packaged.image.manifests.oci.bytes.toString("utf8")) as { layers: unknown[] };
  await pushFails(layoutCopy("layer-number", (d) => replaceManifest(d, { ...manifest, layers: [1] })), /manifest sha256:[a-f0-9]{64}: layers\[0\] is not a descriptor .*, it is 1$/);
  await pushFails(layoutCopy("media-type-differs", (d) => replaceManifest(d, { ...manifest, mediaType: "application/vnd.docker.distribution.manifest.v2+json" })), /says its media type is "application\/vnd\.docker\.distribution\.manifest\.v2\+json", index\.json says "application\/vnd\.oci\.image\.manifest\.v1\+json"$/);
});

test("a layout's tag must be an image tag: it becomes part of the manifest's URL", async () => {
  const tagged = (name: unknown) => layoutCopy(`tag-${String(name).replace(/\W/g, "_")}`, (d) => editIndex(d, (i) => { i.manifests[0].annotations = { "org.opencontainers.image.ref.name": name }; }));
  await pushFails(tagged("../x"), /index\.json: manifests\[0\] is tagged "\.\.\/x", which is not a valid image tag$/, [], "");
  await pushFails(tagged(42), /manifests\[0\] is tagged 42, which is not a valid image tag$/, [], "");
});

test("blobs are read only as regular files under blobs/, within --max-image-bytes", async () => {
  await pushFails(layoutCopy("zero", (_d, layer) => { rmSync(layer); symlinkSync("/dev/zero", layer); }), /resolves outside .*blobs \(a link out of the folder is not followed\)/);
  await pushFails(layoutCopy("passwd", (_d, layer) => { rmSync(layer); symlinkSync("/etc/passwd", layer); }), /resolves outside/);
  await pushFails(layoutCopy("index", (d, layer) => { rmSync(layer); symlinkSync(join(d, "index.json"), layer); }), /resolves outside .*blobs/);
  // blobs/ itself a link elsewhere: its files are as much outside the layout.
  await pushFails(layoutCopy("blobs-link", (d) => {
    const elsewhere = join(d, "..", "blobs-link-target");
    cpSync(join(d, "blobs"), elsewhere, { recursive: true });
    rmSync(join(d, "blobs"), { recursive: true });
    symlinkSync(elsewhere, join(d, "blobs"));
  }), /blobs-link\/blobs: resolves outside .*blobs-link \(a link out of the folder is not followed\)$/);
  await pushFails(layoutCopy("fifo", (_d, layer) => { rmSync(layer); execFileSync("mkfifo", [layer]); }), /is a FIFO, not a regular file/);
  await pushFails(packaged.layoutDir, /would take the image past the limit of 100 bytes \(--max-image-bytes\)/, ["--max-image-bytes", "100"]);
  await pushFails(packaged.tarFile, /past the limit of 100 bytes \(--max-image-bytes\)/, ["--max-image-bytes", "100"]);
});

test("credentials are never printed: not from a reference, not echoed by a registry", async () => {
  const inReference = await cliInProcess(["push", packaged.layoutDir, "alice:s3cret-pw@127.0.0.1:5000/a/b:1"]);
  assert.equal(inReference.code, 1);
  assert.match(inReference.err, /"\*\*\*@127\.0\.0\.1:5000\/a\/b:1": credentials do not belong in an image reference/);
  assert.doesNotMatch(inReference.err, /s3cret/);

  const stub = await startStubRegistry({
    fault: (r) => r.authorization === undefined
      ? { status: 401, headers: { "WWW-Authenticate": 'Basic realm="stub"' } }
      : { status: 403, body: JSON.stringify({ errors: [{ code: "DENIED", message: `no push for ${r.authorization} (password s3cret-pw)` }] }) },
  });
  try {
    const echoed = await cliInProcess(["push", packaged.layoutDir, `${stub.host}/a/b:1`, "--username", "alice", "--password-stdin"], { input: "s3cret-pw\n" });
    assert.equal(echoed.code, 1);
    assert.match(echoed.err, /403 Forbidden/);
    assert.doesNotMatch(echoed.err, /s3cret|YWxpY2U6czNjcmV0LXB3/);
    assert.match(echoed.err, /password \*\*\*/);
  } finally {
    await stub.stop();
  }
});

test("a bearer realm gets the credentials only over HTTPS, on loopback or on the registry's origin", async () => {
  const seen: Array<{ url: string; authorization: string | null }> = [];
  // Requests to the named realm host are answered here; nothing leaves loopback.
  const fakeFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.hostname !== "auth.example") return fetch(input, init);
    seen.push({ url: url.href, authorization: new Headers(init?.headers).get("authorization") });
    return new Response(JSON.stringify({ token: "T0KEN" }), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  for (const [realm, allowed] of [["http://auth.example/token", false], ["https://auth.example/token", true]] as const) {
    seen.length = 0;
    const stub = await startStubRegistry({
      fault: (r) => (r.authorization === "Bearer T0KEN" ? null : { status: 401, headers: { "WWW-Authenticate": `Bearer realm="${realm}",service="s"` } }),
    });
    try {
      const client = new RegistryClient({ registry: stub.host, credentials: { username: "alice", password: "pw" }, attempts: 1, fetch: fakeFetch });
      if (allowed) {
        await client.ping("a/b");
        assert.equal(seen.length, 1);
        assert.equal(seen[0].authorization, `Basic ${Buffer.from("alice:pw").toString("base64")}`);
      } else {
        await assert.rejects(client.ping("a/b"), /not sending the credentials: the token service http:\/\/auth\.example is plain HTTP on another host than the registry, and credentials go only to a realm over HTTPS, on loopback or on the registry's own origin/);
        assert.equal(seen.length, 0, "the realm was never asked");
      }
    } finally {
      await stub.stop();
    }
  }
});

test("a cross-origin redirect drops Authorization", async () => {
  const other: Array<string | undefined> = [];
  const target = createHttpServer((req, res) => {
    other.push(req.headers.authorization);
    res.writeHead(200).end();
  });
  const targetPort = await listen(target);
  const registry = createHttpServer((req, res) => {
    if (!req.headers.authorization) res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end();
    else res.writeHead(307, { Location: `http://127.0.0.1:${targetPort}/v2/` }).end();
  });
  const port = await listen(registry);
  try {
    await new RegistryClient({ registry: `127.0.0.1:${port}`, credentials: { username: "alice", password: "pw" }, attempts: 1 }).ping();
    assert.deepEqual(other, [undefined]);
  } finally {
    for (const s of [target, registry]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
});

test("--timeout bounds a registry that never answers", async () => {
  const sockets: Socket[] = [];
  const silent = createTcpServer((socket) => { sockets.push(socket); });
  const port = await listen(silent);
  try {
    const started = Date.now();
    const r = await cliInProcess(["push", packaged.layoutDir, `127.0.0.1:${port}/a/b:1`, "--attempts", "1", "--timeout", "1"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: push: checking the registry: cannot reach 127\.0\.0\.1:\d+: no answer within 1 s \(--timeout\)$/);
    assert.ok(Date.now() - started < 10_000);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test("an endless error body is read only in part", async () => {
  const chunk = Buffer.alloc(64 * 1024, "x");
  const endless = createHttpServer((req, res) => {
    res.writeHead(400, { "Content-Type": "text/plain" });
    const timer = setInterval(() => res.write(chunk), 1);
    res.on("close", () => clearInterval(timer));
  });
  const port = await listen(endless);
  try {
    const started = Date.now();
    const r = await cliInProcess(["push", packaged.layoutDir, `127.0.0.1:${port}/a/b:1`, "--attempts", "1", "--timeout", "60"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: push: checking the registry: 127\.0\.0\.1:\d+\/a\/b answered 400 \(x{200}\)$/);
    assert.ok(Date.now() - started < 10_000, "did not wait for the body to end");
  } finally {
    endless.closeAllConnections();
    await new Promise<void>((r) => endless.close(() => r()));
  }
});
