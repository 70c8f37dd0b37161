// jwt-auth: verifies the bearer JWT of every request (HS256, RS256, ES256).
// Keys come from configuration (JWK members or PEM) and/or a JWKS that the
// plugin fetches by HTTP callout on a timer and keeps in shared data, so every
// worker uses the same document and only one fetches per interval. Claims are
// checked (exp, nbf with clock skew; iss; aud), selected claims are copied into
// request headers, and a failure is a 401 with a WWW-Authenticate challenge
// that says why (RFC 6750 §3).
//
// Configuration: see README.md (keys, jwks_fetch, issuers, audiences,
// clock_skew_seconds, require_exp, claims_to_headers, realm, forward_token).
import {
  ConfigReader, FilterHeadersStatus, HeaderPair, HttpCallResponse, HttpCallback, HttpContext, JsonObject, JsonValue, RootContext, SharedData, SharedValue,
  asciiLowerCase, currentTimeNanoseconds, httpCall, log, pluginConfigurationObject, registerRootContext, requestHeaders,
  WasmResult,
} from "proxy-wasm-as";
import { Key, KeyError, readJwks, readKeyArray } from "./keys";
import { Policy, verifyToken } from "./token";

export * from "proxy-wasm-as/exports";

const NAME = "jwt-auth";

class JwksFetch {
  cluster: string = "";
  path: string = "";
  authority: string = "";
  intervalMs: u32 = 300_000;
  retryMs: u32 = 5_000;
  timeoutMs: u32 = 2_000;
  /** Shared-data key of the cached document: "<fetch time ms>\n<JWKS>". */
  sharedKey: string = "";
}

class Settings {
  policy: Policy = new Policy();
  keys: Key[] = [];
  fetch: JwksFetch | null = null;
  claimNames: string[] = [];
  claimHeaders: string[] = [];
  realm: string = "";
  forwardToken: bool = true;
}

function bad(reader: ConfigReader, message: string): Settings | null {
  reader.fail(message);
  return null;
}

/** A list of strings given as one string or an array (two kinds allowed); false after recording when it is neither. */
function readStrings(reader: ConfigReader, field: string, out: string[]): bool {
  const value = reader.value(field);
  if (value === null) return true;
  const one = value.asString();
  if (one !== null) {
    out.push(one);
    return true;
  }
  const items = value.asArray();
  for (let i = 0; items !== null && i < items.length; i++) {
    const item = items[i].asString();
    if (item === null) break;
    out.push(item);
  }
  return items !== null && out.length == items.length || reader.mismatch(field, "a string or an array of strings", value);
}

function readFetch(reader: ConfigReader, value: JsonValue): JwksFetch | null {
  const object = reader.nested("jwks_fetch", value, "an object { cluster, path, … }");
  if (object === null) return null;
  object.allowOnly("cluster, path, authority, interval_seconds, retry_seconds, timeout_ms");
  const fetch = new JwksFetch();
  const cluster = object.requiredString("cluster");
  const path = object.string("path", "");
  if (!path.startsWith("/")) object.fail(object.name("path") + " must be a path starting with '/'");
  fetch.cluster = cluster;
  fetch.path = path;
  fetch.authority = object.string("authority", cluster);
  fetch.intervalMs = <u32>object.wholeNumber("interval_seconds", 300, 1, 86400) * 1000;
  fetch.retryMs = <u32>object.wholeNumber("retry_seconds", 5, 1, 3600) * 1000;
  fetch.timeoutMs = <u32>object.wholeNumber("timeout_ms", 2000, 1, 60000);
  fetch.sharedKey = NAME + ".jwks|" + cluster + "|" + fetch.authority + "|" + path;
  return fetch;
}

