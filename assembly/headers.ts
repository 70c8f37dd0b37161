// Header, trailer and metadata maps, and the serialised "pairs" format the
// host uses for whole maps (reference §7.1).
import {
  proxy_add_header_map_value, proxy_get_header_map_pairs, proxy_get_header_map_size, proxy_get_header_map_value,
  proxy_remove_header_map_value, proxy_replace_header_map_value, proxy_set_header_map_pairs,
} from "./abi/imports";
import { MapType, WasmResult } from "./types";
import {
  OUT_PTR, OUT_SIZE, releaseResult, resultPtr, resultSize, stage, stagePair, stagedLen, stagedLen2, stagedPtr, stagedPtr2,
  takeResultBytes, takeResultString,
} from "./runtime/memory";
import { newBuffer, utf8Length, writeUtf8 } from "./text";

/** Lower-cases A-Z only: header names are ASCII, and full Unicode case tables would cost kilobytes. */
export function asciiLowerCase(text: string): string {
  let i = 0;
  const length = text.length;
  while (i < length && !(text.charCodeAt(i) >= 0x41 && text.charCodeAt(i) <= 0x5a)) i++;
  if (i == length) return text;
  let out = text.substring(0, i);
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}

/** One header (or trailer, or metadata entry) as text. */
export class HeaderPair {
  constructor(public name: string, public value: string) {}
}

/** Serialises pairs: u32 count, then (u32 name length, u32 value length) each, then each name and value NUL-terminated. */
export function serializePairs(pairs: HeaderPair[]): ArrayBuffer {
  const count = pairs.length;
  let size = 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const pair = unchecked(pairs[i]);
    size += utf8Length(pair.name) + utf8Length(pair.value) + 2;
  }
  const buf = newBuffer(size);
  const base = changetype<usize>(buf);
  store<u32>(base, count);
  let sizes = base + 4;
  let data = base + 4 + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    const pair = unchecked(pairs[i]);
    const nameLength = writeUtf8(pair.name, data);
    data += nameLength;
    store<u8>(data++, 0);
    const valueLength = writeUtf8(pair.value, data);
    data += valueLength;
    store<u8>(data++, 0);
    store<u32>(sizes, <u32>nameLength);
    store<u32>(sizes, <u32>valueLength, 4);
    sizes += 8;
  }
  return buf;
}

/**
 * Walks serialised pairs in memory, making each one with `make(namePtr,
 * nameLength, valuePtr, valueLength)`. Like the host, a malformed buffer
 * (sizes that run past the end, missing NUL terminators, trailing bytes)
 * yields no pairs at all rather than a partial list.
 */
export function parsePairsWith<T>(ptr: usize, length: usize, make: (name: usize, nameLength: usize, value: usize, valueLength: usize) => T): T[] {
  const pairs = new Array<T>();
  if (length < 4) return pairs;
  const count = <usize>load<u32>(ptr);
  // Each pair needs 8 bytes of sizes and 2 terminators: reject impossible counts before looping.
  if (count > (length - 4) / 10) return pairs;
  let sizes = ptr + 4;
  let data = sizes + count * 8;
  const end = ptr + length;
  for (let i: usize = 0; i < count; i++) {
    const nameLength = <usize>load<u32>(sizes);
    const valueLength = <usize>load<u32>(sizes, 4);
    sizes += 8;
    // Compared without adding to the sizes, which could wrap around on hostile input.
    if (nameLength > end - data) return new Array<T>();
    const rest = end - data - nameLength;
    if (rest < 2 || valueLength > rest - 2) return new Array<T>();
    if (load<u8>(data + nameLength) != 0 || load<u8>(data + nameLength + 1 + valueLength) != 0) return new Array<T>();
    pairs.push(make(data, nameLength, data + nameLength + 1, valueLength));
    data += nameLength + valueLength + 2;
  }
  if (data != end) return new Array<T>();
  return pairs;
}

function textPair(name: usize, nameLength: usize, value: usize, valueLength: usize): HeaderPair {
  return new HeaderPair(String.UTF8.decodeUnsafe(name, nameLength), String.UTF8.decodeUnsafe(value, valueLength));
}

/** Parses serialised pairs from memory as text (see parsePairsWith). */
export function parsePairs(ptr: usize, length: usize): HeaderPair[] {
  return parsePairsWith<HeaderPair>(ptr, length, textPair);
}

/** Parses serialised pairs held in an ArrayBuffer. */
export function parsePairsBuffer(buf: ArrayBuffer): HeaderPair[] {
  return parsePairs(changetype<usize>(buf), <usize>buf.byteLength);
}

