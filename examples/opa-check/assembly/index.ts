// opa-check: asks a policy service about every request. The request is paused
// while its attributes go, as `{"input": {...}}`, to the policy's data API
// (Open Policy Agent: POST /v1/data/<package>/<rule>); the answer's "result"
// decides. When the service cannot answer (timeout, reset, error status, an
// answer without a decision) the request is let through or refused by config.
//
// Configuration (JSON):
//   cluster          Envoy cluster of the policy service (required)
//   path             data API path (default "/v1/data/http/authz")
//   authority        :authority of the check (default: the cluster name)
//   timeout_ms       1..60000 (default 200)
//   headers          request header names included in the input (default none)
//   fail_open        let requests through when the service cannot answer (default false)
//   status_on_error  status of the refusal when failing closed (default 403)
import {
  Attributes, ConfigReader, ConfiguredRoot, FilterHeadersStatus, HeaderPair, HttpCallback, HttpCallResponse, HttpContext, JsonObject,
  RootContext, asciiLowerCase, httpCall, log, parseJsonBytes, registerRootContext, requestHeaders, utf8,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

const NAME = "opa-check";

class Settings {
  cluster: string = "";
  path: string = "/v1/data/http/authz";
  authority: string = "";
  timeoutMs: u32 = 200;
  headers: string[] = [];
  failOpen: bool = false;
  statusOnError: u32 = 403;
}

function readSettings(config: JsonObject): Settings | null {
  const s = new Settings();
  const reader = new ConfigReader(config, NAME);
  reader.allowOnly("cluster, authority, path, timeout_ms, status_on_error, headers, fail_open");
  const cluster = reader.requiredString("cluster", "the Envoy cluster of the policy service");
  s.cluster = cluster;
  s.authority = reader.string("authority", cluster);
  const path = reader.string("path", s.path);
  if (!path.startsWith("/")) reader.fail("\"path\" must start with '/'");
  s.path = path;
  s.timeoutMs = <u32>reader.wholeNumber("timeout_ms", 200, 1, 60000);
  s.statusOnError = <u32>reader.wholeNumber("status_on_error", 403, 200, 599);
  const names = reader.strings("headers", "an array of header names");
  if (names !== null) {
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name.length == 0) {
        reader.fail("\"headers\"[" + i.toString() + "] must be a header name");
        return null;
      }
      s.headers.push(asciiLowerCase(name));
    }
  }
  s.failOpen = reader.bool("fail_open", false);
  return reader.ok ? s : null;
}

/** `text` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters escaped). */
function jsonString(text: string): string {
  let out = "\"";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c != 0x22 && c != 0x5c && c >= 0x20) continue;
    out += text.substring(start, i) + (c == 0x22 ? "\\\"" : c == 0x5c ? "\\\\" : "\\u00" + (c < 0x10 ? "0" : "1") + "0123456789abcdef".charAt(c & 15));
    start = i + 1;
  }
  return out + text.substring(start) + "\"";
}

function headerOrEmpty(name: string): string {
  const value = requestHeaders.get(name);
  return value !== null ? value : "";
}

/** The policy input: method, path, the configured headers that are present, and the peer. */
function policyInput(s: Settings): string {
  let input = "{\"input\":{\"method\":" + jsonString(headerOrEmpty(":method")) + ",\"path\":" + jsonString(headerOrEmpty(":path")) +
    ",\"headers\":{";
  let first = true;
  for (let i = 0; i < s.headers.length; i++) {
    const values = requestHeaders.getAll(s.headers[i]);
    if (values === null || values.length == 0) continue;
    // Repeated headers are one comma-separated value (RFC 9110 §5.3).
    input += (first ? "" : ",") + jsonString(s.headers[i]) + ":" + jsonString(values.join(","));
    first = false;
  }
  const source = Attributes.sourceAddress();
  return input + "},\"source\":{\"address\":" + jsonString(source !== null ? source : "") + "}}}";
}

class PolicyFilter extends HttpContext {
  constructor(contextId: u32, root: RootContext, readonly settings: Settings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.settings;
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "POST"), new HeaderPair(":path", s.path), new HeaderPair(":authority", s.authority),
      new HeaderPair("content-type", "application/json"),
    ];
    const call = httpCall(s.cluster, headers, utf8(policyInput(s)), null, s.timeoutMs, new PolicyAnswer(this));
    if (!call.ok) {
      log.error(NAME + ": cannot call cluster \"" + s.cluster + "\" (status " + call.status.toString() + ")");
      return this.unavailable("cannot call the policy service") ? FilterHeadersStatus.Continue : FilterHeadersStatus.StopIteration;
    }
    return FilterHeadersStatus.StopIteration;
  }

  /** Applies fail_open; true when the request goes on. */
  unavailable(why: string): bool {
    const s = this.settings;
    log.warn(NAME + ": " + why + (s.failOpen ? " (failing open)" : " (failing closed)"));
    if (s.failOpen) return true;
    this.sendLocalResponse(s.statusOnError, "policy service unavailable\n", null, "opa_check_unavailable");
    return false;
  }

  deny(reason: string): void {
    this.sendLocalResponse(403, "forbidden: " + reason + "\n", [new HeaderPair("content-type", "text/plain")], "opa_check_denied");
  }
}

class PolicyAnswer extends HttpCallback {
  constructor(private filter: PolicyFilter) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    const filter = this.filter;
    if (response.failed) {
      if (filter.unavailable("no answer (timeout or reset)")) filter.continueRequest();
      return;
    }
    const status = response.status;
    if (status != 200) {
      if (filter.unavailable("answer status " + status.toString())) filter.continueRequest();
      return;
    }
    const body = response.body();
    const parsed = body !== null ? parseJsonBytes(body) : null;
    const answer = parsed !== null && parsed.ok ? parsed.value!.asObject() : null;
    const result = answer !== null ? answer.get("result") : null;
    // OPA answers {"result": true|false}, or {"result": {"allow": bool, "reason": "…"}}; no result: undefined rule.
    let allow = false;
    let reason: string | null = null;
    let decided = false;
    if (result !== null && result.isBool()) {
      allow = result.asBool();
      decided = true;
    } else if (result !== null && result.isObject()) {
      const object = result.asObject()!;
      const value = object.get("allow");
      decided = value !== null && value.isBool();
      allow = decided && value!.asBool();
      reason = object.getString("reason");
    }
    if (!decided) {
      if (filter.unavailable("the answer has no decision (\"result\" true/false or {\"allow\": …})")) filter.continueRequest();
      return;
    }
    if (allow) filter.continueRequest();
    else filter.deny(reason !== null ? reason : "denied by policy");
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<Settings, PolicyFilter>(contextId, NAME, readSettings),
);
