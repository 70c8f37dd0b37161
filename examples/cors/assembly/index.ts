// cors: Cross-Origin Resource Sharing at the proxy. Preflights from allowed
// origins are answered here (204 with the configured Access-Control-* headers);
// actual requests from allowed origins get Access-Control-Allow-Origin (and
// -Expose-Headers, -Allow-Credentials) on their response. Origins that are not
// allowed get no CORS headers at all, so the browser refuses the response.
// Configuration: see README.md.
import {
  ConfigReader, ConfiguredRoot, Counter, FilterHeadersStatus, HeaderPair, HttpContext, JsonObject, RootContext, asciiLowerCase,
  registerRootContext, requestHeaders, responseHeaders,
} from "proxy-wasm-as";
import { Regex } from "proxy-wasm-as/regex";

export * from "proxy-wasm-as/exports";

const NAME = "cors";

/** One `allow_origins` entry with a `*`: the origin must be prefix + one or more host characters + suffix. */
class Wildcard {
  constructor(public prefix: string, public suffix: string, public withScheme: bool) {}

  matches(origin: string): bool {
    let text = origin;
    if (!this.withScheme) {
      const at = origin.indexOf("://");
      if (at < 0) return false;
      text = origin.substring(at + 3);
    }
    const middleEnd = text.length - this.suffix.length;
    const middleStart = this.prefix.length;
    if (middleEnd <= middleStart || !text.startsWith(this.prefix) || !text.endsWith(this.suffix)) return false;
    // The star stands for host labels only: letters, digits, '-' and inner dots (never a scheme, port or path).
    if (text.charCodeAt(middleStart) == 0x2E || text.charCodeAt(middleEnd - 1) == 0x2E) return false;
    for (let i = middleStart; i < middleEnd; i++) {
      const c = text.charCodeAt(i);
      const ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E;
      if (!ok) return false;
    }
    return true;
  }
}

class CorsPolicy {
  anyOrigin: bool = false;
  exact: string[] = [];
  wildcards: Wildcard[] = [];
  regexes: Regex[] = [];
  allowMethods: string = "GET, HEAD, POST";
  allowHeaders: string = "";
  exposeHeaders: string = "";
  maxAge: string = "";
  credentials: bool = false;
  originValid: Counter = new Counter("cors.origin_valid");
  originInvalid: Counter = new Counter("cors.origin_invalid");

  allows(origin: string): bool {
    if (this.anyOrigin) return true;
    const lower = asciiLowerCase(origin);
    for (let i = 0; i < this.exact.length; i++) if (this.exact[i] == lower) return true;
    for (let i = 0; i < this.wildcards.length; i++) if (this.wildcards[i].matches(lower)) return true;
    for (let i = 0; i < this.regexes.length; i++) if (this.regexes[i].fullMatch(origin) !== null) return true;
    return false;
  }

  /** The Access-Control-Allow-Origin value: `*` only when any origin may read and no credentials are sent. */
  allowOriginFor(origin: string): string {
    return this.anyOrigin && !this.credentials ? "*" : origin;
  }

  /** Whether the answer depends on Origin (then caches must key on it). */
  get variesByOrigin(): bool {
    return !this.anyOrigin || this.credentials;
  }
}

/** A JSON array of non-empty strings (empty when absent), or null after recording which field is wrong. */
function stringList(reader: ConfigReader, field: string): string[] | null {
  const list = reader.strings(field);
  if (list === null) return reader.ok ? [] : null;
  for (let i = 0; i < list.length; i++) {
    if (list[i].length == 0) {
      reader.fail("\"" + field + "\"[" + i.toString() + "] must be a non-empty string");
      return null;
    }
  }
  return list;
}

/** Header names must be HTTP tokens (RFC 9110); the list is sent joined by ", ". */
function tokenList(reader: ConfigReader, field: string): string | null {
  const list = stringList(reader, field);
  if (list === null) return null;
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
      if (!ok) {
        reader.fail("\"" + field + "\"[" + i.toString() + "] is not a valid token: \"" + s + "\"");
        return null;
      }
    }
  }
  return list.join(", ");
}

