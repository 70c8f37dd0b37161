// metrics: a request counter tagged by method and response status, and a
// request-duration histogram (milliseconds from request headers to the
// access-log point). Envoy exposes them as wasmcustom.<name>.
//
// The tags come from the request and the upstream, so they are bounded
// before they name a stat: a method outside RFC 9110's (and PATCH) counts
// as "other", a status that is not three digits 100-599 as "other". Every
// stat Envoy keeps lives for the proxy's lifetime, so a client must not be
// able to mint new names.
//
// Configuration (JSON, optional):
//   prefix   metric name prefix (default "http")
import {
  ConfigReader, Counter, FilterHeadersStatus, Histogram, HttpContext, RootContext, currentTimeNanoseconds,
  pluginConfigurationObject, registerRootContext, requestHeaders, responseHeaders, taggedName,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

// The methods counted under their own name, between bars; any other method is "other".
const KNOWN_METHODS = "|GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|";

/** The method tag: the method itself when it is a known one, else "other". */
function methodTag(method: string): string {
  return method.length > 0 && !method.includes("|") && KNOWN_METHODS.includes("|" + method + "|") ? method : "other";
}

/** The status tag: a three-digit status from 100 to 599, else "other" ("0" is kept: no response). */
function statusTag(status: string): string {
  if (status == "0") return status;
  if (status.length != 3) return "other";
  for (let i = 0; i < 3; i++) {
    const digit = status.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return "other";
  }
  const first = status.charCodeAt(0) - 0x30;
  return first >= 1 && first <= 5 ? status : "other";
}

class MetricsRoot extends RootContext {
  prefix: string = "http";
  counters: Map<string, Counter> = new Map();
  duration: Histogram = new Histogram("http.request_duration_ms");

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("metrics");
    if (config === null) return false;
    const reader = new ConfigReader(config, "metrics");
    reader.allowOnly("prefix");
    const prefix = config.has("prefix") ? reader.requiredString("prefix") : this.prefix;
    if (!reader.ok) return false;
    this.prefix = prefix;
    this.duration = new Histogram(this.prefix + ".request_duration_ms");
    this.counters.clear();
    return true;
  }

  /** The counter for one method/status pair, defined once and then reused. */
  requests(method: string, status: string): Counter {
    const name = taggedName(this.prefix + ".requests", ["method", method, "status", status]);
    if (!this.counters.has(name)) this.counters.set(name, new Counter(name));
    return this.counters.get(name);
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Measured(contextId, this);
  }
}

class Measured extends HttpContext {
  // Request headers are gone once their callback returns: keep what onLog needs.
  method: string = "UNKNOWN";
  status: string = "0";
  started: u64 = 0;

  constructor(contextId: u32, private metrics: MetricsRoot) {
    super(contextId, metrics);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    this.started = currentTimeNanoseconds();
    const method = requestHeaders.get(":method");
    if (method !== null) this.method = methodTag(method);
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const status = responseHeaders.get(":status");
    if (status !== null) this.status = statusTag(status);
    return FilterHeadersStatus.Continue;
  }

  onLog(): void {
    this.metrics.requests(this.method, this.status).increment(1);
    if (this.started != 0) {
      const now = currentTimeNanoseconds();
      this.metrics.duration.record(now > this.started ? (now - this.started) / 1_000_000 : 0);
    }
  }
}

registerRootContext((contextId: u32): RootContext => new MetricsRoot(contextId));
