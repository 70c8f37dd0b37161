// Stream control and local replies (docs/envoy-semantics.md, "HTTP streams", "Local
// replies"). The effects are deferred by the stream until the running callback returns.
import { StreamType, WasmResult } from "../abi/enums.js";
import { decodePairs } from "../abi/pairs.js";
import { envImport, V0_1_0, V0_2_X, type ImportDef } from "./registry.js";

export const streamControlImports: ImportDef[] = [
  envImport(
    "proxy_continue_stream",
    "i:i",
    (vm) => (type: number) => {
      type >>>= 0;
      if (type > StreamType.Upstream) return WasmResult.BadArgument;
      if (type === StreamType.Upstream) return WasmResult.Unimplemented;
      return vm.effective.continueStream(type);
    },
    { versions: V0_2_X },
  ),
  envImport(
    "proxy_close_stream",
    "i:i",
    (vm) => (type: number) => {
      type >>>= 0;
      if (type > StreamType.Upstream) return WasmResult.BadArgument;
      return vm.effective.closeStream(type);
    },
    { versions: V0_2_X },
  ),
  envImport("proxy_continue_request", ":i", (vm) => () => vm.effective.continueStream(StreamType.HttpRequest), { versions: V0_1_0 }),
  envImport("proxy_continue_response", ":i", (vm) => () => vm.effective.continueStream(StreamType.HttpResponse), { versions: V0_1_0 }),
  envImport(
    "proxy_clear_route_cache",
    ":i",
    (vm) => () => {
      vm.effective.clearRouteCache();
      return WasmResult.Ok;
    },
    { versions: V0_1_0 },
  ),
  envImport(
    "proxy_send_local_response",
    "iiiiiiii:i",
    (vm) =>
      (status: number, dp: number, dl: number, bp: number, bl: number, hp: number, hl: number, grpcStatus: number) => {
        const details = vm.mem.string(dp, dl);
        const body = vm.mem.copy(bp, bl);
        const headerBytes = vm.mem.view(hp, hl);
        if (details === null || body === null || headerBytes === null) return WasmResult.InvalidMemoryAccess;
        vm.effective.sendLocalResponse({
          status: status >>> 0,
          details: details.replace(/ /g, "_"),
          body,
          headers: decodePairs(headerBytes),
          grpcStatus: grpcStatus | 0,
        });
        return WasmResult.Ok;
      },
  ),
];
