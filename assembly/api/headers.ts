// Header, trailer and metadata maps. The serialised "pairs" format the host
// uses for whole maps is runtime/wire.ts.
import {
  proxy_add_header_map_value, proxy_get_header_map_pairs, proxy_get_header_map_size, proxy_get_header_map_value,
  proxy_remove_header_map_value, proxy_replace_header_map_value, proxy_set_header_map_pairs,
} from "../abi/imports";
import { MapType, WasmResult } from "../abi/enums";
import {
  OUT_PTR, OUT_SIZE, releaseResult, resultPtr, resultSize, stage, stagePair, stagedLen, stagedLen2, stagedPtr, stagedPtr2,
  takeResultBytes, takeResultString,
} from "../runtime/memory";
import { HeaderPair, parsePairs, serializePairs } from "../runtime/wire";
import { asciiLowerCase } from "../runtime/text";

/**
 * One of the host's maps. Names are case-insensitive (Envoy lower-cases them).
 * Reads return null for a header that is not there (or a map that is not
 * available in this callback) and "" for one that is there but empty; writes
 * return the host's status (docs/sdk-errors.md).
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

  /** Every value of `name`, in order (the host's get returns only the first); empty when there is none, null when the map is not available. */
  getAll(name: string): string[] | null {
    const wanted = asciiLowerCase(name);
    const pairs = this.pairs();
    if (pairs === null) return null;
    const values = new Array<string>();
    for (let i = 0; i < pairs.length; i++) {
      const pair = unchecked(pairs[i]);
      if (pair.name == wanted) values.push(pair.value);
    }
    return values;
  }

  /** All entries in the host's order, pseudo-headers first; null when the map is not available. */
  pairs(): HeaderPair[] | null {
    if (proxy_get_header_map_pairs(this.mapType, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
    const pairs = parsePairs(resultPtr(), resultSize());
    releaseResult();
    return pairs;
  }

  /** Number of entries (a header that occurs twice counts twice); 0 when the map is not available. */
  count(): i32 {
    if (proxy_get_header_map_pairs(this.mapType, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return 0;
    const count = resultSize() >= 4 ? <i32>load<u32>(resultPtr()) : 0;
    releaseResult();
    return count;
  }

  /** Envoy's byte size of the map: the sum of every name and value length; 0 when the map is not available. */
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

/**
 * The media type of a `content-type` value: what stands before any parameters
 * (`; charset=…`), trimmed and in ASCII lower case, so "Text/HTML; charset=utf-8"
 * reads as "text/html".
 */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return asciiLowerCase((semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim());
}
