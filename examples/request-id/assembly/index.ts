// request-id: gives every request an `x-request-id` (a UUID v4) and a W3C
// `traceparent`, keeping valid incoming ones and replacing invalid ones,
// echoes both on the response, and stores them as filter state for the
// access log (`%FILTER_STATE(wasm.request_id:PLAIN)%`). See README.md.
import {
  FilterHeadersStatus, HttpContext, JsonKind, JsonReader, RootContext, log, pluginConfiguration, registerRootContext,
  requestHeaders, responseHeaders, setPropertyString, unexpectedJson,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

// Envoy fills this from its cryptographic generator (BoringSSL's RAND_bytes);
// Math.random is only seeded from it once, so ids drawn from Math.random would
// follow from each other. One call per request gives fresh bytes to every id.
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buffer: usize, length: usize): u16;

/** 16 bytes for the UUID, 16 for a trace id, 8 for a parent id. */
const RANDOM_BYTES: i32 = 40;
const random = new StaticArray<u8>(RANDOM_BYTES);
const HEX = "0123456789abcdef";

function refuse(problem: string): bool {
  log.critical("request-id: " + problem);
  return false;
}

/** Fresh random bytes in `random`; Math.random (seeded by the host) only if the host refuses. */
function fillRandom(): void {
  if (random_get(changetype<usize>(random), RANDOM_BYTES) == 0) return;
  for (let i = 0; i < RANDOM_BYTES; i++) unchecked(random[i] = <u8>(Math.random() * 256));
}

/** `count` random bytes from `from` as lower-case hex. */
function hex(from: i32, count: i32): string {
  let out = "";
  for (let i = from; i < from + count; i++) {
    const b = unchecked(random[i]);
    out += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out;
}

/** A version 4 UUID from the first 16 random bytes (RFC 9562 section 5.4). */
function newUuid(): string {
  unchecked(random[6] = (unchecked(random[6]) & 0x0F) | 0x40);
  unchecked(random[8] = (unchecked(random[8]) & 0x3F) | 0x80);
  return hex(0, 4) + "-" + hex(4, 2) + "-" + hex(6, 2) + "-" + hex(8, 2) + "-" + hex(10, 6);
}

function isHex(c: i32, upperToo: bool): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (upperToo && c >= 0x41 && c <= 0x46);
}

/** Whether `text[from, from + count)` is hex and not all zeros. */
function nonZeroHex(text: string, from: i32, count: i32): bool {
  let zero = true;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i);
    if (!isHex(c, false)) return false;
    if (c != 0x30) zero = false;
  }
  return !zero;
}

/** A UUID in its 36-character text form (any version, either case). */
export function isUuid(text: string): bool {
  if (text.length != 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i == 8 || i == 13 || i == 18 || i == 23) { if (c != 0x2D) return false; }
    else if (!isHex(c, true)) return false;
  }
  return true;
}

/**
 * A W3C trace context `traceparent`: version-traceid-parentid-flags in lower-case
 * hex, ids not all zeros, version ff invalid; version 00 is exactly 55
 * characters, a later version may add fields after a dash.
 */
export function isTraceparent(text: string): bool {
  const length = text.length;
  if (length < 55) return false;
  if (!isHex(text.charCodeAt(0), false) || !isHex(text.charCodeAt(1), false)) return false;
  const version = text.substring(0, 2);
  if (version == "ff") return false;
  if (version == "00" ? length != 55 : length > 55 && text.charCodeAt(55) != 0x2D) return false;
  if (text.charCodeAt(2) != 0x2D || text.charCodeAt(35) != 0x2D || text.charCodeAt(52) != 0x2D) return false;
  return nonZeroHex(text, 3, 32) && nonZeroHex(text, 36, 16)
    && isHex(text.charCodeAt(53), false) && isHex(text.charCodeAt(54), false);
}

class RequestIdRoot extends RootContext {
  traceparent: bool = true;
  echo: bool = true;
  sampled: bool = false;

  onConfigure(configurationSize: u32): bool {
    let traceparent = true, echo = true, sampled = false;
    const bytes = pluginConfiguration();
    if (bytes !== null && bytes.byteLength > 0) {
      const json = new JsonReader(bytes);
      if (!json.checkWhole()) return refuse("configuration is not valid JSON: " + json.errorText());
      if (!json.beginObject()) return refuse(unexpectedJson(json, "configuration must be a JSON object, not "));
      while (json.nextKey()) {
        const key = json.key;
        if (key != "traceparent" && key != "echo" && key != "sampled") {
          return refuse("unknown field \"" + key + "\" (expected traceparent, echo, sampled)");
        }
        if (json.kind() != JsonKind.Bool) return refuse(unexpectedJson(json, "\"" + key + "\" must be true or false, not "));
        const on = json.readBool();
        if (key == "traceparent") traceparent = on;
        else if (key == "echo") echo = on;
        else sampled = on;
      }
      if (!json.end()) return refuse(unexpectedJson(json, ""));
    }
    this.traceparent = traceparent;
    this.echo = echo;
    this.sampled = sampled;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new RequestId(contextId, this);
  }
}

class RequestId extends HttpContext {
  private requestId: string | null = null;
  private traceparent: string | null = null;

  constructor(contextId: u32, private config: RequestIdRoot) {
    super(contextId, config);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const config = this.config;
    let drawn = false;
    let id = requestHeaders.get("x-request-id");
    if (id === null || !isUuid(id)) {
      if (id !== null) log.debug("request-id: replacing an invalid x-request-id");
      fillRandom();
      drawn = true;
      id = newUuid();
      requestHeaders.set("x-request-id", id);
    }
    this.requestId = id;
    setPropertyString(["request_id"], id);
    if (config.traceparent) {
      let parent = requestHeaders.get("traceparent");
      if (parent === null || !isTraceparent(parent)) {
        if (parent !== null) {
          log.debug("request-id: replacing an invalid traceparent");
          // Trace state belongs to the trace it came with (W3C trace context, section 3.3).
          requestHeaders.remove("tracestate");
        }
        if (!drawn) fillRandom();
        parent = "00-" + hex(16, 16) + "-" + hex(32, 8) + (config.sampled ? "-01" : "-00");
        requestHeaders.set("traceparent", parent);
      }
      this.traceparent = parent;
      setPropertyString(["traceparent"], parent);
    }
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    if (!this.config.echo) return FilterHeadersStatus.Continue;
    const id = this.requestId;
    if (id !== null) responseHeaders.set("x-request-id", id);
    const parent = this.traceparent;
    if (parent !== null) responseHeaders.set("traceparent", parent);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RequestIdRoot(contextId));
