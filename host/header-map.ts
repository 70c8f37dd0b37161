// Envoy header map semantics (docs/envoy-semantics.md, "Header maps"): lower-case keys, several
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

/**
 * The key's bit in a map's presence mask, from its length and last character: cheap to
 * compute, and enough to tell that most keys looked up or added are not in a small map
 * without comparing strings.
 */
function keyBit(key: string): number {
  return 1 << ((key.length * 7 + key.charCodeAt(key.length - 1)) & 31);
}

export class HeaderMap {
  // Fields are assigned in the constructor, not by initialisers: compiled to ES2022 each
  // initialiser is a property definition, measurably slower for maps made per request.
  /** Which headers merge repeated adds (REQUEST_INLINE, RESPONSE_INLINE, …). */
  declare readonly inline: ReadonlySet<string>;
  /**
   * Entries in iteration order, flattened: key, value, key, value … One array instead of
   * a key array and a value array halves what every new map allocates.
   */
  private declare kv: string[];
  /** Number of pseudo-header entries (they come first). */
  private declare pseudo: number;
  /** The keyBit of every key in the map: a key whose bit is clear is absent. */
  private declare present: number;

  constructor(input?: HeaderInput | HeaderMap | null, inline: ReadonlySet<string> = NO_INLINE) {
    this.inline = inline;
    this.kv = [];
    this.pseudo = 0;
    this.present = 0;
    if (!input) return;
    if (input instanceof HeaderMap) {
      const kv = input.kv;
      for (let i = 0; i < kv.length; i += 2) this.add(kv[i]!, kv[i + 1]!);
    } else if (Array.isArray(input)) {
      for (const [k, v] of input) this.add(k, v);
    } else {
      for (const k of Object.keys(input)) this.add(k, input[k]!);
    }
  }

  /** Number of entries (pseudo-headers included), as passed to the header callbacks. */
  get size(): number {
    return this.kv.length >> 1;
  }

  /** The keys in iteration order (a copy). */
  get keys(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.kv.length; i += 2) out.push(this.kv[i]!);
    return out;
  }

  /** The values in iteration order (a copy). */
  get values(): string[] {
    const out: string[] = [];
    for (let i = 1; i < this.kv.length; i += 2) out.push(this.kv[i]!);
    return out;
  }

  /** @internal The entries flattened (key, value, …), read-only: serialised straight into guest memory. */
  get flat(): readonly string[] {
    return this.kv;
  }

  /** Position of the key's first entry in `kv`, or -1. */
  private indexOf(key: string): number {
    if ((this.present & keyBit(key)) === 0) return -1;
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) if (kv[i] === key) return i;
    return -1;
  }

  /** First value of a header (what proxy_get_header_map_value returns). */
  get(name: string): string | undefined {
    const i = this.indexOf(lowerCaseName(name));
    return i < 0 ? undefined : this.kv[i + 1];
  }

  getAll(name: string): string[] {
    const key = lowerCaseName(name);
    const kv = this.kv;
    const out: string[] = [];
    for (let i = 0; i < kv.length; i += 2) if (kv[i] === key) out.push(kv[i + 1]!);
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(lowerCaseName(name)) >= 0;
  }

  entries(): Array<[string, string]> {
    const kv = this.kv;
    const out: Array<[string, string]> = [];
    for (let i = 0; i < kv.length; i += 2) out.push([kv[i]!, kv[i + 1]!]);
    return out;
  }

  /** Envoy `addCopy`: inline headers merge into the existing entry, others add an entry. */
  add(name: string, value: string): void {
    const key = lowerCaseName(name);
    const kv = this.kv;
    // Only an inline header already present merges. Most adds bring a new header to a
    // small map, where a scan of the keys is cheaper than the inline-set lookup.
    const i = kv.length <= 2 * SCAN_FIRST || this.inline.has(key) ? this.indexOf(key) : -1;
    if (i >= 0 && this.inline.has(key)) {
      const old = kv[i + 1]!;
      kv[i + 1] = old.length === 0 ? value : old + (key === "cookie" ? "; " : ",") + value;
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
    this.kv.length = 0;
    this.pseudo = 0;
    this.present = 0;
  }

  /** Envoy's byteSize(): the sum of all key and value lengths in bytes. */
  byteSize(): number {
    let n = 0;
    for (let i = 0; i < this.kv.length; i++) n += Buffer.byteLength(this.kv[i]!);
    return n;
  }

  clone(): HeaderMap {
    const m = new HeaderMap(null, this.inline);
    m.kv = this.kv.slice();
    m.pseudo = this.pseudo;
    m.present = this.present;
    return m;
  }

  /** Values joined per key (the shape of the `request.headers` attribute). */
  joined(): Array<[string, string]> {
    const kv = this.kv;
    const out: Array<[string, string]> = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i]!;
      const at = seen.get(k);
      if (at === undefined) {
        seen.set(k, out.length);
        out.push([k, kv[i + 1]!]);
      } else {
        out[at]![1] += "," + kv[i + 1]!;
      }
    }
    return out;
  }

  toString(): string {
    const kv = this.kv;
    const lines: string[] = [];
    for (let i = 0; i < kv.length; i += 2) lines.push(`${kv[i]}: ${kv[i + 1]}`);
    return lines.join("\n");
  }

  private insert(key: string, value: string): void {
    const kv = this.kv;
    this.present |= keyBit(key);
    if (key.charCodeAt(0) === 58 /* ':' */) {
      // Pseudo-headers go after the existing pseudo-headers, before any regular header.
      const at = 2 * this.pseudo++;
      if (at < kv.length) {
        kv.splice(at, 0, key, value);
        return;
      }
    }
    kv.push(key, value);
  }

  private removeKey(key: string): number {
    const kv = this.kv;
    const pseudo = 2 * this.pseudo;
    if (this.indexOf(key) < 0) return 0;
    let w = 0;
    let removed = 0;
    let present = 0;
    for (let r = 0; r < kv.length; r += 2) {
      if (kv[r] === key) {
        removed++;
        if (r < pseudo) this.pseudo--;
        continue;
      }
      present |= keyBit(kv[r]!);
      kv[w] = kv[r]!;
      kv[w + 1] = kv[r + 1]!;
      w += 2;
    }
    kv.length = w;
    this.present = present;
    return removed;
  }
}
