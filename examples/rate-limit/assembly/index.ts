// rate-limit: a token bucket per client, shared by every worker through the
// proxy's shared data (compare-and-swap, retried on conflicts). A client with
// an empty bucket gets 429 with x-ratelimit-limit, x-ratelimit-remaining and
// retry-after; allowed responses carry the limit headers too.
//
// Configuration (JSON):
//   requests_per_second  refill rate (required, > 0)
//   burst                bucket size (default: requests_per_second, at least 1)
//   key_header           rate-limit by this request header instead of the client address
//   max_clients          buckets kept (default 4096, 1 to 1048576)
//
// Shared data has no delete and no expiry, so buckets live in a fixed table of
// `max_clients` slots ("rate-limit/<slot>"), never one key per client: a
// client hashes to a slot and the few after it, and takes the first that is
// its own, empty, or held by a client idle long enough for its bucket to be
// full again (such a bucket is the same as a new one, so reusing it loses
// nothing). When all of them are busy the client shares the first one's
// bucket: with more active clients than slots, limits err on the strict side.
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, HeaderPair, HttpContext, JsonObject, RootContext, SharedData, SharedDataUpdater,
  SharedValue, WasmResult, Attributes, currentTimeNanoseconds, log, registerRootContext, requestHeaders, responseHeaders,
  utf8,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

const NANOS_PER_SECOND: f64 = 1e9;
/** Slots a client may take, from its home slot on. */
const PROBES: u32 = 4;
/** A slot's value: tokens (f64), last refill (u64 ns), then the owner's key. */
const STATE_SIZE: i32 = 16;

class Limits {
  rate: f64 = 0;
  burst: f64 = 0;
  keyHeader: string = "";
  maxClients: u32 = 4096;
}

/** FNV-1a of the key's bytes: spreads clients over the slots. */
function hashOf(key: ArrayBuffer): u32 {
  let hash: u32 = 0x811C9DC5;
  const data = changetype<usize>(key);
  for (let i = 0; i < key.byteLength; i++) hash = (hash ^ load<u8>(data + i)) * 0x01000193;
  return hash;
}

/**
 * Takes one token from the bucket in a slot, for the client `key`. A slot
 * held by another client whose bucket is not full yet is busy: nothing is
 * written, unless `share` says to use that bucket anyway.
 */
class TakeToken extends SharedDataUpdater {
  allowed: bool = false;
  remaining: f64 = 0;
  busy: bool = false;

  constructor(private limits: Limits, readonly now: u64, private key: ArrayBuffer, private share: bool) {
    super();
  }

  next(current: SharedValue | null): ArrayBuffer | null {
    const limits = this.limits;
    let tokens = limits.burst;
    let owner = this.key;
    this.busy = false;
    if (current !== null && current.value.byteLength >= STATE_SIZE) {
      const state = changetype<usize>(current.value);
      const elapsed = this.now > load<u64>(state, 8) ? <f64>(this.now - load<u64>(state, 8)) / NANOS_PER_SECOND : 0;
      const refilled = Math.min(limits.burst, load<f64>(state) + elapsed * limits.rate);
      if (this.owns(current.value)) {
        tokens = refilled;
      } else if (refilled < limits.burst) {
        // Another client's bucket, still in use.
        if (!this.share) {
          this.busy = true;
          return null;
        }
        tokens = refilled;
        owner = current.value.slice(STATE_SIZE);
      }
    }
    this.allowed = tokens >= 1;
    if (this.allowed) tokens -= 1;
    this.remaining = tokens;
    const next = new ArrayBuffer(STATE_SIZE + owner.byteLength);
    store<f64>(changetype<usize>(next), tokens);
    store<u64>(changetype<usize>(next), this.now, 8);
    memory.copy(changetype<usize>(next) + STATE_SIZE, changetype<usize>(owner), owner.byteLength);
    return next;
  }

  private owns(value: ArrayBuffer): bool {
    const key = this.key;
    return value.byteLength == STATE_SIZE + key.byteLength &&
      memory.compare(changetype<usize>(value) + STATE_SIZE, changetype<usize>(key), key.byteLength) == 0;
  }
}

/** The limits in the configuration, or null (with the reason logged) when they are invalid. */
function readLimits(config: JsonObject): Limits | null {
  const limits = new Limits();
  const reader = new ConfigReader(config, "rate-limit");
  reader.allowOnly("requests_per_second, burst, key_header, max_clients");
  limits.rate = reader.number("requests_per_second", 0);
  if (!(limits.rate > 0) || !isFinite(limits.rate)) reader.fail("\"requests_per_second\" must be a number greater than 0");
  limits.burst = reader.number("burst", Math.max(1, Math.floor(limits.rate)));
  if (!(limits.burst >= 1) || limits.burst != Math.floor(limits.burst)) reader.fail("\"burst\" must be a whole number of at least 1");
  limits.keyHeader = reader.string("key_header", limits.keyHeader);
  limits.maxClients = <u32>reader.wholeNumber("max_clients", 4096, 1, 1048576);
  return reader.ok ? limits : null;
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

  /** Takes a token in the client's slot (see the file comment): the update's status, and `take` says the outcome. */
  private takeToken(take: TakeToken, key: ArrayBuffer): WasmResult {
    const slots = this.limits.maxClients;
    const home = hashOf(key) % slots;
    for (let probe: u32 = 0; probe < min(PROBES, slots); probe++) {
      const result = SharedData.update("rate-limit/" + ((home + probe) % slots).toString(), take, 8);
      if (result != WasmResult.Ok || !take.busy) return result;
    }
    const shared = new TakeToken(this.limits, take.now, key, true);
    const result = SharedData.update("rate-limit/" + home.toString(), shared, 8);
    take.allowed = shared.allowed;
    take.remaining = shared.remaining;
    return result;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const key = utf8(this.clientKey());
    const take = new TakeToken(this.limits, currentTimeNanoseconds(), key, false);
    const result = this.takeToken(take, key);
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

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<Limits, RateLimited>(contextId, "rate-limit", readLimits),
);
