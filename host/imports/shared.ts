// Shared data and shared queues (docs/envoy-semantics.md, "Shared data", "Shared queues"),
// scoped by the plugin's vm_id.
import { WasmResult } from "../abi/enums.js";
import { hostCall, type ImportDef } from "./registry.js";

export const sharedImports: ImportDef[] = [
  hostCall("proxy_get_shared_data", (vm) => (kp: number, kl: number, vpp: number, vsp: number, casPtr: number) => {
    const key = vm.mem.string(kp, kl);
    if (key === null) return WasmResult.InvalidMemoryAccess;
    const entry = vm.process.sharedData.get(vm.root.names.vmId, key);
    if (!entry) return WasmResult.NotFound;
    const r = vm.mem.copyOut(entry.value, vpp, vsp);
    if (r !== WasmResult.Ok) return r;
    return vm.mem.setU32(casPtr, entry.cas) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  }),
  hostCall("proxy_set_shared_data", (vm) => (kp: number, kl: number, vp: number, vl: number, cas: number) => {
    const key = vm.mem.string(kp, kl);
    const value = vm.mem.copy(vp, vl);
    if (key === null || value === null) return WasmResult.InvalidMemoryAccess;
    return vm.process.sharedData.set(vm.root.names.vmId, key, value, cas >>> 0);
  }),
  hostCall("proxy_register_shared_queue", (vm) => (np: number, nl: number, tokenPtr: number) => {
    const name = vm.mem.string(np, nl);
    if (name === null || !vm.mem.inBounds(tokenPtr, 4)) return WasmResult.InvalidMemoryAccess;
    vm.mem.setU32(tokenPtr, vm.process.queues.register(vm.root.names.vmId, name, vm.queueTarget));
    return WasmResult.Ok;
  }),
  hostCall("proxy_resolve_shared_queue", (vm) => (vp: number, vl: number, np: number, nl: number, tokenPtr: number) => {
    const vmId = vm.mem.string(vp, vl);
    const name = vm.mem.string(np, nl);
    if (vmId === null || name === null) return WasmResult.InvalidMemoryAccess;
    const token = vm.process.queues.resolve(vmId === "" ? vm.root.names.vmId : vmId, name);
    if (token === undefined) return WasmResult.NotFound;
    return vm.mem.setU32(tokenPtr, token) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  }),
  hostCall("proxy_enqueue_shared_queue", (vm) => (token: number, vp: number, vl: number) => {
    const value = vm.mem.copy(vp, vl);
    if (value === null) return WasmResult.InvalidMemoryAccess;
    return vm.process.queues.enqueue(token >>> 0, value);
  }),
  hostCall("proxy_dequeue_shared_queue", (vm) => (token: number, pp: number, sp: number) => {
    const r = vm.process.queues.dequeue(token >>> 0);
    if (r.result !== WasmResult.Ok) return r.result;
    return vm.mem.copyOut(r.value!, pp, sp);
  }),
];
