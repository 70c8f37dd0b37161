// Image references: host[:port]/path/repo(:tag | @sha256:<hex>).

export interface ImageReference {
  /** host[:port] */
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** An image tag (OCI distribution spec): what a tag in a reference or in an OCI layout must look like. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Parses an image reference. The registry host is required (a first path part
 * with a dot or a port, or "localhost"); "oci://" and "docker://" prefixes are
 * accepted and dropped.
 */
export function parseReference(raw: string): ImageReference {
  const text = raw.replace(/^(oci|docker):\/\//, "");
  // Never echo credentials: "user:pass@host/repo" is shown as "***@host/repo".
  const userinfo = /^[^/]*@(?=[^/]*\/)/.exec(text);
  const input = userinfo ? raw.replace(userinfo[0], "***@") : raw;
  if (userinfo) {
    throw new Error(`bad image reference "${input}": credentials do not belong in an image reference (use --username with --password-stdin, or REGISTRY_USERNAME and REGISTRY_PASSWORD)`);
  }
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`bad image reference "${input}": the digest must be sha256: followed by 64 lowercase hex digits`);
  }
  const slash = rest.indexOf("/");
  if (slash < 0) throw new Error(`bad image reference "${input}": it needs a registry host, like 127.0.0.1:5000/${rest || "name"}`);
  const registry = rest.slice(0, slash);
  if (!(registry.includes(".") || registry.includes(":") || registry === "localhost")) {
    throw new Error(`bad image reference "${input}": "${registry}" is not a registry host (write the host, e.g. quay.io/${rest})`);
  }
  let path = rest.slice(slash + 1);
  let tag: string | null = null;
  const colon = path.lastIndexOf(":");
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`bad image reference "${input}": "${tag}" is not a valid tag`);
  }
  if (path === "" || !path.split("/").every((c) => COMPONENT.test(c))) {
    throw new Error(`bad image reference "${input}": the repository "${path}" must be lowercase path components`);
  }
  return { registry, repository: path, tag, digest };
}

export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** Loopback registries are spoken to over plain HTTP unless told otherwise. */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
