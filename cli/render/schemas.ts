// Validators for rendered resources, built from the CRDs and schemas in manifest/.
import { Ajv, type ValidateFunction } from "ajv";
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../manifest/validate.js";
import { explain, relevantErrors } from "../manifest/schema-errors.js";

type Schema = Record<string, unknown>;

/**
 * A CRD's structural schema as JSON Schema: objects that list properties and
 * do not preserve unknown fields are closed (strict field validation).
 */
export function closeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const source = schema as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    out[key] = key === "properties" ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, closeSchema(v)])) : closeSchema(value);
  }
  if (source.type === "object" && source.properties && source["x-kubernetes-preserve-unknown-fields"] !== true && source.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

const METADATA = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: {
    name: { type: "string", maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" },
    namespace: { type: "string", maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}

function ajv(): Ajv {
  const instance = new Ajv({ allErrors: true, strict: false, verbose: true });
  for (const keyword of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations", "x-kubernetes-int-or-string", "x-kubernetes-list-type"]) {
    instance.addKeyword(keyword);
  }
  instance.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  instance.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  return instance;
}

export type ResourceKind = "sme-v1" | "sme-v1alpha1" | "wasmplugin" | "envoy";

const cache = new Map<ResourceKind, ValidateFunction>();

/** The JSON Schema a rendered resource of this kind must satisfy. */
export function resourceSchema(kind: ResourceKind): Schema {
  const dir = join(projectRoot(), "manifest");
  if (kind === "envoy") return JSON.parse(readFileSync(join(dir, "envoy-wasm-bootstrap.schema.json"), "utf8")) as Schema;
  const file = kind === "wasmplugin" ? "wasmplugins.extensions.istio.io.yaml" : "servicemeshextensions.maistra.io.yaml";
  const version = kind === "sme-v1" ? "v1" : "v1alpha1";
  const crd = load(readFileSync(join(dir, "crds", file), "utf8")) as Crd;
  const served = crd.spec.versions.find((v) => v.name === version);
  if (!served) throw new Error(`${file} has no version ${version}`);
  const open = served.schema.openAPIV3Schema;
  const properties = open.properties as Schema;
  const closed = closeSchema({
    ...open,
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      ...properties,
      apiVersion: { const: `${crd.spec.group}/${version}` },
      kind: { const: crd.spec.names.kind },
      metadata: METADATA,
    },
  }) as Schema;
  return closed;
}

/** Checks a rendered resource; returns one message per problem (empty when valid). */
export function checkResource(kind: ResourceKind, resource: unknown): string[] {
  let validate = cache.get(kind);
  if (!validate) {
    validate = ajv().compile(resourceSchema(kind));
    cache.set(kind, validate);
  }
  if (validate(resource)) return extraChecks(kind, resource);
  return relevantErrors(validate.errors ?? []).map((e) => explain(e, resource).message);
}

/** Rules a schema cannot state. */
function extraChecks(kind: ResourceKind, resource: unknown): string[] {
  const problems: string[] = [];
  if (kind === "wasmplugin") {
    const spec = (resource as { spec: Schema }).spec;
    const set = ["selector", "targetRef", "targetRefs"].filter((k) => spec[k] !== undefined);
    if (set.length > 1) problems.push(`spec: only one of selector, targetRef, targetRefs may be set (found ${set.join(", ")})`);
    const url = String(spec.url);
    const pinned = /@sha256:([a-f0-9]{64})$/.exec(url);
    if (pinned && spec.sha256 && spec.sha256 !== pinned[1]) problems.push(`spec.sha256 must match the digest in spec.url (${pinned[1]})`);
  }
  if (kind === "envoy") {
    const listeners = ((resource as { static_resources: { listeners: { filter_chains: { filters: { typed_config: { http_filters: { name: string }[] } }[] }[] }[] } }).static_resources.listeners);
    for (const listener of listeners) for (const chain of listener.filter_chains) for (const filter of chain.filters) {
      const names = filter.typed_config.http_filters.map((f) => f.name);
      if (names[names.length - 1] !== "envoy.filters.http.router") problems.push("http_filters: envoy.filters.http.router must be the last filter");
      if (names.filter((n) => n === "envoy.filters.http.router").length !== 1) problems.push("http_filters: exactly one router");
    }
  }
  return problems;
}
