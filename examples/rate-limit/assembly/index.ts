// rate-limit: a token bucket per client, shared by every worker through the
// proxy's shared data (compare-and-swap, retried on conflicts). A client with
// an empty bucket gets 429 with x-ratelimit-limit, x-ratelimit-remaining and
// retry-after; allowed responses carry the limit headers too.
//
// Configuration (JSON):
//   requests_per_second  refill rate (required, > 0)
//   burst                bucket size (default: requests_per_second, at least 1)
//   key_header           rate-limit by this request header instead of the client address
import {
  FilterHeadersStatus, HeaderPair, HttpContext, RootContext, SharedData, SharedDataUpdater, SharedValue, WasmResult,
  Attributes, currentTimeNanoseconds, log, pluginConfigurationObject, registerRootContext, requestHeaders,
  responseHeaders,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

const NANOS_PER_SECOND: f64 = 1e9;

class Limits {
  rate: f64 = 0;
  burst: f64 = 0;
  keyHeader: string = "";
}

/** Takes one token from a bucket stored as (tokens: f64, last refill: u64 ns). */
class TakeToken extends SharedDataUpdater {
  allowed: bool = false;
  remaining: f64 = 0;

  constructor(private limits: Limits, private now: u64) {
    super();
  }

  next(current: SharedValue | null): ArrayBuffer | null {
    const limits = this.limits;
    let tokens = limits.burst;
    if (current !== null && current.value.byteLength == 16) {
      const state = changetype<usize>(current.value);
      const elapsed = this.now > load<u64>(state, 8) ? <f64>(this.now - load<u64>(state, 8)) / NANOS_PER_SECOND : 0;
      tokens = Math.min(limits.burst, load<f64>(state) + elapsed * limits.rate);
    }
    this.allowed = tokens >= 1;
    if (this.allowed) tokens -= 1;
    this.remaining = tokens;
    const next = new ArrayBuffer(16);
    store<f64>(changetype<usize>(next), tokens);
    store<u64>(changetype<usize>(next), this.now, 8);
    return next;
  }
}

class RateLimitRoot extends RootContext {
  limits: Limits | null = null;

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("rate-limit");
    if (config === null) return false;
    const limits = new Limits();
    limits.rate = config.getNumber("requests_per_second", 0);
    if (!(limits.rate > 0) || !isFinite(limits.rate)) {
      log.critical("rate-limit: \"requests_per_second\" must be a number greater than 0");
      return false;
    }
    limits.burst = config.getNumber("burst", Math.max(1, Math.floor(limits.rate)));
    if (!(limits.burst >= 1) || limits.burst != Math.floor(limits.burst)) {
      log.critical("rate-limit: \"burst\" must be a whole number of at least 1");
      return false;
    }
    const keyHeader = config.getString("key_header");
    if (keyHeader !== null) limits.keyHeader = keyHeader;
    this.limits = limits;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext | null {
    const limits = this.limits;
    return limits !== null ? new RateLimited(contextId, this, limits) : null;
  }
}

class RateLimited extends HttpContext {
  remaining: i32 = -1;

  constructor(contextId: u32, root: RootContext, private limits: Limits) {
    super(contextId, root);
  }

  private clientKey(): string {
    if (this.limits.keyHeader.length > 0) {
      const value = requestHeaders.get(this.limits.keyHeader);
      return "header:" + (value !== null ? value : "");
    }
    const address = Attributes.sourceAddress();
    if (address === null) return "address:unknown";
    // "ip:port" — the port changes per connection, the client does not.
    const colon = address.lastIndexOf(":");
    return "address:" + (colon > 0 && !address.endsWith("]") ? address.substring(0, colon) : address);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const take = new TakeToken(this.limits, currentTimeNanoseconds());
    const result = SharedData.update("rate-limit/" + this.clientKey(), take, 8);
    if (result != WasmResult.Ok) {
      // Lost every race or the store failed: let the request through rather than refuse on our own fault.
      log.warn("rate-limit: shared data update failed (status " + result.toString() + "); allowing the request");
      return FilterHeadersStatus.Continue;
    }
    const limit = (<i64>this.limits.burst).toString();
    this.remaining = <i32>Math.floor(take.remaining);
    if (take.allowed) return FilterHeadersStatus.Continue;
    const wait = <i64>Math.ceil((1 - take.remaining) / this.limits.rate);
    const headers: HeaderPair[] = [
      new HeaderPair("x-ratelimit-limit", limit),
      new HeaderPair("x-ratelimit-remaining", "0"),
      new HeaderPair("retry-after", (wait > 0 ? wait : 1).toString()),
    ];
    this.sendLocalResponse(429, "too many requests\n", headers, "rate_limited");
    return FilterHeadersStatus.StopIteration;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    if (this.remaining >= 0 && !responseHeaders.has("x-ratelimit-limit")) {
      responseHeaders.set("x-ratelimit-limit", (<i64>this.limits.burst).toString());
      responseHeaders.set("x-ratelimit-remaining", this.remaining.toString());
    }
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RateLimitRoot(contextId));
