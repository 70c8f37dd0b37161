// Header, trailer and metadata maps (docs/envoy-semantics.md, "Header maps"). Maps 0-3
// belong to the effective context's HTTP stream; 4/5 (gRPC metadata) and 6/7 (HTTP-call
// response) to the root context, each only during its callback.
import { AbiVersion, MAX_MAP_TYPE, MapType, WasmResult } from "../abi/enums.js";
import { decodePairs, pairsByteLength, writePairs } from "../abi/pairs.js";
import type { HeaderMap } from "../header-map.js";
import type { Vm } from "../vm.js";
import { hostCall, type ImportDef } from "./registry.js";

function readable(vm: Vm, type: number): HeaderMap | null {
  if (type <= MapType.HttpResponseTrailers) return vm.effective.readMap(type);
  // gRPC metadata and HTTP-call responses belong to the root context.
  return vm.root.readMap(type);
}

function writable(vm: Vm, type: number): HeaderMap | null {
  return type <= MapType.HttpResponseTrailers ? vm.effective.writeMap(type) : null;
}

/** Tells the effective context that the map writable as `type` was edited through a host call. */
function edited(vm: Vm, type: number): WasmResult {
  vm.effective.headersModified(type);
  return WasmResult.Ok;
}

/** proxy_add_header_map_value and proxy_replace_header_map_value (`replace`: Envoy setCopy). */
function valueEditImport(name: string, replace: boolean): ImportDef {
  // No closure per call: this runs for every header a module adds.
  return hostCall(name, (vm) => (type: number, kp: number, kl: number, vp: number, vl: number) => {
    type >>>= 0;
    if (type > MAX_MAP_TYPE) return WasmResult.BadArgument;
    const key = vm.mem.string(kp, kl);
    const value = vm.mem.string(vp, vl);
    if (key === null || value === null) return WasmResult.InvalidMemoryAccess;
    const map = writable(vm, type);
    if (map === null) return WasmResult.BadArgument;
    if (replace) map.set(key, value);
    else map.add(key, value);
    return edited(vm, type);
  });
}

export const headerMapImports: ImportDef[] = [
  hostCall("proxy_get_header_map_pairs", (vm) => (type: number, pp: number, sp: number) => {
    type >>>= 0;
    if (type > MAX_MAP_TYPE) return WasmResult.BadArgument;
    const map = readable(vm, type);
    const n = map === null ? 0 : map.size;
    // An unavailable or empty map is returned as (0, 0).
    if (n === 0) return vm.mem.copyOutEmpty(pp, sp);
    const flat = map!.flat;
    return vm.mem.copyOutWith(pairsByteLength(flat, n), pp, sp, (buf, at) => writePairs(buf, at, flat, n));
  }),
  hostCall("proxy_set_header_map_pairs", (vm) => (type: number, ptr: number, len: number) => {
    type >>>= 0;
    if (type > MAX_MAP_TYPE) return WasmResult.BadArgument;
    const bytes = vm.mem.view(ptr, len);
    if (bytes === null) return WasmResult.InvalidMemoryAccess;
    const map = writable(vm, type);
    if (map === null) return WasmResult.BadArgument;
    // A malformed buffer decodes as an empty list and so wipes the map.
    const pairs = decodePairs(bytes);
    map.clear();
    for (const [k, v] of pairs) map.add(k, v);
    return edited(vm, type);
  }),
  hostCall("proxy_get_header_map_value", (vm) => (type: number, kp: number, kl: number, vpp: number, vsp: number) => {
    type >>>= 0;
    if (type > MAX_MAP_TYPE) return WasmResult.BadArgument;
    const key = vm.mem.string(kp, kl);
    if (key === null) return WasmResult.InvalidMemoryAccess;
    const map = readable(vm, type);
    if (map === null) return vm.effective.inAccessLog ? WasmResult.NotFound : WasmResult.BadArgument;
    const value = map.get(key);
    if (value === undefined) {
      if (vm.abi !== AbiVersion.V0_1_0) return WasmResult.NotFound;
      return vm.mem.copyOutEmpty(vpp, vsp);
    }
    return vm.mem.copyOutString(value, vpp, vsp);
  }),
  valueEditImport("proxy_add_header_map_value", false),
  valueEditImport("proxy_replace_header_map_value", true),
  hostCall("proxy_remove_header_map_value", (vm) => (type: number, kp: number, kl: number) => {
    type >>>= 0;
    if (type > MAX_MAP_TYPE) return WasmResult.BadArgument;
    const key = vm.mem.string(kp, kl);
    if (key === null) return WasmResult.InvalidMemoryAccess;
    const map = writable(vm, type);
    if (map === null) return WasmResult.BadArgument;
    map.remove(key);
    return edited(vm, type);
  }),
  hostCall("proxy_get_header_map_size", (vm) => (type: number, sizePtr: number) => {
    type >>>= 0;
    if (type > MAX_MAP_TYPE) return WasmResult.BadArgument;
    // Envoy answers from the mutable map, so only maps 0-3 inside their window work.
    const map = writable(vm, type);
    if (map === null) return WasmResult.BadArgument;
    return vm.mem.setU32(sizePtr, map.byteSize()) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  }),
];
