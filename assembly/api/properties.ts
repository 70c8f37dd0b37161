// Properties (Envoy attributes). A path is a list of segments (runtime/wire.ts
// encodes it). A missing property is null; a missing number or boolean is the
// caller's fallback (docs/sdk-errors.md).
import { proxy_get_property, proxy_set_property } from "../abi/imports";
import { WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, releaseResult, resultPtr, resultSize, takeResultBytes, takeResultString } from "../runtime/memory";
import { HeaderPair, encodePropertyPath, parsePairs } from "../runtime/wire";
import { utf8 } from "../runtime/text";

function lookup(path: string[]): bool {
  const encoded = encodePropertyPath(path);
  return proxy_get_property(changetype<usize>(encoded), <usize>encoded.byteLength, OUT_PTR, OUT_SIZE) == WasmResult.Ok;
}

/** The raw bytes of a property, or null when the host has no such property. */
export function getProperty(path: string[]): ArrayBuffer | null {
  return lookup(path) ? takeResultBytes() : null;
}

/** A string property (request.path, source.address, …), or null. */
export function getPropertyString(path: string[]): string | null {
  return lookup(path) ? takeResultString() : null;
}

/** An integer property (Envoy encodes ints as 8 bytes little-endian), or `fallback` when missing or not 8 bytes. */
export function getPropertyInt(path: string[], fallback: i64 = -1): i64 {
  if (!lookup(path)) return fallback;
  const value = resultSize() == 8 ? load<i64>(resultPtr()) : fallback;
  releaseResult();
  return value;
}

/** A boolean property (one byte), or `fallback`. */
export function getPropertyBool(path: string[], fallback: bool = false): bool {
  if (!lookup(path)) return fallback;
  const value = resultSize() == 1 ? load<u8>(resultPtr()) != 0 : fallback;
  releaseResult();
  return value;
}

/** A map property (request.headers, …) as pairs, or null. */
export function getPropertyMap(path: string[]): HeaderPair[] | null {
  if (!lookup(path)) return null;
  const pairs = parsePairs(resultPtr(), resultSize());
  releaseResult();
  return pairs;
}

/** Stores bytes under `path` (Envoy keeps them as filter state); readable back with getProperty. */
export function setProperty(path: string[], value: ArrayBuffer): WasmResult {
  const encoded = encodePropertyPath(path);
  return <WasmResult>proxy_set_property(
    changetype<usize>(encoded), <usize>encoded.byteLength, changetype<usize>(value), <usize>value.byteLength);
}

export function setPropertyString(path: string[], value: string): WasmResult {
  return setProperty(path, utf8(value));
}

/** Typed getters for the attributes filters read most often. */
export namespace Attributes {
  export function requestPath(): string | null { return getPropertyString(["request", "path"]); }
  export function requestUrlPath(): string | null { return getPropertyString(["request", "url_path"]); }
  export function requestMethod(): string | null { return getPropertyString(["request", "method"]); }
  export function requestHost(): string | null { return getPropertyString(["request", "host"]); }
  export function requestScheme(): string | null { return getPropertyString(["request", "scheme"]); }
  export function requestId(): string | null { return getPropertyString(["request", "id"]); }
  export function requestProtocol(): string | null { return getPropertyString(["request", "protocol"]); }
  export function requestUserAgent(): string | null { return getPropertyString(["request", "useragent"]); }
  export function requestHeaders(): HeaderPair[] | null { return getPropertyMap(["request", "headers"]); }
  export function responseCode(): i64 { return getPropertyInt(["response", "code"]); }
  export function sourceAddress(): string | null { return getPropertyString(["source", "address"]); }
  export function sourcePort(): i64 { return getPropertyInt(["source", "port"]); }
  export function destinationAddress(): string | null { return getPropertyString(["destination", "address"]); }
  export function destinationPort(): i64 { return getPropertyInt(["destination", "port"]); }
  export function connectionId(): i64 { return getPropertyInt(["connection", "id"]); }
  export function pluginName(): string | null { return getPropertyString(["plugin_name"]); }
  export function pluginRootId(): string | null { return getPropertyString(["plugin_root_id"]); }
  export function pluginVmId(): string | null { return getPropertyString(["plugin_vm_id"]); }
}
