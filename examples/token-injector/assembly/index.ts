// token-injector: adds `Authorization: Bearer <token>` to every request going
// out, with a token fetched from an OAuth2 token endpoint (client credentials
// grant, RFC 6749 §4.4) by HTTP callout.
//
// The token lives in shared data, so every worker uses the one fetched by
// any of them. The record also holds a lease: a worker that wants to fetch
// first writes the lease with the CAS it read, so only one worker wins and
// fetches; the others keep using the old token, or, on a cold start, hold
// their requests and look again on their timer. A token is refreshed
// `refresh_margin_s` before it expires. A request held longer than
// `wait_timeout_ms`, or held when this worker's fetch fails, gets a 503.
//
// The client secret is sent only in the Basic authorization header of the
// token request and is never logged.
//
// Configuration (JSON): see README.md.
import {
  BaseContext, ConfigReader, FilterHeadersStatus, HeaderPair, HttpCallResponse, HttpCallback, HttpContext, JsonObject, RootContext, SharedData,
  WasmResult, currentTimeNanoseconds, httpCall, log, parseJsonBytes, pluginConfigurationObject, registerRootContext,
  requestHeaders,
} from "proxy-wasm-as";
import { base64 } from "proxy-wasm-as/encoding";

export * from "proxy-wasm-as/exports";

class TokenSettings {
  cluster: string = "";
  authority: string = "";
  path: string = "/oauth/token";
  /** Ready-made header values and body of the token request. */
  basic: string = "";
  form: string = "";
  marginMs: i64 = 60000;
  fetchTimeoutMs: u32 = 2000;
  waitTimeoutMs: i64 = 5000;
  pollMs: u32 = 100;
  /** After a failed fetch, no worker tries again for this long. */
  retryMs: i64 = 1000;
  key: string = "token-injector.token";
}

/** The shared record: "<expires at ms> <lease until ms> <token>". */
class TokenRecord {
  expiresAt: i64 = 0;
  /** Until then, after a failed fetch, a request without a token is answered at once instead of held. */
  failedUntil: i64 = 0;
  leaseUntil: i64 = 0;
  token: string = "";
  cas: u32 = 0;

  static read(key: string): TokenRecord {
    const record = new TokenRecord();
    const stored = SharedData.get(key);
    if (stored === null) return record;
    record.cas = stored.cas;
    const text = stored.text();
    const first = text.indexOf(" ");
    const second = first >= 0 ? text.indexOf(" ", first + 1) : -1;
    if (second < 0) return record;
    record.expiresAt = I64.parseInt(text.substring(0, first));
    record.leaseUntil = I64.parseInt(text.substring(first + 1, second));
    record.token = text.substring(second + 1);
    return record;
  }

  write(key: string): WasmResult {
    return SharedData.setText(key, this.expiresAt.toString() + " " + this.leaseUntil.toString() + " " + this.token, this.cas);
  }
}

const UNAVAILABLE = "upstream credentials unavailable\n";

function nowMs(): i64 {
  return <i64>(currentTimeNanoseconds() / 1000000);
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks of the client id and secret in Basic auth. */
function formEncode(text: string): string {
  const bytes = Uint8Array.wrap(String.UTF8.encode(text));
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
      b == 0x2d || b == 0x2e || b == 0x5f || b == 0x2a;
    if (unreserved) out += String.fromCharCode(b);
    else if (b == 0x20) out += "+";
    else out += "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
  }
  return out;
}

