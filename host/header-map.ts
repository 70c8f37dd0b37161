// Envoy header map semantics (reference §4.4, §7.1, §12.2): lower-case keys, several
// values per key kept in insertion order, pseudo-headers iterated first, and "inline"
// headers that merge repeated adds into one comma-separated value.
import { Buffer } from "node:buffer";
import { lowerCaseName } from "./header-name.js";

export type HeaderInput = Record<string, string> | Array<[string, string]>;

/**
 * Headers Envoy stores as O(1) inline headers. Adding one that already exists appends to
 * its value (`,`; `; ` for cookie) instead of adding a second entry. This is Envoy's core
 * set plus the custom inline headers registered by commonly built extensions.
 */
export const REQUEST_INLINE: ReadonlySet<string> = new Set([
  ":authority", ":method", ":path", ":scheme", ":protocol",
  "accept", "accept-encoding", "authorization", "cache-control", "connection", "content-length",
  "content-type", "cookie", "expect", "grpc-accept-encoding", "grpc-timeout", "keep-alive",
  "origin", "proxy-connection", "referer", "te", "transfer-encoding", "upgrade", "user-agent",
  "via", "x-client-trace-id", "x-envoy-attempt-count", "x-envoy-expected-rq-timeout-ms",
  "x-envoy-external-address", "x-envoy-force-trace", "x-envoy-internal", "x-envoy-original-path",
  "x-envoy-retry-on", "x-envoy-upstream-rq-timeout-ms", "x-forwarded-client-cert",
  "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-request-id",
]);

export const RESPONSE_INLINE: ReadonlySet<string> = new Set([
  ":status",
  "access-control-allow-origin", "access-control-allow-credentials", "cache-control", "connection",
  "content-encoding", "content-length", "content-type", "date", "etag", "grpc-message", "grpc-status",
  "keep-alive", "location", "proxy-connection", "server", "transfer-encoding", "upgrade", "vary", "via",
  "x-envoy-degraded", "x-envoy-upstream-service-time", "x-request-id",
]);

export const TRAILER_INLINE: ReadonlySet<string> = new Set(["grpc-message", "grpc-status"]);

/** Maps without inline headers (gRPC metadata, user-built maps). */
export const NO_INLINE: ReadonlySet<string> = new Set();

/** Up to this many entries, `add` scans for the key before asking whether it is inline. */
const SCAN_FIRST = 16;

export class HeaderMap {
  /** Keys and values in iteration order; exposed to the host for serialisation. */
  readonly keys: string[] = [];
  readonly values: string[] = [];
  private pseudo = 0;

  constructor(input?: HeaderInput | HeaderMap | null, readonly inline: ReadonlySet<string> = NO_INLINE) {
    if (!input) return;
    if (input instanceof HeaderMap) {
      for (let i = 0; i < input.keys.length; i++) this.add(input.keys[i]!, input.values[i]!);
    } else if (Array.isArray(input)) {
      for (const [k, v] of input) this.add(k, v);
    } else {
      for (const k of Object.keys(input)) this.add(k, input[k]!);
    }
  }

  /** Number of entries (pseudo-headers included), as passed to the header callbacks. */
  get size(): number {
    return this.keys.length;
  }

  private indexOf(key: string): number {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  /** First value of a header (what proxy_get_header_map_value returns). */
  get(name: string): string | undefined {
    const i = this.indexOf(lowerCaseName(name));
    return i < 0 ? undefined : this.values[i];
  }

  getAll(name: string): string[] {
    const key = lowerCaseName(name);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(lowerCaseName(name)) >= 0;
  }

  entries(): Array<[string, string]> {
    return this.keys.map((k, i) => [k, this.values[i]!]);
  }

  /** Envoy `addCopy`: inline headers merge into the existing entry, others add an entry. */
  add(name: string, value: string): void {
    const key = lowerCaseName(name);
    // Only an inline header already present merges. Most adds bring a new header to a
    // small map, where a scan of the keys is cheaper than the inline-set lookup.
    const i = this.keys.length <= SCAN_FIRST || this.inline.has(key) ? this.indexOf(key) : -1;
    if (i >= 0 && this.inline.has(key)) {
      const old = this.values[i]!;
      this.values[i] = old.length === 0 ? value : old + (key === "cookie" ? "; " : ",") + value;
      return;
    }
    this.insert(key, value);
  }

  /** Envoy `setCopy`: removes every occurrence, then adds the header (at the end). */
  set(name: string, value: string): void {
    const key = lowerCaseName(name);
    this.removeKey(key);
    this.insert(key, value);
  }

  /** Removes every occurrence; returns how many entries were removed. */
  remove(name: string): number {
    return this.removeKey(lowerCaseName(name));
  }

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
    this.pseudo = 0;
  }

  /** Envoy's byteSize(): the sum of all key and value lengths in bytes. */
  byteSize(): number {
    let n = 0;
    for (let i = 0; i < this.keys.length; i++) n += Buffer.byteLength(this.keys[i]!) + Buffer.byteLength(this.values[i]!);
    return n;
  }

  clone(): HeaderMap {
    const m = new HeaderMap(null, this.inline);
    m.keys.push(...this.keys);
    m.values.push(...this.values);
    m.pseudo = this.pseudo;
    return m;
  }

  /** Values joined per key (the shape of the `request.headers` attribute). */
  joined(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      const at = seen.get(k);
      if (at === undefined) {
        seen.set(k, out.length);
        out.push([k, this.values[i]!]);
      } else {
        out[at]![1] += "," + this.values[i]!;
      }
    }
    return out;
  }

  toString(): string {
    return this.keys.map((k, i) => `${k}: ${this.values[i]}`).join("\n");
  }

  private insert(key: string, value: string): void {
    // Pseudo-headers go after the existing pseudo-headers, before any regular header.
    if (key.charCodeAt(0) === 58 /* ':' */ && this.pseudo < this.keys.length) {
      this.keys.splice(this.pseudo, 0, key);
      this.values.splice(this.pseudo, 0, value);
      this.pseudo++;
      return;
    }
    if (key.charCodeAt(0) === 58) this.pseudo++;
    this.keys.push(key);
    this.values.push(value);
  }

  private removeKey(key: string): number {
    let w = 0;
    let removed = 0;
    const pseudo = this.pseudo;
    for (let r = 0; r < this.keys.length; r++) {
      if (this.keys[r] === key) {
        removed++;
        if (r < pseudo) this.pseudo--;
        continue;
      }
      this.keys[w] = this.keys[r]!;
      this.values[w] = this.values[r]!;
      w++;
    }
    this.keys.length = w;
    this.values.length = w;
    return removed;
  }
}