function readPolicy(config: JsonObject): CorsPolicy | null {
  const policy = new CorsPolicy();
  const reader = new ConfigReader(config, NAME);
  reader.allowOnly("allow_origins, allow_origin_regex, allow_methods, allow_headers, expose_headers, max_age, allow_credentials");
  const origins = stringList(reader, "allow_origins");
  if (origins === null) return null;
  for (let i = 0; i < origins.length; i++) {
    const entry = asciiLowerCase(origins[i]);
    const star = entry.indexOf("*");
    if (entry == "*") {
      policy.anyOrigin = true;
    } else if (star < 0) {
      policy.exact.push(entry);
    } else {
      const scheme = entry.indexOf("://");
      const hostStart = scheme < 0 ? 0 : scheme + 3;
      // Only a leading "*." in the host is a wildcard: "https://*.example.com", "*.example.com".
      if (star != hostStart || entry.charCodeAt(star + 1) != 0x2E || entry.indexOf("*", star + 1) >= 0) {
        reader.fail("\"allow_origins\"[" + i.toString() + "] may only have \"*.\" at the start of the host: \"" + origins[i] + "\"");
        return null;
      }
      policy.wildcards.push(new Wildcard(entry.substring(0, star), entry.substring(star + 1), scheme >= 0));
    }
  }
  const patterns = stringList(reader, "allow_origin_regex");
  if (patterns === null) return null;
  for (let i = 0; i < patterns.length; i++) {
    const compiled = Regex.compile(patterns[i]);
    if (!compiled.ok) {
      reader.fail("\"allow_origin_regex\"[" + i.toString() + "] is not a valid pattern: at " + compiled.position.toString() + ": " + compiled.error!);
      return null;
    }
    policy.regexes.push(compiled.regex!);
  }
  if (!policy.anyOrigin && policy.exact.length == 0 && policy.wildcards.length == 0 && policy.regexes.length == 0) {
    reader.fail("no origin is allowed: give \"allow_origins\" or \"allow_origin_regex\"");
    return null;
  }
  if (config.has("allow_methods")) {
    const methods = tokenList(reader, "allow_methods");
    if (methods === null) return null;
    policy.allowMethods = methods;
  }
  const headers = tokenList(reader, "allow_headers");
  if (headers === null) return null;
  policy.allowHeaders = headers;
  const expose = tokenList(reader, "expose_headers");
  if (expose === null) return null;
  policy.exposeHeaders = expose;
  if (config.has("max_age")) policy.maxAge = (<i32>reader.wholeNumber("max_age", 0, 0, 86400)).toString();
  policy.credentials = reader.bool("allow_credentials", policy.credentials);
  return reader.ok ? policy : null;
}

/** Adds "Vary: Origin" unless a Vary header already names Origin (or is "*"). */
function varyOnOrigin(): void {
  const vary = responseHeaders.getAll("vary");
  if (vary !== null) {
    for (let i = 0; i < vary.length; i++) {
      const parts = vary[i].split(",");
      for (let j = 0; j < parts.length; j++) {
        const token = asciiLowerCase(parts[j].trim());
        if (token == "origin" || token == "*") return;
      }
    }
  }
  responseHeaders.add("vary", "Origin");
}

class CorsStream extends HttpContext {
  /** The allowed Origin of this request, or null: no CORS headers on its response. */
  origin: string | null = null;

  constructor(contextId: u32, root: RootContext, private policy: CorsPolicy) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const origin = requestHeaders.get("origin");
    if (origin === null) return FilterHeadersStatus.Continue;
    const p = this.policy;
    const allowed = p.allows(origin);
    (allowed ? p.originValid : p.originInvalid).increment();
    const method = requestHeaders.get(":method");
    const preflight = method == "OPTIONS" && requestHeaders.get("access-control-request-method") !== null;
    if (!preflight) {
      if (allowed) this.origin = origin;
      return FilterHeadersStatus.Continue;
    }
    const headers: HeaderPair[] = [];
    if (p.variesByOrigin) headers.push(new HeaderPair("vary", "Origin"));
    if (allowed) {
      headers.push(new HeaderPair("access-control-allow-origin", p.allowOriginFor(origin)));
      headers.push(new HeaderPair("access-control-allow-methods", p.allowMethods));
      if (p.allowHeaders.length > 0) headers.push(new HeaderPair("access-control-allow-headers", p.allowHeaders));
      if (p.maxAge.length > 0) headers.push(new HeaderPair("access-control-max-age", p.maxAge));
      if (p.credentials) headers.push(new HeaderPair("access-control-allow-credentials", "true"));
    }
    // A preflight from an origin that is not allowed gets a plain 204: without CORS headers the browser
    // stops there, and the upstream never sees a preflight it was not meant to answer.
    this.sendLocalResponse(204, "", headers, allowed ? "cors_preflight" : "cors_preflight_origin_not_allowed");
    return FilterHeadersStatus.StopIteration;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const p = this.policy;
    if (p.variesByOrigin) varyOnOrigin();
    const origin = this.origin;
    if (origin === null) return FilterHeadersStatus.Continue;
    responseHeaders.set("access-control-allow-origin", p.allowOriginFor(origin));
    if (p.credentials) responseHeaders.set("access-control-allow-credentials", "true");
    if (p.exposeHeaders.length > 0) responseHeaders.set("access-control-expose-headers", p.exposeHeaders);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<CorsPolicy, CorsStream>(contextId, NAME, readPolicy),
);