function readSettings(config: JsonObject): TokenSettings | null {
  const s = new TokenSettings();
  const reader = new ConfigReader(config, "token-injector");
  reader.allowOnly("cluster, authority, path, client_id, client_secret, scope, refresh_margin_s, fetch_timeout_ms, wait_timeout_ms, poll_ms, shared_key");
  const cluster = reader.requiredString("cluster", "the token endpoint's Envoy cluster");
  s.cluster = cluster;
  s.authority = reader.string("authority", cluster);
  s.path = reader.string("path", s.path);
  if (!s.path.startsWith("/")) reader.fail("\"path\" must start with '/'");
  const id = reader.requiredString("client_id");
  // Never echo the secret's value, not even in a rejection (the reader names kinds, never values).
  const secret = reader.requiredString("client_secret");
  s.basic = "Basic " + base64.encodeString(formEncode(id) + ":" + formEncode(secret));
  s.form = "grant_type=client_credentials";
  const scope = reader.optionalString("scope");
  if (scope !== null) s.form += "&scope=" + formEncode(scope);
  s.marginMs = <i64>reader.wholeNumber("refresh_margin_s", 60, 0, 86400) * 1000;
  s.fetchTimeoutMs = <u32>reader.wholeNumber("fetch_timeout_ms", 2000, 1, 60000);
  s.waitTimeoutMs = <i64>reader.wholeNumber("wait_timeout_ms", 5000, 1, 60000);
  s.pollMs = <u32>reader.wholeNumber("poll_ms", 100, 10, 10000);
  if (config.has("shared_key")) s.key = reader.requiredString("shared_key");
  return reader.ok ? s : null;
}

