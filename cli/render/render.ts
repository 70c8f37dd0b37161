// Deployment resources for an extension: Maistra ServiceMeshExtension (v1 with
// the configuration as an object, v1alpha1 with it as a string), Istio
// WasmPlugin, and a standalone Envoy bootstrap running the local module.
import type { Phase } from "../../host/index.js";
import type { ExtensionManifest } from "../manifest/validate.js";
import { formatReference, parseReference, type ImageReference } from "../registry/reference.js";
import { checkResource, type ResourceKind } from "./schemas.js";

/** SME phase → WasmPlugin phase (docs/packaging.md); PostStats has no equivalent and is left unset. */
export const WASMPLUGIN_PHASE: Record<Phase, "AUTHN" | "AUTHZ" | "STATS" | null> = {
  PreAuthN: "AUTHN",
  PostAuthN: "AUTHZ",
  PreAuthZ: "AUTHZ",
  PostAuthZ: "STATS",
  PreStats: "STATS",
  PostStats: null,
};

export interface RenderInput {
  manifest: ExtensionManifest;
  /** The plugin configuration (a JSON object). */
  config: Record<string, unknown>;
  /** The image, with a tag or a digest. */
  image: string;
  /** The pushed manifest's digest (sha256:<hex>), for WasmPlugin's sha256. */
  digest?: string | null;
  /** Resource name (default: the manifest's name). */
  name?: string;
  namespace?: string;
  /** Workload labels to select; none = every workload in scope. */
  selector?: Record<string, string>;
  /** Root id the module sees (default: <name>_root, what a ServiceMeshExtension of that name passes). */
  rootId?: string;
  phase?: Phase;
  priority?: number;
  imagePullPolicy?: "IfNotPresent" | "Always";
  imagePullSecret?: string;
  /** WasmPlugin: apply to sidecar inbound traffic only, as an SME did (excludes gateways). */
  inboundOnly?: boolean;
  /** Envoy: the module file the bootstrap loads. */
  modulePath?: string;
  /** Envoy: listener port (default 10000). */
  port?: number;
  /** Envoy: upstream host:port; without it the route answers 200 directly. */
  upstream?: string;
}

type Resource = Record<string, unknown>;

function metadata(input: RenderInput): Resource {
  return { name: input.name ?? input.manifest.name, namespace: input.namespace ?? "istio-system" };
}

export function rootIdFor(input: RenderInput): string {
  return input.rootId ?? `${input.name ?? input.manifest.name}_root`;
}

function imageRef(input: RenderInput): ImageReference {
  const ref = parseReference(input.image);
  if (!ref.tag && !ref.digest) throw new Error(`the image "${input.image}" needs a tag or a digest (a ServiceMeshExtension has no implicit latest)`);
  if (ref.digest && input.digest && ref.digest !== input.digest) throw new Error(`the image reference names ${ref.digest} but the digest given is ${input.digest}`);
  return ref;
}

function smeSpec(input: RenderInput, config: unknown): Resource {
  const ref = imageRef(input);
  // A ServiceMeshExtension takes a tag or a digest, not both.
  const image = formatReference(ref.digest ? { ...ref, tag: null } : ref);
  const spec: Resource = { image };
  if (input.imagePullPolicy) spec.imagePullPolicy = input.imagePullPolicy;
  if (input.imagePullSecret) spec.imagePullSecrets = [{ name: input.imagePullSecret }];
  if (input.selector && Object.keys(input.selector).length > 0) spec.workloadSelector = { labels: { ...input.selector } };
  spec.phase = input.phase ?? input.manifest.phase;
  spec.priority = input.priority ?? input.manifest.priority;
  spec.config = config;
  return spec;
}

export function renderServiceMeshExtensionV1(input: RenderInput): Resource {
  return { apiVersion: "maistra.io/v1", kind: "ServiceMeshExtension", metadata: metadata(input), spec: smeSpec(input, input.config) };
}

export function renderServiceMeshExtensionV1alpha1(input: RenderInput): Resource {
  return { apiVersion: "maistra.io/v1alpha1", kind: "ServiceMeshExtension", metadata: metadata(input), spec: smeSpec(input, JSON.stringify(input.config)) };
}

export function renderWasmPlugin(input: RenderInput): Resource {
  const ref = imageRef(input);
  const digest = input.digest ?? ref.digest;
  const spec: Resource = {};
  if (input.selector && Object.keys(input.selector).length > 0) spec.selector = { matchLabels: { ...input.selector } };
  spec.url = `oci://${formatReference(ref)}`;
  if (digest) spec.sha256 = digest.replace(/^sha256:/, "");
  if (input.imagePullPolicy) spec.imagePullPolicy = input.imagePullPolicy;
  if (input.imagePullSecret) spec.imagePullSecret = input.imagePullSecret;
  const phase = WASMPLUGIN_PHASE[input.phase ?? input.manifest.phase];
  if (phase) spec.phase = phase;
  spec.priority = input.priority ?? input.manifest.priority;
  spec.pluginName = rootIdFor(input);
  spec.pluginConfig = input.config;
  if (input.inboundOnly) spec.match = [{ mode: "SERVER" }];
  return { apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin", metadata: metadata(input), spec };
}

export function renderEnvoyBootstrap(input: RenderInput): Resource {
  const name = input.name ?? input.manifest.name;
  const route: Resource = input.upstream
    ? { match: { prefix: "/" }, route: { cluster: "backend" } }
    : { match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok\n" } } };
  const bootstrap: Resource = {
    static_resources: {
      listeners: [
        {
          name: "main",
          address: { socket_address: { address: "0.0.0.0", port_value: input.port ?? 10000 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "ingress_http",
                    codec_type: "AUTO",
                    route_config: { name: "local_route", virtual_hosts: [{ name: "backend", domains: ["*"], routes: [route] }] },
                    http_filters: [
                      {
                        name: "envoy.filters.http.wasm",
                        typed_config: {
                          "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
                          config: {
                            name,
                            root_id: rootIdFor(input),
                            configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(input.config) },
                            vm_config: {
                              vm_id: name,
                              runtime: "envoy.wasm.runtime.v8",
                              code: { local: { filename: input.modulePath ?? "plugin.wasm" } },
                            },
                          },
                        },
                      },
                      { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      ...(input.upstream ? { clusters: [upstreamCluster(input.upstream)] } : {}),
    },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 9901 } } },
  };
  return bootstrap;
}

function upstreamCluster(upstream: string): Resource {
  const match = /^(.+):(\d+)$/.exec(upstream);
  if (!match || Number(match[2]) > 65535) throw new Error(`--upstream must be host:port, got "${upstream}"`);
  return {
    name: "backend",
    type: "STRICT_DNS",
    connect_timeout: "1s",
    load_assignment: { cluster_name: "backend", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: match[1], port_value: Number(match[2]) } } } }] }] },
  };
}

const RENDERERS: Record<ResourceKind, (input: RenderInput) => Resource> = {
  "sme-v1": renderServiceMeshExtensionV1,
  "sme-v1alpha1": renderServiceMeshExtensionV1alpha1,
  wasmplugin: renderWasmPlugin,
  envoy: renderEnvoyBootstrap,
};

/** Renders one kind and validates it against its schema; throws listing every problem. */
export function render(kind: ResourceKind, input: RenderInput): Resource {
  const resource = RENDERERS[kind](input);
  const problems = checkResource(kind, resource);
  if (problems.length > 0) throw new Error(`the rendered ${kind} is not valid: ${problems.join("; ")}`);
  return resource;
}