function readSettings(config: JsonObject): Settings | null {
  const s = new Settings();
  const reader = new ConfigReader(config, NAME);
  if (!reader.allowOnly("keys, jwks_fetch, issuers, audiences, clock_skew_seconds, require_exp, claims_to_headers, realm, forward_token")) return null;
  // A JWK may carry members of its own (use, alg, x5c, …), so keys are read by keys.ts, not checked for unknown members.
  const items = reader.array("keys", "an array of JWKs");
  if (items !== null) {
    const error = new KeyError();
    const read = readKeyArray(items, error);
    if (read === null) return bad(reader, error.reason);
    s.keys = read;
  }
  const fetchConfig = reader.value("jwks_fetch");
  if (fetchConfig !== null) {
    s.fetch = readFetch(reader, fetchConfig);
    if (!reader.ok) return null;
  }
  if (!reader.ok) return null;
  if (s.keys.length == 0 && s.fetch === null) return bad(reader, "configure \"keys\", \"jwks_fetch\" or both");
  const policy = s.policy;
  if (!readStrings(reader, "issuers", policy.issuers) || !readStrings(reader, "audiences", policy.audiences)) return null;
  policy.skewSeconds = reader.wholeNumber("clock_skew_seconds", 60, 0, 3600);
  policy.requireExp = reader.bool("require_exp", true);
  const object = reader.object("claims_to_headers", "an object { claim: header }");
  if (object !== null) {
    for (let i = 0; i < object.size; i++) {
      const header = object.valueAt(i).asString();
      if (header === null || header.length == 0 || header.startsWith(":")) {
        return bad(reader, "\"claims_to_headers\".\"" + object.keyAt(i) + "\" must be a header name");
      }
      s.claimNames.push(object.keyAt(i));
      s.claimHeaders.push(asciiLowerCase(header));
    }
  }
  const realm = reader.string("realm", "");
  if (realm.includes("\"") || realm.includes("\\")) return bad(reader, "\"realm\" must be a string without quotes or backslashes");
  s.realm = realm;
  s.forwardToken = reader.bool("forward_token", true);
  return reader.ok ? s : null;
}

/** Text fit for a quoted-string in WWW-Authenticate (RFC 6750 §3: printable ASCII without `"` and `\`), at most 120 characters. */
function nowMs(): f64 {
  return <f64>(currentTimeNanoseconds() / 1_000_000);
}

/**
 * One worker fetches at a time: the lease is a deadline in shared data, taken
 * by a compare-and-swap write, and it lapses by itself after the fetch timeout.
 */
function takeLease(fetch: JwksFetch, now: f64): bool {
  const key = fetch.sharedKey + "|lease";
  const lease = SharedData.get(key);
  if (lease !== null && parseFloat(lease.text()) > now) return false;
  const until = now + <f64>fetch.timeoutMs + 1000;
  return SharedData.setText(key, until.toString(), lease !== null ? lease.cas : 0) == WasmResult.Ok;
}

function challengeText(text: string): string {
  let out = "";
  const n = min(text.length, 120);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    out += c >= 0x20 && c <= 0x7e && c != 0x22 && c != 0x5c ? String.fromCharCode(c) : "?";
  }
  return out;
}

class JwtRoot extends RootContext {
  settings: Settings | null = null;
  /** Keys of the JWKS this worker last read from shared data, and that entry's CAS. */
  jwksKeys: Key[] = [];
  /** The configured keys followed by jwksKeys: what tokens are checked against. */
  allKeys: Key[] = [];
  jwksCas: u32 = 0;

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject(NAME);
    if (config === null) return false;
    const settings = readSettings(config);
    if (settings === null) return false;
    this.settings = settings;
    this.allKeys = settings.keys;
    const fetch = settings.fetch;
    if (fetch !== null) {
      this.setTickPeriod(fetch.retryMs);
      this.refresh(fetch);
    }
    return true;
  }

  onTick(): void {
    const settings = this.settings;
    const fetch = settings !== null ? settings.fetch : null;
    if (fetch !== null) this.refresh(fetch);
  }

  /**
   * Picks up the shared document if another worker replaced it, and fetches a
   * new one when it is due and no other worker holds the fetch lease.
   */
  refresh(fetch: JwksFetch): void {
    const entry = SharedData.get(fetch.sharedKey);
    let fetchedAt: f64 = -1;
    if (entry !== null) {
      const text = entry.text();
      fetchedAt = parseFloat(text.substring(0, text.indexOf("\n")));
      this.adoptEntry(entry);
    }
    const now = nowMs();
    if (fetchedAt >= 0 && now - fetchedAt < <f64>fetch.intervalMs) return;
    if (!takeLease(fetch, now)) return;
    const headers = [new HeaderPair(":method", "GET"), new HeaderPair(":path", fetch.path), new HeaderPair(":authority", fetch.authority)];
    const call = httpCall(fetch.cluster, headers, null, null, fetch.timeoutMs, new JwksAnswer(this, fetch));
    if (!call.ok) log.error(NAME + ": cannot fetch the JWKS from cluster \"" + fetch.cluster + "\" (status " + call.status.toString() + ")");
  }

  /** Uses the shared entry ("<fetch time>\n<JWKS>") unless it is the one already in use. */
  adoptEntry(entry: SharedValue): void {
    if (entry.cas == this.jwksCas) return;
    const text = entry.text();
    this.adopt(text.substring(text.indexOf("\n") + 1), entry.cas);
  }

  /** Uses the JWKS text stored under CAS `cas`. */
  adopt(text: string, cas: u32): bool {
    const error = new KeyError();
    const keys = readJwks(text, error);
    this.jwksCas = cas;
    if (keys === null) return false;
    this.jwksKeys = keys;
    const settings = this.settings;
    this.allKeys = settings !== null ? settings.keys.concat(keys) : keys;
    return true;
  }

  /** The keys a token is checked against: configured first, then the shared JWKS. */
  keys(settings: Settings): Key[] {
    const fetch = settings.fetch;
    if (fetch === null) return settings.keys;
    // A worker that has not read the shared document yet reads it now, not at its next tick.
    if (this.jwksKeys.length == 0) {
      const entry = SharedData.get(fetch.sharedKey);
      if (entry !== null) this.adoptEntry(entry);
    }
    return this.allKeys;
  }

  newHttpContext(contextId: u32): HttpContext | null {
    const settings = this.settings;
    return settings !== null ? new JwtFilter(contextId, this, settings) : null;
  }
}

