// Failure paths against stub HTTP servers on loopback: transient errors are
// retried a bounded number of times, permanent ones fail with a clear cause,
// and no manifest is ever put after a failed blob.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { loadLayout, type LoadedImage } from "../cli/package/layout.js";
import { packageExample } from "../cli/package/package.js";
import { parseChallenge, RegistryClient } from "../cli/registry/client.js";
import { pushImage, verifyPushed } from "../cli/registry/push.js";
import { parseReference } from "../cli/registry/reference.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { startStubRegistry, type Fault, type StubRequest } from "./support/stub-registry.js";
import { freePort, tempDir } from "./support/tools.js";

let image: LoadedImage;
const work = tempDir("faults");

before(async () => {
  const name = examplesWithManifest()[0];
  builtModule(name);
  const result = await packageExample(join("examples", name), { outDir: work.path, build: "never", epoch: 0 });
  image = await loadLayout(result.layoutDir);
});
after(() => work.remove());

async function withStub<T>(fault: (r: StubRequest, i: number) => Fault, body: (host: string, requests: StubRequest[]) => Promise<T>): Promise<T> {
  const stub = await startStubRegistry({ fault });
  try {
    return await body(stub.host, stub.requests);
  } finally {
    await stub.stop();
  }
}

const quick = (host: string, extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
  new RegistryClient({ registry: host, retryDelayMs: 5, attempts: 3, ...extra });

test("a 500 on the manifest PUT, then success: retried, pushed, verified", async () => {
  let failed = 0;
  await withStub((r) => (r.method === "PUT" && r.path.includes("/manifests/") && failed++ === 0 ? { status: 500 } : null), async (host, requests) => {
    const progress: string[] = [];
    const client = quick(host, { onProgress: (m) => progress.push(m) });
    const pushed = await pushImage(client, parseReference(`${host}/r/x:1`), image);
    await verifyPushed(client, "r/x", "1", pushed.digest);
    assert.equal(requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/")).length, 2);
    assert.ok(progress.some((m) => /answered 500 .*retrying \(1\/2\)/.test(m)), progress.join("\n"));
  });
});

test("a 500 in the middle of a blob upload restarts that upload", async () => {
  let failed = 0;
  await withStub((r) => (r.method === "PUT" && r.path.includes("/blobs/uploads/") && failed++ === 0 ? { status: 500 } : null), async (host, requests) => {
    const pushed = await pushImage(quick(host), parseReference(`${host}/r/x:1`), image);
    assert.equal(pushed.uploaded.length, 2);
    assert.equal(requests.filter((r) => r.method === "POST").length, 3, "the failed upload was started again");
  });
});

test("a dropped connection is retried; chunked uploads survive one too", async () => {
  let dropped = 0;
  await withStub((r) => (r.method === "PATCH" && dropped++ === 1 ? "drop" : null), async (host, requests) => {
    const pushed = await pushImage(quick(host, { chunkSize: 2000 }), parseReference(`${host}/r/x:1`), image);
    assert.equal(pushed.digest, image.manifest.digest);
    assert.ok(requests.filter((r) => r.method === "PATCH").length > 3);
  });
});

test("a server that keeps failing gives up after the bounded attempts, and no manifest is put", async () => {
  await withStub((r) => (r.method === "PUT" && r.path.includes("/blobs/uploads/") ? { status: 503 } : null), async (host, requests) => {
    await assert.rejects(pushImage(quick(host), parseReference(`${host}/r/x:1`), image), /answered 503 Service Unavailable \(UNKNOWN: injected 503\) \(after 1 attempts\)|answered 503/);
    assert.equal(requests.filter((r) => r.method === "POST").length, 3, "three attempts of the first blob");
    assert.equal(requests.filter((r) => r.path.includes("/manifests/")).length, 0, "no manifest after a failed blob");
  });
  await withStub((r) => (r.path.includes("/blobs/uploads/") ? "drop" : null), async (host, requests) => {
    await assert.rejects(pushImage(quick(host), parseReference(`${host}/r/x:1`), image), /cannot reach 127\.0\.0\.1:\d+: the connection was closed unexpectedly/);
    assert.equal(requests.filter((r) => r.path.includes("/manifests/")).length, 0);
  });
});

test("401, 403 and 404 fail at once with a clear message", async () => {
  await withStub((r) => (r.method === "POST" ? { status: 403, body: JSON.stringify({ errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] }) } : null), async (host, requests) => {
    await assert.rejects(pushImage(quick(host), parseReference(`${host}/r/x:1`), image), /403 Forbidden: not allowed to push to 127\.0\.0\.1:\d+\/r\/x \(DENIED: requested access to the resource is denied\)/);
    assert.equal(requests.filter((r) => r.method === "POST").length, 1, "403 is not retried");
  });
  await withStub((r) => (r.path === "/v2/" ? { status: 404, body: "not here" } : null), async (host) => {
    await assert.rejects(pushImage(quick(host), parseReference(`${host}/r/x:1`), image), /404 Not Found at 127\.0\.0\.1:\d+\/r\/x \(not here\) \(is it an OCI registry/);
  });
  await withStub(() => ({ status: 401, headers: { "WWW-Authenticate": 'Basic realm="r"' } }), async (host) => {
    await assert.rejects(pushImage(quick(host, { credentials: { username: "u", password: "p" } }), parseReference(`${host}/r/x:1`), image), /401 Unauthorized: 127\.0\.0\.1:\d+\/[a-z/-]+ refused the credentials/);
  });
});

test("a refused connection is reported as such after bounded attempts", async () => {
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(pushImage(quick(`127.0.0.1:${port}`), parseReference(`127.0.0.1:${port}/r/x:1`), image), /checking the registry: cannot reach 127\.0\.0\.1:\d+: connection refused \(after 3 attempts\)/);
  assert.ok(Date.now() - started < 5000);
});

test("bearer tokens: the challenge's realm is asked for a token with the credentials and the push scope", async () => {
  const tokenRequests: { url: string; authorization?: string }[] = [];
  const tokenServer = createServer((req, res) => {
    tokenRequests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    const ok = req.headers.authorization === `Basic ${Buffer.from("alice:pw").toString("base64")}`;
    res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" });
    res.end(ok ? JSON.stringify({ token: "T0KEN" }) : "{}");
  });
  await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", () => r()));
  const address = tokenServer.address();
  const realm = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/token`;
  try {
    await withStub(
      (r) => (r.authorization === "Bearer T0KEN" ? null : { status: 401, headers: { "WWW-Authenticate": `Bearer realm="${realm}",service="stub-registry",scope="registry:catalog:*"` } }),
      async (host, requests) => {
        const pushed = await pushImage(quick(host, { credentials: { username: "alice", password: "pw" } }), parseReference(`${host}/team/x:1`), image);
        assert.equal(pushed.digest, image.manifest.digest);
        assert.ok(requests.some((r) => r.path.includes("/manifests/") && r.authorization === "Bearer T0KEN"));
        const url = new URL(tokenRequests[0].url, "http://x");
        assert.equal(url.searchParams.get("service"), "stub-registry");
        assert.equal(url.searchParams.get("scope"), "repository:team/x:pull,push");
        await assert.rejects(
          pushImage(quick(host, { credentials: { username: "alice", password: "wrong" } }), parseReference(`${host}/team/x:1`), image),
          /the token service http:\/\/127\.0\.0\.1:\d+ answered 401/,
        );
      },
    );
  } finally {
    tokenServer.closeAllConnections();
    await new Promise<void>((r) => tokenServer.close(() => r()));
  }
});

test("WWW-Authenticate parsing and image references", () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), {
    scheme: "bearer",
    params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull" },
  });
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: "basic", params: { realm: "Registry Realm" } });
  assert.deepEqual(parseReference("oci://quay.io/org/filter:0.1.0"), { registry: "quay.io", repository: "org/filter", tag: "0.1.0", digest: null });
  assert.deepEqual(parseReference(`127.0.0.1:5000/a/b@sha256:${"a".repeat(64)}`), { registry: "127.0.0.1:5000", repository: "a/b", tag: null, digest: `sha256:${"a".repeat(64)}` });
  assert.throws(() => parseReference("filter:1"), /needs a registry host/);
  assert.throws(() => parseReference("library/filter:1"), /"library" is not a registry host/);
  assert.throws(() => parseReference("quay.io/Org/filter:1"), /must be lowercase/);
  assert.throws(() => parseReference("quay.io/org/filter@sha256:abc"), /64 lowercase hex/);
});

test("an answer that breaks off mid-body is asked for again, and named when it keeps breaking off", async () => {
  const isManifestGet = (r: StubRequest) => r.method === "GET" && r.path.includes("/manifests/");
  let cut = 0;
  await withStub((r) => (isManifestGet(r) && cut++ === 0 ? "truncate" : null), async (host, requests) => {
    const client = quick(host);
    const pushed = await pushImage(client, parseReference(`${host}/r/x:1`), image);
    await verifyPushed(client, "r/x", "1", pushed.digest);
    assert.equal(requests.filter(isManifestGet).length, 2, "the broken answer was asked for once more");
  });
  await withStub((r) => (r.method === "GET" ? "truncate" : null), async (host, requests) => {
    const client = quick(host);
    const pushed = await pushImage(client, parseReference(`${host}/r/x:1`), image);
    await assert.rejects(verifyPushed(client, "r/x", "1", pushed.digest), /^RegistryError: reading manifest r\/x:1: the answer broke off: the connection was closed unexpectedly$/);
    assert.equal(requests.filter(isManifestGet).length, 3, "bounded by the attempts");
  });
});
