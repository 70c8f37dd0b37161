// HTTP and gRPC callouts (reference §4.6, §4.7). HTTP calls go to clusters the test
// declares and wait for the test to answer them; gRPC has no configured clusters here, so
// every call is answered as Envoy answers an unknown cluster.
import { WasmResult } from "../abi/enums.js";
import { decodePairs } from "../abi/pairs.js";
import { HeaderMap, REQUEST_INLINE, TRAILER_INLINE } from "../header-map.js";
import { envImport, type ImportDef } from "./registry.js";

export const calloutImports: ImportDef[] = [
  envImport(
    "proxy_http_call",
    "iiiiiiiiii:i",
    (vm) =>
      (cp: number, cl: number, hp: number, hl: number, bp: number, bl: number, tp: number, tl: number, timeout: number, tokenPtr: number) => {
        const cluster = vm.mem.string(cp, cl);
        const headerBytes = vm.mem.view(hp, hl);
        const body = vm.mem.copy(bp, bl);
        const trailerBytes = vm.mem.view(tp, tl);
        if (cluster === null || headerBytes === null || body === null || trailerBytes === null) {
          return WasmResult.InvalidMemoryAccess;
        }
        // The token slot is written with 0 first, which also validates the pointer.
        if (!vm.mem.setU32(tokenPtr, 0)) return WasmResult.InvalidMemoryAccess;
        if ((timeout | 0) < 0) return WasmResult.BadArgument;
        if (!vm.callouts.clusters.has(cluster)) return WasmResult.BadArgument;
        const headers = new HeaderMap(decodePairs(headerBytes), REQUEST_INLINE);
        if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) return WasmResult.BadArgument;
        const trailers = new HeaderMap(decodePairs(trailerBytes), TRAILER_INLINE);
        if (body.length > 0) headers.set("content-length", String(body.length));
        const token = vm.callouts.httpToken();
        vm.callouts.pendingHttp.set(token, {
          token,
          cluster,
          headers,
          body,
          trailers,
          timeoutMs: timeout >>> 0,
          contextId: vm.effective.id,
        });
        vm.mem.setU32(tokenPtr, token);
        return WasmResult.Ok;
      },
  ),
  envImport("proxy_get_status", "iii:i", (vm) => (codePtr: number, pp: number, sp: number) => {
    if (!vm.mem.setU32(codePtr, vm.root.statusCode)) return WasmResult.InvalidMemoryAccess;
    return vm.mem.copyOutString(vm.root.statusMessage, pp, sp);
  }),
  envImport(
    "proxy_grpc_call",
    "iiiiiiiiiiii:i",
    (vm) =>
      (sp: number, sl: number, np: number, nl: number, mp: number, ml: number, mdp: number, mdl: number, msgp: number, msgl: number, _timeout: number, tokenPtr: number) => {
        const ok = vm.mem.inBounds(sp, sl) && vm.mem.inBounds(np, nl) && vm.mem.inBounds(mp, ml) && vm.mem.inBounds(mdp, mdl) && vm.mem.inBounds(msgp, msgl);
        if (!ok || !vm.mem.inBounds(tokenPtr, 4)) return WasmResult.InvalidMemoryAccess;
        // No gRPC cluster is configured in this host: Envoy's answer for an unknown cluster.
        return WasmResult.ParseFailure;
      },
  ),
  envImport(
    "proxy_grpc_stream",
    "iiiiiiiii:i",
    (vm) => (sp: number, sl: number, np: number, nl: number, mp: number, ml: number, mdp: number, mdl: number, tokenPtr: number) => {
      const ok = vm.mem.inBounds(sp, sl) && vm.mem.inBounds(np, nl) && vm.mem.inBounds(mp, ml) && vm.mem.inBounds(mdp, mdl);
      if (!ok || !vm.mem.inBounds(tokenPtr, 4)) return WasmResult.InvalidMemoryAccess;
      return WasmResult.ParseFailure;
    },
  ),
  envImport("proxy_grpc_send", "iiii:i", (vm) => (token: number, ptr: number, len: number) => {
    if (!vm.mem.inBounds(ptr, len)) return WasmResult.InvalidMemoryAccess;
    // Only stream tokens can send; no stream exists, so a stream token is unknown.
    return (token & 3) === 2 ? WasmResult.NotFound : WasmResult.BadArgument;
  }),
  envImport("proxy_grpc_cancel", "i:i", () => (token: number) =>
    (token & 3) === 1 || (token & 3) === 2 ? WasmResult.NotFound : WasmResult.BadArgument,
  ),
  envImport("proxy_grpc_close", "i:i", () => (token: number) =>
    (token & 3) === 1 || (token & 3) === 2 ? WasmResult.NotFound : WasmResult.BadArgument,
  ),
];
