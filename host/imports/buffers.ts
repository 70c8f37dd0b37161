// Buffers (docs/envoy-semantics.md, "Buffers"): bodies come from the effective context, the
// rest from the root context, each only within its window.
import { BufferType, MAX_BUFFER_TYPE, WasmResult } from "../abi/enums.js";
import { sliceForGet } from "../body-buffer.js";
import type { Vm } from "../vm.js";
import { hostCall, type ImportDef } from "./registry.js";

const EMPTY = new Uint8Array(0);

/** The buffer of `type` as visible now; null = not available (NotFound). */
export function currentBuffer(vm: Vm, type: number): Uint8Array | null {
  switch (type) {
    case BufferType.HttpRequestBody:
    case BufferType.HttpResponseBody:
    case BufferType.DownstreamData:
    case BufferType.UpstreamData:
      return vm.effective.body(type);
    case BufferType.GrpcReceiveBuffer:
      return vm.root.grpcMessage ?? EMPTY;
    case BufferType.HttpCallResponseBody:
      return vm.root.httpCallResponse ? vm.root.httpCallResponse.body : null;
    case BufferType.VmConfiguration:
      return vm.root.vmConfig;
    case BufferType.PluginConfiguration:
      return vm.root.pluginConfigReadable ? vm.root.pluginConfig : null;
    case BufferType.CallData:
      return vm.root.callData ?? EMPTY;
    default:
      return null;
  }
}

export const bufferImports: ImportDef[] = [
  hostCall("proxy_get_buffer_bytes", (vm) => (type: number, start: number, maxSize: number, pp: number, sp: number) => {
    type >>>= 0;
    if (type > MAX_BUFFER_TYPE) return WasmResult.BadArgument;
    const data = currentBuffer(vm, type);
    if (data === null) return WasmResult.NotFound;
    return vm.mem.copyOut(sliceForGet(data, start, maxSize), pp, sp);
  }),
  hostCall("proxy_set_buffer_bytes", (vm) => (type: number, start: number, size: number, ptr: number, len: number) => {
    type >>>= 0;
    if (type > MAX_BUFFER_TYPE) return WasmResult.BadArgument;
    const data = vm.mem.copy(ptr, len);
    if (data === null) return WasmResult.InvalidMemoryAccess;
    if (type <= BufferType.UpstreamData) {
      return vm.effective.setBody(type, start, size, data);
    }
    // Everything else is immutable here (or absent: NotFound).
    return currentBuffer(vm, type) === null ? WasmResult.NotFound : WasmResult.BadArgument;
  }),
  hostCall("proxy_get_buffer_status", (vm) => (type: number, lengthPtr: number, flagsPtr: number) => {
    type >>>= 0;
    if (type > MAX_BUFFER_TYPE) return WasmResult.BadArgument;
    const data = currentBuffer(vm, type);
    if (data === null) return WasmResult.NotFound;
    // Envoy never sets the EndOfStream flag.
    if (!vm.mem.setU32(lengthPtr, data.length) || !vm.mem.setU32(flagsPtr, 0)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }),
  // The plugin configuration while the root context is created and configured, the VM configuration otherwise.
  hostCall("proxy_get_configuration", (vm) => (pp: number, sp: number) => vm.mem.copyOut(vm.root.pluginConfigReadable ? vm.root.pluginConfig : vm.root.vmConfig, pp, sp)),
];
