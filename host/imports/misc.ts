// Context control, foreign functions and the small always-registered imports
// (docs/envoy-semantics.md, "Contexts", "Foreign functions").
import { deflateSync, inflateSync } from "node:zlib";
import { WasmResult } from "../abi/enums.js";
import { hostCall, type ImportDef } from "./registry.js";

const EMPTY = new Uint8Array(0);

/** Foreign functions this host implements; the result bytes, or a status on failure. */
function foreign(name: string, args: Uint8Array, clearRouteCache: () => void): Uint8Array | WasmResult {
  switch (name) {
    case "compress":
      try {
        return new Uint8Array(deflateSync(args));
      } catch {
        return WasmResult.SerializationFailure;
      }
    case "uncompress":
      try {
        return new Uint8Array(inflateSync(args));
      } catch {
        return WasmResult.SerializationFailure;
      }
    case "clear_route_cache":
      clearRouteCache();
      return EMPTY;
    case "set_envoy_filter_state":
    case "declare_property":
    case "sign":
    case "verify_signature":
      // Registered by Envoy with protobuf arguments, which this host does not decode.
      return WasmResult.BadArgument;
    default:
      return WasmResult.NotFound;
  }
}

export const miscImports: ImportDef[] = [
  hostCall("proxy_set_effective_context", (vm) => (id: number) => {
    const ctx = vm.contexts.get(id >>> 0);
    if (!ctx) return WasmResult.BadArgument;
    vm.effective = ctx; // restored by the VM when the callback returns
    return WasmResult.Ok;
  }),
  hostCall("proxy_done", (vm) => () => {
    const root = vm.root;
    if (!root.waitingForDone || root.doneCalled) return WasmResult.NotFound;
    root.doneCalled = true;
    return WasmResult.Ok;
  }),
  hostCall("proxy_call_foreign_function", (vm) => (np: number, nl: number, ap: number, al: number, rpp: number, rsp: number) => {
      const name = vm.mem.string(np, nl);
      const args = vm.mem.copy(ap, al);
      if (name === null || args === null) return WasmResult.InvalidMemoryAccess;
      const effective = vm.effective;
      const user = vm.foreignFunctions.get(name);
      let r: Uint8Array | WasmResult;
      if (user !== undefined) {
        try {
          r = user(args);
        } catch {
          r = WasmResult.InternalFailure; // a throwing test function must not trap the module
        }
      } else {
        r = foreign(name, args, () => effective.clearRouteCache());
      }
      if (typeof r === "number") return r;
      if (rpp === 0) return WasmResult.Ok;
      return vm.mem.copyOut(r, rpp, rsp);
    },
  ),
  hostCall("emscripten_notify_memory_growth", () => () => {}),
  hostCall("pthread_equal", () => (a: number, b: number) => (a === b ? 1 : 0)),
  hostCall("envoy_resolve_dns", (vm) => (ap: number, al: number, tokenPtr: number) => {
    const address = vm.mem.string(ap, al);
    if (address === null || !vm.mem.inBounds(tokenPtr, 4)) return WasmResult.InvalidMemoryAccess;
    // Recorded only: this host has no DNS resolver, so no envoy_on_resolve_dns follows.
    const token = vm.dnsRequests.length + 1;
    vm.dnsRequests.push({ token, address });
    vm.mem.setU32(tokenPtr, token);
    return WasmResult.Ok;
  }),
];