class JwksAnswer extends HttpCallback {
  constructor(private root: JwtRoot, private fetch: JwksFetch) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    const root = this.root;
    const fetch = this.fetch;
    const status = response.status;
    const body = status == 200 ? response.bodyText() : null;
    const error = new KeyError();
    if (body === null) error.reason = response.failed ? "no answer (reset)" : "status " + status.toString();
    else if (readJwks(body, error) !== null) {
      SharedData.setText(fetch.sharedKey, nowMs().toString() + "\n" + body);
      const entry = SharedData.get(fetch.sharedKey);
      if (entry !== null) root.adopt(body, entry.cas);
      log.info(NAME + ": JWKS from cluster \"" + fetch.cluster + "\" has " + root.jwksKeys.length.toString() + " usable keys");
      return;
    }
    // Keep the keys we have; the next tick after the lease lapses tries again.
    log.warn(NAME + ": JWKS fetch from cluster \"" + fetch.cluster + "\" failed: " + error.reason);
  }
}

class JwtFilter extends HttpContext {
  constructor(contextId: u32, private jwtRoot: JwtRoot, private settings: Settings) {
    super(contextId, jwtRoot);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.settings;
    // Claim headers are the filter's to write: never pass on a client's own.
    for (let i = 0; i < s.claimHeaders.length; i++) requestHeaders.remove(s.claimHeaders[i]);
    const authorization = requestHeaders.get("authorization");
    if (authorization === null || authorization.length < 7 || asciiLowerCase(authorization.substring(0, 7)) != "bearer ") {
      return this.challenge("");
    }
    const now = nowMs() / 1000;
    const verdict = verifyToken(authorization.substring(7).trim(), this.jwtRoot.keys(s), s.policy, now);
    if (verdict.reason.length > 0) return this.challenge(verdict.reason);
    const claims = verdict.claims!;
    for (let i = 0; i < s.claimNames.length; i++) {
      const value = claims.get(s.claimNames[i]);
      if (value === null) continue;
      const text = value.asString();
      requestHeaders.set(s.claimHeaders[i], text !== null ? text : value.toString());
    }
    if (!s.forwardToken) requestHeaders.remove("authorization");
    return FilterHeadersStatus.Continue;
  }

  /** 401: without `reason` a bare challenge (no credentials were offered, RFC 6750 §3.1), else invalid_token with why. */
  private challenge(reason: string): FilterHeadersStatus {
    const realm = this.settings.realm;
    let value = "Bearer";
    if (realm.length > 0) value += " realm=\"" + realm + "\"";
    if (reason.length > 0) {
      value += (realm.length > 0 ? "," : "") + " error=\"invalid_token\", error_description=\"" + challengeText(reason) + "\"";
    }
    log.debug(NAME + ": 401: " + (reason.length > 0 ? reason : "no bearer token"));
    this.sendLocalResponse(401, "unauthorized\n", [new HeaderPair("www-authenticate", value)], reason.length > 0 ? "jwt_auth_invalid_token" : "jwt_auth_missing_token");
    return FilterHeadersStatus.StopIteration;
  }
}

registerRootContext((contextId: u32): RootContext => new JwtRoot(contextId));
