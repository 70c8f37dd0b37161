// -f: the chain from deployment documents (ServiceMeshExtension v1 and v1alpha1, Istio
// WasmPlugin, the project's manifest.yaml), ordered by phase and priority, configured as
// each document says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, request, ROOT, startServe } from "./serve-harness.js";

test("-f with SME v1, SME v1alpha1, a WasmPlugin and a manifest.yaml builds one ordered chain", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "serve-docs-"));
  const docs = join(dir, "chain.yaml");
  writeFileSync(
    docs,
    `apiVersion: maistra.io/v1
kind: ServiceMeshExtension
metadata: { name: ha-one, namespace: demo }
spec:
  image: quay.io/example/header-append:0.1.0
  phase: PostAuthZ
  priority: 10
  config: { x-sme: v1 }
---
apiVersion: maistra.io/v1alpha1
kind: ServiceMeshExtension
metadata: { name: ha-two, namespace: demo }
spec:
  image: quay.io/example/header-append:0.1.0
  phase: PostAuthZ
  priority: 20
  config: '{"x-sme": "v1alpha1"}'
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: { name: ha-three, namespace: demo }
spec:
  url: ${pathToFileURL(build("header-append")).href}
  phase: AUTHN
  failStrategy: FAIL_OPEN
  pluginName: ha-three-root
  pluginConfig: { x-wp: "3" }
`,
  );
  const serve = await startServe(
    ["-f", docs, "-f", join(ROOT, "examples", "metrics", "manifest.yaml"), "--module", `ha-one=${build("header-append")}`, "--module", `ha-two=${build("header-append")}`],
    { admin: true },
  );
  try {
    assert.match(serve.output(), /chain: +ha-three → ha-two → ha-one → metrics/);
    const r = await request(`${serve.url}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-sme"], "v1, v1alpha1", "responses pass the filters in reverse: ha-one appends first");
    assert.equal(r.headers["x-wp"], "3");
    const listing = (await (await fetch(`http://127.0.0.1:${serve.admin}/plugins`)).json()) as Array<{ name: string; rootId: string; phase: string; priority: number; failStrategy: string }>;
    assert.deepEqual(
      listing.map((p) => [p.name, p.rootId, p.phase, p.priority, p.failStrategy]),
      [
        ["ha-three", "ha-three-root", "PreAuthN", 0, "FAIL_OPEN"],
        ["ha-two", "ha-two_root", "PostAuthZ", 20, "FAIL_CLOSE"],
        ["ha-one", "ha-one_root", "PostAuthZ", 10, "FAIL_CLOSE"],
        ["metrics", "metrics_root", "PostStats", 100, "FAIL_CLOSE"],
      ],
    );
  } finally {
    assert.equal(await serve.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("-f with an invalid document stops with the schema's complaint", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "serve-docs-"));
  const docs = join(dir, "bad.yaml");
  writeFileSync(docs, "apiVersion: maistra.io/v1\nkind: ServiceMeshExtension\nmetadata: { name: x }\nspec: { phase: Sometime }\n");
  try {
    await assert.rejects(startServe(["-f", docs]), /exited with 1[\s\S]*phase/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
