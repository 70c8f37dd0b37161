import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { PHASES } from "../host/index.js";
import { loadManifest, type ExtensionManifest } from "../cli/manifest/validate.js";
import { render, WASMPLUGIN_PHASE, type RenderInput } from "../cli/render/render.js";
import { checkResource } from "../cli/render/schemas.js";
import { examplesWithManifest } from "./support/examples.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const manifest: ExtensionManifest = { schemaVersion: 1, name: "add-header", version: "0.1.0", phase: "PostAuthZ", priority: 100, module: "plugin.wasm" };
const base: RenderInput = { manifest, config: { "x-added": "hello", nested: { n: 1 } }, image: "quay.io/example/add-header:0.1.0", digest: DIGEST, selector: { app: "httpbin" } };

test("WasmPlugin: oci:// url, manifest sha256, mapped phase, pluginName = root id, selector, config object", () => {
  const plugin = render("wasmplugin", base) as any;
  assert.deepEqual(plugin, {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: "add-header", namespace: "istio-system" },
    spec: {
      selector: { matchLabels: { app: "httpbin" } },
      url: "oci://quay.io/example/add-header:0.1.0",
      sha256: "ab".repeat(32),
      phase: "STATS",
      priority: 100,
      pluginName: "add-header_root",
      pluginConfig: { "x-added": "hello", nested: { n: 1 } },
    },
  });
  const inbound = render("wasmplugin", { ...base, inboundOnly: true, rootId: "add_header", selector: {} }) as any;
  assert.deepEqual(inbound.spec.match, [{ mode: "SERVER" }]);
  assert.equal(inbound.spec.pluginName, "add_header");
  assert.equal(inbound.spec.selector, undefined);
});

test("phases map as the migration table says; PostStats leaves the phase unset", () => {
  const expected: Record<string, string | undefined> = { PreAuthN: "AUTHN", PostAuthN: "AUTHZ", PreAuthZ: "AUTHZ", PostAuthZ: "STATS", PreStats: "STATS", PostStats: undefined };
  for (const phase of PHASES) {
    assert.equal(WASMPLUGIN_PHASE[phase] ?? undefined, expected[phase]);
    const plugin = render("wasmplugin", { ...base, phase }) as any;
    assert.equal(plugin.spec.phase, expected[phase], phase);
    const sme = render("sme-v1", { ...base, phase }) as any;
    assert.equal(sme.spec.phase, phase);
  }
});

test("ServiceMeshExtension v1 carries config as an object, v1alpha1 as a JSON string", () => {
  const v1 = render("sme-v1", { ...base, imagePullPolicy: "IfNotPresent", imagePullSecret: "pull" }) as any;
  assert.deepEqual(v1, {
    apiVersion: "maistra.io/v1",
    kind: "ServiceMeshExtension",
    metadata: { name: "add-header", namespace: "istio-system" },
    spec: {
      image: "quay.io/example/add-header:0.1.0",
      imagePullPolicy: "IfNotPresent",
      imagePullSecrets: [{ name: "pull" }],
      workloadSelector: { labels: { app: "httpbin" } },
      phase: "PostAuthZ",
      priority: 100,
      config: { "x-added": "hello", nested: { n: 1 } },
    },
  });
  const alpha = render("sme-v1alpha1", base) as any;
  assert.equal(alpha.apiVersion, "maistra.io/v1alpha1");
  assert.equal(alpha.spec.config, '{"x-added":"hello","nested":{"n":1}}');
  assert.deepEqual(JSON.parse(alpha.spec.config), base.config);
  // A digest reference is used as is (an SME takes a tag or a digest, not both).
  const pinned = render("sme-v1", { ...base, image: `quay.io/example/add-header:0.1.0@${DIGEST}` }) as any;
  assert.equal(pinned.spec.image, `quay.io/example/add-header@${DIGEST}`);
});

test("an image without tag or digest, or a mismatched digest, is refused", () => {
  assert.throws(() => render("sme-v1", { ...base, image: "quay.io/example/add-header" }), /needs a tag or a digest/);
  assert.throws(() => render("wasmplugin", { ...base, image: `quay.io/x/y@sha256:${"cd".repeat(32)}` }), /names sha256:cd.* but the digest given is/);
});

