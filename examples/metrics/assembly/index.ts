// metrics: a request counter tagged by method and response status, and a
// request-duration histogram (milliseconds from request headers to the
// access-log point). Envoy exposes them as wasmcustom.<name>.
//
// Configuration (JSON, optional):
//   prefix   metric name prefix (default "http")
import {
  Counter, FilterHeadersStatus, Histogram, HttpContext, RootContext, currentTimeNanoseconds, log,
  pluginConfigurationObject, registerRootContext, requestHeaders, responseHeaders, taggedName,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

class MetricsRoot extends RootContext {
  prefix: string = "http";
  counters: Map<string, Counter> = new Map();
  duration: Histogram = new Histogram("http.request_duration_ms");

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("metrics");
    if (config === null) return false;
    const prefix = config.getString("prefix");
    if (prefix !== null) {
      if (prefix.length == 0) {
        log.critical("metrics: \"prefix\" must not be empty");
        return false;
      }
      this.prefix = prefix;
    }
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
    if (method !== null) this.method = method;
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const status = responseHeaders.get(":status");
    if (status !== null) this.status = status;
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
