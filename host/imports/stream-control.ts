// Stream control and local replies (docs/envoy-semantics.md, "HTTP streams", "Local
// replies"). The effects are deferred by the stream until the running callback returns.
import { StreamType, WasmResult } from "../abi/enums.js";
import { decodePairs } from "../abi/pairs.js";
import { hostCall, type ImportDef } from "./registry.js";

export const streamControlImports: ImportDef[] = [
  hostCall("proxy_continue_stream", (vm) => (type: number) => {
      type >>>= 0;
      if (type > StreamType.Upstream) return WasmResult.BadArgument;
      if (type === StreamType.Upstream) return WasmResult.Unimplemented;
      return vm.effective.continueStream(type);
    }
  ),
  hostCall("proxy_close_stream", (vm) => (type: number) => {
      type >>>= 0;
      if (type > StreamType.Upstream) return WasmResult.BadArgument;
      return vm.effective.closeStream(type);
    }
  ),
  hostCall("proxy_continue_request", (vm) => () => vm.effective.continueStream(StreamType.HttpRequest)),
  hostCall("proxy_continue_response", (vm) => () => vm.effective.continueStream(StreamType.HttpResponse)),
  hostCall("proxy_clear_route_cache", (vm) => () => {
      vm.effective.clearRouteCache();
      return WasmResult.Ok;
    }
  ),
  hostCall("proxy_send_local_response", (vm) =>
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
