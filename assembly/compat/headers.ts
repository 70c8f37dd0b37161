// proxy-runtime's byte-valued header pairs and its `stream_context` global,
// built on the SDK's HeaderMap. Reads never abort: a missing header is "" (as
// proxy-runtime returns it), an unavailable map has no pairs, and writes
// return the host's status instead of trapping on it.
import { proxy_get_header_map_pairs, proxy_set_header_map_pairs } from "../abi/imports";
import { HeaderMap } from "../api/headers";
import { parsePairsWith } from "../runtime/wire";
import { MapType, WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, releaseResult, resultPtr, resultSize } from "../runtime/memory";
import { WasmResultValues } from "./enums";

/** One header as raw bytes: `key` is the name, `value` the value. */
export class HeaderPair {
  key: ArrayBuffer;
  value: ArrayBuffer;

  constructor(key: ArrayBuffer, value: ArrayBuffer) {
    this.key = key;
    this.value = value;
  }

  /** `name:value`, both decoded as UTF-8. */
  toString(): string {
    return String.UTF8.decode(this.key) + ":" + String.UTF8.decode(this.value);
  }
}

export type Headers = Array<HeaderPair>;

/** A pair from text (encoded as UTF-8). */
export function makeHeaderPair(key: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(key), String.UTF8.encode(value));
}

/** The host's pairs format: u32 count, a (name size, value size) u32 pair each, then each name and value NUL-terminated. */
export function encodeHeaders(headers: Headers): ArrayBuffer {
  const count = headers.length;
  let size = 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const pair = unchecked(headers[i]);
    size += pair.key.byteLength + pair.value.byteLength + 2;
  }
  const buf = new ArrayBuffer(size); // zero-filled: the terminators are already there
  const base = changetype<usize>(buf);
  store<u32>(base, count);
  let sizes = base + 4;
  let data = sizes + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    const pair = unchecked(headers[i]);
    const keySize = <usize>pair.key.byteLength;
    const valueSize = <usize>pair.value.byteLength;
    store<u32>(sizes, <u32>keySize);
    store<u32>(sizes, <u32>valueSize, 4);
    sizes += 8;
    memory.copy(data, changetype<usize>(pair.key), keySize);
    data += keySize + 1;
    memory.copy(data, changetype<usize>(pair.value), valueSize);
    data += valueSize + 1;
  }
  return buf;
}

function copyOut(ptr: usize, size: usize): ArrayBuffer {
  const buf = new ArrayBuffer(<i32>size);
  memory.copy(changetype<usize>(buf), ptr, size);
  return buf;
}

function bytePair(key: usize, keySize: usize, value: usize, valueSize: usize): HeaderPair {
  return new HeaderPair(copyOut(key, keySize), copyOut(value, valueSize));
}

/** Parses the pairs format into byte pairs; like the host, a malformed buffer yields no pairs at all. */
export function decodeHeaders(ptr: usize, length: usize): Headers {
  return parsePairsWith<HeaderPair>(ptr, length, bytePair);
}

/** One of the current stream's maps (or the HTTP call reply's), proxy-runtime style. */
export class HeaderMapAccess {
  private readonly map: HeaderMap;

  constructor(mapType: MapType) {
    this.map = new HeaderMap(mapType);
  }

  /** Adds a value; existing values of `key` stay. */
  add(key: string, value: string): WasmResultValues { return this.map.add(key, value); }

  /** Sets `key` to exactly `value`. */
  replace(key: string, value: string): WasmResultValues { return this.map.set(key, value); }

  /** The first value of `key`; "" when it is absent (or empty: use get_headers to tell them apart). */
  get(key: string): string {
    const value = this.map.get(key);
    return value !== null ? value : "";
  }

  remove(key: string): WasmResultValues { return this.map.remove(key); }

  /** Every pair, as bytes; none when the map is not available now. */
  get_headers(): Headers {
    if (proxy_get_header_map_pairs(this.map.mapType, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return new Array<HeaderPair>();
    const pairs = decodeHeaders(resultPtr(), resultSize());
    releaseResult();
    return pairs;
  }

  /** Replaces the whole map. */
  set_headers(headers: Headers): WasmResultValues {
    const buf = encodeHeaders(headers);
    return proxy_set_header_map_pairs(this.map.mapType, changetype<usize>(buf), <usize>buf.byteLength);
  }
}

/** The request, response and HTTP-call-reply maps of one kind (headers or trailers). */
export class HeaderMapGroup {
  constructor(
    public readonly request: HeaderMapAccess,
    public readonly response: HeaderMapAccess,
    public readonly http_callback: HeaderMapAccess,
  ) {}
}

/** What `stream_context` holds. */
export class StreamAccess {
  constructor(public readonly headers: HeaderMapGroup, public readonly trailers: HeaderMapGroup) {}
}

/** The current stream's headers and trailers: `stream_context.headers.request.get(":path")`. */
// @ts-ignore: decorator
@lazy export const stream_context = new StreamAccess(
  new HeaderMapGroup(
    new HeaderMapAccess(MapType.HttpRequestHeaders),
    new HeaderMapAccess(MapType.HttpResponseHeaders),
    new HeaderMapAccess(MapType.HttpCallResponseHeaders),
  ),
  new HeaderMapGroup(
    new HeaderMapAccess(MapType.HttpRequestTrailers),
    new HeaderMapAccess(MapType.HttpResponseTrailers),
    new HeaderMapAccess(MapType.HttpCallResponseTrailers),
  ),
);