/**
 * One of the host's maps. Names are case-insensitive (Envoy lower-cases them).
 * Reads return null for a header that is not there and "" for one that is
 * there but empty; writes return the host's status.
 */
export class HeaderMap {
  constructor(public readonly mapType: MapType) {}

  /** The first value of `name`, null when absent (or when the map is not available now). */
  get(name: string): string | null {
    stage(name);
    if (proxy_get_header_map_value(this.mapType, stagedPtr, stagedLen, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
    return takeResultString();
  }

  /** The first value of `name` as raw bytes, for values that are not UTF-8; null when absent. */
  getBytes(name: string): ArrayBuffer | null {
    stage(name);
    if (proxy_get_header_map_value(this.mapType, stagedPtr, stagedLen, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
    return takeResultBytes();
  }

  has(name: string): bool {
    stage(name);
    if (proxy_get_header_map_value(this.mapType, stagedPtr, stagedLen, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return false;
    releaseResult();
    return true;
  }

  /** Every value of `name`, in order (the host's get returns only the first). */
  getAll(name: string): string[] {
    const wanted = asciiLowerCase(name);
    const pairs = this.pairs();
    const values = new Array<string>();
    for (let i = 0; i < pairs.length; i++) {
      const pair = unchecked(pairs[i]);
      if (pair.name == wanted) values.push(pair.value);
    }
    return values;
  }

  /** All entries in the host's order, pseudo-headers first. Empty when the map is not available. */
  pairs(): HeaderPair[] {
    if (proxy_get_header_map_pairs(this.mapType, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return new Array<HeaderPair>();
    const pairs = parsePairs(resultPtr(), resultSize());
    releaseResult();
    return pairs;
  }

  /** Number of entries (a header that occurs twice counts twice). */
  count(): i32 {
    if (proxy_get_header_map_pairs(this.mapType, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return 0;
    const count = resultSize() >= 4 ? <i32>load<u32>(resultPtr()) : 0;
    releaseResult();
    return count;
  }

  /** Envoy's byte size of the map: the sum of every name and value length. */
  byteSize(): u32 {
    if (proxy_get_header_map_size(this.mapType, OUT_PTR) != WasmResult.Ok) return 0;
    return load<u32>(OUT_PTR);
  }

  /** Replaces the whole map with `pairs`. */
  setPairs(pairs: HeaderPair[]): WasmResult {
    const buf = serializePairs(pairs);
    return <WasmResult>proxy_set_header_map_pairs(this.mapType, changetype<usize>(buf), <usize>buf.byteLength);
  }

  /** Adds a value; an existing header of that name keeps its values. */
  add(name: string, value: string): WasmResult {
    stagePair(name, value);
    return <WasmResult>proxy_add_header_map_value(this.mapType, stagedPtr, stagedLen, stagedPtr2, stagedLen2);
  }

  /** Adds a value given as bytes (pre-encoded names and values avoid any per-call encoding). */
  addBytes(name: ArrayBuffer, value: ArrayBuffer): WasmResult {
    return <WasmResult>proxy_add_header_map_value(
      this.mapType, changetype<usize>(name), <usize>name.byteLength, changetype<usize>(value), <usize>value.byteLength);
  }

  /** Sets `name` to exactly this value, replacing every existing value, or adds it. */
  set(name: string, value: string): WasmResult {
    stagePair(name, value);
    return <WasmResult>proxy_replace_header_map_value(this.mapType, stagedPtr, stagedLen, stagedPtr2, stagedLen2);
  }

  setBytes(name: ArrayBuffer, value: ArrayBuffer): WasmResult {
    return <WasmResult>proxy_replace_header_map_value(
      this.mapType, changetype<usize>(name), <usize>name.byteLength, changetype<usize>(value), <usize>value.byteLength);
  }

  /** Removes every value of `name`; Ok also when it was not there. */
  remove(name: string): WasmResult {
    stage(name);
    return <WasmResult>proxy_remove_header_map_value(this.mapType, stagedPtr, stagedLen);
  }
}

// @ts-ignore: decorator
@lazy export const requestHeaders = new HeaderMap(MapType.HttpRequestHeaders);
// @ts-ignore: decorator
@lazy export const requestTrailers = new HeaderMap(MapType.HttpRequestTrailers);
// @ts-ignore: decorator
@lazy export const responseHeaders = new HeaderMap(MapType.HttpResponseHeaders);
// @ts-ignore: decorator
@lazy export const responseTrailers = new HeaderMap(MapType.HttpResponseTrailers);
