// Metrics (docs/envoy-semantics.md, "Metrics"). The two i64 parameters of the ABI arrive as BigInt.
import { MetricType, WasmResult } from "../abi/enums.js";
import { hostCall, type ImportDef } from "./registry.js";

export const metricImports: ImportDef[] = [
  hostCall("proxy_define_metric", (vm) => (type: number, np: number, nl: number, idPtr: number) => {
    type >>>= 0;
    if (type > MetricType.Histogram) return WasmResult.BadArgument;
    const name = vm.mem.string(np, nl);
    if (name === null || !vm.mem.inBounds(idPtr, 4)) return WasmResult.InvalidMemoryAccess;
    const { result, id } = vm.metrics.define(type, name);
    if (result === WasmResult.Ok) vm.mem.setU32(idPtr, id);
    return result;
  }),
  hostCall("proxy_increment_metric", (vm) => (id: number, offset: bigint) => vm.metrics.increment(id >>> 0, BigInt.asIntN(64, offset))),
  hostCall("proxy_record_metric", (vm) => (id: number, value: bigint) => vm.metrics.record(id >>> 0, value)),
  hostCall("proxy_get_metric", (vm) => (id: number, ptr: number) => {
    const { result, value } = vm.metrics.get(id >>> 0);
    if (result !== WasmResult.Ok) return result;
    return vm.mem.setU64(ptr, value) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  }),
];
