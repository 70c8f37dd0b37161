// Property paths and value encodings as Envoy serialises them (docs/envoy-semantics.md,
// "Properties"), plus the header-derived `request.*` attributes.
import { Buffer } from "node:buffer";
import { encodePairs } from "./abi/pairs.js";
import type { HeaderMap } from "./header-map.js";

export type PropertyValue = string | Uint8Array | number | bigint | boolean;

const EMPTY = new Uint8Array(0);

export function encodeString(s: string): Uint8Array {
  return s.length === 0 ? EMPTY : new Uint8Array(Buffer.from(s, "utf8"));
}

/** CEL int/uint: 8 bytes little-endian. */
export function encodeInt64(v: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
  return out;
}

/** CEL double: 8 bytes IEEE-754 little-endian. */
export function encodeDouble(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v, true);
  return out;
}

export function encodeBool(v: boolean): Uint8Array {
  return Uint8Array.of(v ? 1 : 0);
}

/** CEL map: the pairs format, values already serialised as strings. */
export function encodeMap(entries: ReadonlyArray<readonly [string, string]>): Uint8Array {
  return encodePairs(entries);
}

/**
 * Encodes a user-supplied property value: strings raw, bytes as given, integers (number
 * or bigint) as int64, other numbers as double, booleans as one byte.
 */
export function encodePropertyValue(v: PropertyValue): Uint8Array {
  if (typeof v === "string") return encodeString(v);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === "bigint") return encodeInt64(v);
  if (typeof v === "boolean") return encodeBool(v);
  return Number.isInteger(v) ? encodeInt64(v) : encodeDouble(v);
}

/** Internal key of a path: segments joined with NUL, like the wire form without the trailing NUL. */
export function pathKey(path: string | readonly string[]): string {
  return typeof path === "string" ? path.split(".").join("\0") : path.join("\0");
}

/** Wire path bytes → internal key (a trailing NUL is tolerated). */
export function wirePathKey(raw: string): string {
  return raw.endsWith("\0") ? raw.slice(0, -1) : raw;
}

/** Splits "host:port" (or "[v6]:port"); port NaN when absent. */
export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  if (i < 0 || address.endsWith("]")) return { host: address, port: NaN };
  const port = Number(address.slice(i + 1));
  return { host: address.slice(0, i), port: Number.isInteger(port) ? port : NaN };
}

/** The `request.<name>` attributes that are one request header's value. */
const HEADER_VALUE_ATTRIBUTES: ReadonlyMap<string, string> = new Map([
  ["path", ":path"],
  ["host", ":authority"],
  ["scheme", ":scheme"],
  ["method", ":method"],
  ["referer", "referer"],
  ["useragent", "user-agent"],
  ["id", "x-request-id"],
]);

/**
 * The `request.<name>` attributes Envoy derives from the request header map; null when the
 * attribute does not exist (the header is absent or the name is not header-derived).
 */
export function requestHeaderAttribute(name: string, headers: HeaderMap): Uint8Array | null {
  const header = HEADER_VALUE_ATTRIBUTES.get(name);
  if (header !== undefined) {
    const v = headers.get(header);
    return v === undefined ? null : encodeString(v);
  }
  switch (name) {
    case "url_path": {
      const p = headers.get(":path");
      if (p === undefined) return null;
      const cut = p.search(/[?#]/);
      return encodeString(cut < 0 ? p : p.slice(0, cut));
    }
    case "query": {
      const p = headers.get(":path");
      if (p === undefined) return null;
      const q = p.indexOf("?");
      if (q < 0) return EMPTY;
      const f = p.indexOf("#", q);
      return encodeString(p.slice(q + 1, f < 0 ? undefined : f));
    }
    case "headers":
      return encodeMap(headers.joined());
    default:
      return null;
  }
}

/** `source.*` / `destination.*` attributes of an "ip:port" address. */
export function addressAttribute(address: string, name: string): Uint8Array | null {
  if (name === "address") return encodeString(address);
  if (name === "port") {
    const { port } = splitAddress(address);
    return Number.isNaN(port) ? null : encodeInt64(port);
  }
  return null;
}