test("Envoy bootstrap: the wasm filter with the local module and JSON configuration, router last", () => {
  const bootstrap = render("envoy", { ...base, modulePath: "build/add-header.wasm", upstream: "127.0.0.1:8080" }) as any;
  const hcm = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  assert.equal(hcm.http_filters.length, 2);
  const wasm = hcm.http_filters[0];
  assert.equal(wasm.name, "envoy.filters.http.wasm");
  assert.equal(wasm.typed_config["@type"], "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");
  assert.deepEqual(wasm.typed_config.config, {
    name: "add-header",
    root_id: "add-header_root",
    configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(base.config) },
    vm_config: { vm_id: "add-header", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: "build/add-header.wasm" } } },
  });
  assert.equal(hcm.http_filters[1].name, "envoy.filters.http.router");
  assert.equal(bootstrap.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 8080);
});

test("the schemas reject what the CRDs reject", () => {
  const plugin = render("wasmplugin", base) as any;
  assert.deepEqual(checkResource("wasmplugin", plugin), []);
  assert.match(checkResource("wasmplugin", { ...plugin, spec: { ...plugin.spec, phase: "PostAuthZ" } }).join(), /spec\.phase: string "PostAuthZ" is not one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS/);
  assert.match(checkResource("wasmplugin", { ...plugin, spec: { ...plugin.spec, sha256: "sha256:abc" } }).join(), /spec\.sha256: .* does not match/);
  assert.match(checkResource("wasmplugin", { ...plugin, spec: { ...plugin.spec, pluginConfg: {} } }).join(), /unknown key "pluginConfg"/);
  assert.match(checkResource("wasmplugin", { ...plugin, spec: { ...plugin.spec, url: undefined } }).join(), /missing required key "spec\.url"/);
  assert.match(checkResource("wasmplugin", { ...plugin, spec: { ...plugin.spec, targetRefs: [{ kind: "Gateway", name: "g" }] } }).join(), /only one of selector, targetRef, targetRefs/);
  assert.match(checkResource("wasmplugin", { ...plugin, spec: { ...plugin.spec, priority: 2 ** 31 } }).join(), /spec\.priority/);
  const sme = render("sme-v1", base) as any;
  assert.deepEqual(checkResource("sme-v1", sme), []);
  assert.match(checkResource("sme-v1", { ...sme, spec: { ...sme.spec, config: "a string" } }).join(), /spec\.config: must be a mapping/);
  assert.match(checkResource("sme-v1alpha1", { ...sme, apiVersion: "maistra.io/v1alpha1" }).join(), /spec\.config: must be a string/);
  assert.match(checkResource("sme-v1", { ...sme, spec: { ...sme.spec, phase: undefined } }).join(), /missing required key "spec\.phase"/);
  assert.match(checkResource("sme-v1", { ...sme, spec: { ...sme.spec, image: "quay.io/x/y" } }).join(), /spec\.image/);
  assert.match(checkResource("sme-v1", { ...sme, spec: { ...sme.spec, workloadSelector: {} } }).join(), /missing required key "spec\.workloadSelector\.labels"/);
  assert.match(checkResource("sme-v1", { ...sme, metadata: { name: "Bad_Name" } }).join(), /metadata\.name/);
  const envoy = render("envoy", base) as any;
  const filters = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters;
  filters.reverse();
  assert.match(checkResource("envoy", envoy).join(), /router must be the last filter/);
});

test("every example renders every kind, valid against its schema", () => {
  for (const name of examplesWithManifest()) {
    const m = loadManifest(join("examples", name, "manifest.yaml"));
    for (const kind of ["wasmplugin", "sme-v1", "sme-v1alpha1", "envoy"] as const) {
      const resource = render(kind, { manifest: m, config: {}, image: `quay.io/example/${name}:${m.version}`, digest: DIGEST });
      assert.deepEqual(checkResource(kind, resource), [], `${name} ${kind}`);
    }
  }
});
