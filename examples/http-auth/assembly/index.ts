// http-auth: asks an authorization service about every request before letting
// it through. The request is paused, its headers are sent to the auth cluster;
// a 200 resumes it, any other answer gets a 403, and an auth service that
// cannot be reached gets a 503 (fail closed).
//
// Configuration (JSON):
//   cluster        Envoy cluster of the auth service (required)
//   authority      :authority of the check request (default: the cluster name)
//   path           path of the check request (default "/check")
//   timeout_ms     how long to wait (default 1000)
//   deny_body      body of the 403 reply (default "access denied\n")
//   allow_headers  names of auth-response headers copied onto the allowed request
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, HeaderPair, HttpCallback, HttpCallResponse, HttpContext, JsonObject,
  RootContext, httpCall, log, registerRootContext, requestHeaders,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

class AuthSettings {
  cluster: string = "";
  authority: string = "";
  path: string = "/check";
  timeoutMs: u32 = 1000;
  denyBody: string = "access denied\n";
  allowHeaders: string[] = [];
}

function readSettings(config: JsonObject): AuthSettings | null {
  const settings = new AuthSettings();
  const reader = new ConfigReader(config, "http-auth");
  reader.allowOnly("cluster, authority, path, timeout_ms, deny_body, allow_headers");
  const cluster = reader.requiredString("cluster", "the Envoy cluster of the auth service");
  settings.cluster = cluster;
  settings.authority = reader.string("authority", cluster);
  const path = reader.string("path", settings.path);
  if (!path.startsWith("/")) reader.fail("\"path\" must start with '/'");
  settings.path = path;
  settings.timeoutMs = <u32>reader.wholeNumber("timeout_ms", 1000, 1, 60000);
  settings.denyBody = reader.string("deny_body", settings.denyBody);
  const allow = reader.strings("allow_headers", "an array of header names");
  if (allow !== null) settings.allowHeaders = allow;
  return reader.ok ? settings : null;
}

class AuthStream extends HttpContext {
  constructor(contextId: u32, root: RootContext, public readonly settings: AuthSettings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.settings;
    const method = requestHeaders.get(":method");
    const path = requestHeaders.get(":path");
    // The check request: its own pseudo-headers, the request's other headers, and where the request was going.
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "GET"), new HeaderPair(":path", s.path), new HeaderPair(":authority", s.authority),
    ];
    const incoming = requestHeaders.pairs();
    if (incoming !== null) {
      for (let i = 0; i < incoming.length; i++) {
        const pair = incoming[i];
        if (!pair.name.startsWith(":")) headers.push(pair);
      }
    }
    headers.push(new HeaderPair("x-forwarded-method", method !== null ? method : ""));
    headers.push(new HeaderPair("x-forwarded-uri", path !== null ? path : ""));
    const call = httpCall(s.cluster, headers, null, null, s.timeoutMs, new AuthReply(this));
    if (!call.ok) {
      log.error("http-auth: cannot call cluster \"" + s.cluster + "\" (status " + call.status.toString() + ")");
      this.sendLocalResponse(503, "auth service unavailable\n", null, "http_auth_unavailable");
    }
    return FilterHeadersStatus.StopIteration;
  }
}

class AuthReply extends HttpCallback {
  constructor(private stream: AuthStream) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    const stream = this.stream;
    const status = response.status;
    if (response.failed || status == 503 || status == 504) {
      log.warn("http-auth: auth service unavailable (" + (response.failed ? "reset" : status.toString()) + ")");
      stream.sendLocalResponse(503, "auth service unavailable\n", null, "http_auth_unavailable");
      return;
    }
    if (status != 200) {
      const headers: HeaderPair[] = [new HeaderPair("content-type", "text/plain")];
      stream.sendLocalResponse(403, stream.settings.denyBody, headers, "http_auth_denied");
      return;
    }
    const copy = stream.settings.allowHeaders;
    for (let i = 0; i < copy.length; i++) {
      const value = response.header(copy[i]);
      if (value !== null) requestHeaders.set(copy[i], value);
    }
    stream.continueRequest();
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<AuthSettings, AuthStream>(contextId, "http-auth", readSettings),
);