class TokenRoot extends RootContext {
  settings: TokenSettings = new TokenSettings();
  /** Streams of this worker held until a token arrives. */
  waiting: TokenStream[] = [];
  fetching: bool = false;
  /** This worker's copy of the shared token: "Bearer …", good until refreshAt (then the shared record is read again). */
  header: string = "";
  refreshAt: i64 = 0;
  expiresAt: i64 = 0;
  /** Until then, after a failed fetch, a request without a token is answered at once instead of held. */
  failedUntil: i64 = 0;

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("token-injector");
    if (config === null) return false;
    const settings = readSettings(config);
    if (settings === null) return false;
    this.settings = settings;
    // Create the record once, before traffic: a key that does not exist is written whatever the CAS,
    // so the lease CAS only protects a record that already exists (docs/sdk.md, "Shared data and queues").
    if (SharedData.get(settings.key) === null) new TokenRecord().write(settings.key);
    this.setTickPeriod(settings.pollMs);
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new TokenStream(contextId, this);
  }

  onTick(): void {
    const now = nowMs();
    this.tokenHeader(now, this);
    this.serveWaiting(now);
  }

  /** "Bearer …" for a token that has not expired, or null; starts a refresh when one is due. `caller` is the running context. */
  tokenHeader(now: i64, caller: BaseContext): string | null {
    if (now < this.refreshAt) return this.header;
    const record = TokenRecord.read(this.settings.key);
    if (record.token.length > 0 && record.expiresAt > this.expiresAt) {
      this.header = "Bearer " + record.token;
      this.expiresAt = record.expiresAt;
      this.refreshAt = record.expiresAt - this.settings.marginMs;
    }
    if (now >= this.refreshAt) this.refresh(record, now, caller);
    return now < this.expiresAt ? this.header : null;
  }

  /** Takes the lease with the record's CAS and fetches; does nothing while another worker holds it. */
  private refresh(record: TokenRecord, now: i64, caller: BaseContext): void {
    if (this.fetching || record.leaseUntil > now) return;
    const s = this.settings;
    record.leaseUntil = now + <i64>s.fetchTimeoutMs + 1000;
    if (record.write(s.key) != WasmResult.Ok) return; // another worker took it first
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "POST"), new HeaderPair(":path", s.path), new HeaderPair(":authority", s.authority),
      new HeaderPair("content-type", "application/x-www-form-urlencoded"), new HeaderPair("accept", "application/json"),
      new HeaderPair("authorization", s.basic),
    ];
    // The root owns the callout: the reply must arrive even if the request that started it is gone.
    if (caller !== this) this.makeEffective();
    const call = httpCall(s.cluster, headers, String.UTF8.encode(s.form), null, s.fetchTimeoutMs, new TokenReply(this));
    if (caller !== this) caller.makeEffective();
    if (!call.ok) {
      this.fetchFailed("cannot call cluster \"" + s.cluster + "\" (status " + call.status.toString() + ")");
      if (caller !== this) caller.makeEffective();
      return;
    }
    this.fetching = true;
  }

  onFetched(response: HttpCallResponse): void {
    this.fetching = false;
    if (response.failed || response.status != 200) {
      this.fetchFailed("token endpoint answered " + (response.failed ? "with a reset" : response.status.toString()));
      return;
    }
    const body = response.body();
    const parsed = body !== null ? parseJsonBytes(body) : null;
    const object = parsed !== null && parsed.ok ? parsed.value!.asObject() : null;
    const token = object !== null ? object.getString("access_token") : null;
    const expiresIn = object !== null ? object.getNumber("expires_in", -1) : -1;
    const type = object !== null ? object.getString("token_type") : null;
    if (token === null || token.length == 0 || token.includes(" ") || !(expiresIn > 0) ||
      (type !== null && type.toLowerCase() != "bearer")) {
      this.fetchFailed("token endpoint's answer has no bearer access_token with a positive expires_in");
      return;
    }
    const now = nowMs();
    const key = this.settings.key;
    for (let attempt = 0; attempt < 8; attempt++) {
      const record = TokenRecord.read(key);
      record.token = token;
      record.expiresAt = now + <i64>(expiresIn * 1000);
      record.leaseUntil = 0;
      if (record.write(key) == WasmResult.Ok) break;
    }
    log.info("token-injector: new token, expires in " + (<i64>expiresIn).toString() + " s");
    this.serveWaiting(now);
  }

  /** Gives the lease back with a short back-off and answers this worker's held requests with a 503. */
  private fetchFailed(reason: string): void {
    this.fetching = false;
    log.warn("token-injector: token fetch failed: " + reason);
    const now = nowMs();
    const key = this.settings.key;
    this.failedUntil = now + this.settings.retryMs;
    for (let attempt = 0; attempt < 8; attempt++) {
      const record = TokenRecord.read(key);
      record.leaseUntil = this.failedUntil;
      if (record.write(key) == WasmResult.Ok) break;
    }
    const held = this.waiting;
    this.waiting = [];
    for (let i = 0; i < held.length; i++) held[i].unavailable();
  }

  /** Resumes held requests once there is a token; answers those held too long. */
  private serveWaiting(now: i64): void {
    if (this.waiting.length == 0) return;
    const header = this.tokenHeader(now, this);
    const held = this.waiting;
    const still: TokenStream[] = [];
    for (let i = 0; i < held.length; i++) {
      const stream = held[i];
      if (header !== null) stream.resume(header);
      else if (now >= stream.deadline) stream.unavailable();
      else still.push(stream);
    }
    this.waiting = still;
  }

  forget(stream: TokenStream): void {
    const index = this.waiting.indexOf(stream);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}

class TokenReply extends HttpCallback {
  constructor(private root: TokenRoot) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    this.root.onFetched(response);
  }
}

class TokenStream extends HttpContext {
  deadline: i64 = 0;

  constructor(contextId: u32, private owner: TokenRoot) {
    super(contextId, owner);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const now = nowMs();
    const header = this.owner.tokenHeader(now, this);
    if (header !== null) {
      requestHeaders.set("authorization", header);
      return FilterHeadersStatus.Continue;
    }
    if (now < this.owner.failedUntil) {
      this.sendLocalResponse(503, UNAVAILABLE, null, "token_unavailable");
      return FilterHeadersStatus.StopIteration;
    }
    this.deadline = now + this.owner.settings.waitTimeoutMs;
    this.owner.waiting.push(this);
    return FilterHeadersStatus.StopIteration;
  }

  resume(header: string): void {
    this.makeEffective();
    requestHeaders.set("authorization", header);
    this.continueRequest();
  }

  unavailable(): void {
    this.makeEffective();
    this.sendLocalResponse(503, UNAVAILABLE, null, "token_unavailable");
  }

  onDone(): bool {
    this.owner.forget(this);
    return true;
  }
}

registerRootContext((contextId: u32): RootContext => new TokenRoot(contextId));
