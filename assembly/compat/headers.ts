// proxy-runtime's byte-valued header pairs, its `stream_context` global and
// its header-map free functions, on the SDK's HeaderMap. Reads never abort: a
// missing header is "" (as proxy-runtime returns it), an unavailable map has
// no pairs, and writes return the host's status instead of trapping on it.
// Names and values cross as UTF-8 text (docs/compat.md, "Headers").
import { HeaderMap } from "../api/headers";
import { HeaderPair as TextPair } from "../runtime/wire";
import { MapType } from "../abi/enums";
import { HeaderMapTypeValues, WasmResultValues } from "./enums";

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

/** Byte pairs as the SDK's text pairs. */
export function textPairs(headers: Headers): TextPair[] {
  const pairs = new Array<TextPair>(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const pair = unchecked(headers[i]);
    unchecked((pairs[i] = new TextPair(String.UTF8.decode(pair.key), String.UTF8.decode(pair.value))));
  }
  return pairs;
}

function bytePairs(pairs: TextPair[] | null): Headers {
  if (pairs === null) return new Array<HeaderPair>();
  const headers = new Array<HeaderPair>(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const pair = unchecked(pairs[i]);
    unchecked((headers[i] = makeHeaderPair(pair.name, pair.value)));
  }
  return headers;
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
  get_headers(): Headers { return bytePairs(this.map.pairs()); }

  /** Replaces the whole map. */
  set_headers(headers: Headers): WasmResultValues { return this.map.setPairs(textPairs(headers)); }
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

// proxy-runtime's free functions over a map given by type. Its
// HeaderMapTypeValues are Envoy's map types.

function mapOf(typ: HeaderMapTypeValues): HeaderMap {
  return new HeaderMap(<MapType>typ);
}

export function add_header_map_value(typ: HeaderMapTypeValues, key: ArrayBuffer, value: ArrayBuffer): WasmResultValues {
  return mapOf(typ).addBytes(key, value);
}

export function add_header_map_value_string(typ: HeaderMapTypeValues, key: string, value: string): WasmResultValues {
  return mapOf(typ).add(key, value);
}

/** The first value of `key` as bytes; empty when absent. */
export function get_header_map_value(typ: HeaderMapTypeValues, key: ArrayBuffer): ArrayBuffer {
  const value = mapOf(typ).getBytes(String.UTF8.decode(key));
  return value !== null ? value : new ArrayBuffer(0);
}

/** The first value of `key`; "" when absent. */
export function get_header_map_value_string(typ: HeaderMapTypeValues, key: string): string {
  const value = mapOf(typ).get(key);
  return value !== null ? value : "";
}

export function replace_header_map_value(typ: HeaderMapTypeValues, key: ArrayBuffer, value: ArrayBuffer): WasmResultValues {
  return mapOf(typ).setBytes(key, value);
}

export function replace_header_map_value_string(typ: HeaderMapTypeValues, key: string, value: string): WasmResultValues {
  return mapOf(typ).set(key, value);
}

export function remove_header_map_value(typ: HeaderMapTypeValues, key: ArrayBuffer): WasmResultValues {
  return mapOf(typ).remove(String.UTF8.decode(key));
}

export function remove_header_map_value_string(typ: HeaderMapTypeValues, key: string): WasmResultValues {
  return mapOf(typ).remove(key);
}

/** Envoy's byte size of the map (every name and value length summed); 0 when the map is not available. */
export function get_header_map_size(typ: HeaderMapTypeValues): usize {
  return <usize>mapOf(typ).byteSize();
}

/** Every pair of the map, as bytes. */
export function get_header_map_pairs(typ: HeaderMapTypeValues): Headers {
  return bytePairs(mapOf(typ).pairs());
}

export function set_header_map_pairs(typ: HeaderMapTypeValues, headers: Headers): WasmResultValues {
  return mapOf(typ).setPairs(textPairs(headers));
}
