// Metrics (docs/envoy-semantics.md, "Metrics"). The two i64 parameters of the ABI arrive as BigInt.
import { MetricType, WasmResult } from "../abi/enums.js";
import { envImport, type ImportDef } from "./registry.js";

export const metricImports: ImportDef[] = [
  envImport("proxy_define_metric", "iiii:i", (vm) => (type: number, np: number, nl: number, idPtr: number) => {
    type >>>= 0;
    if (type > MetricType.Histogram) return WasmResult.BadArgument;
    const name = vm.mem.string(np, nl);
    if (name === null || !vm.mem.inBounds(idPtr, 4)) return WasmResult.InvalidMemoryAccess;
    const { result, id } = vm.metrics.define(type, name);
    if (result === WasmResult.Ok) vm.mem.setU32(idPtr, id);
    return result;
  }),
  envImport("proxy_increment_metric", "iI:i", (vm) => (id: number, offset: bigint) => vm.metrics.increment(id >>> 0, BigInt.asIntN(64, offset))),
  envImport("proxy_record_metric", "iI:i", (vm) => (id: number, value: bigint) => vm.metrics.record(id >>> 0, value)),
  envImport("proxy_get_metric", "ii:i", (vm) => (id: number, ptr: number) => {
    const { result, value } = vm.metrics.get(id >>> 0);
    if (result !== WasmResult.Ok) return result;
    return vm.mem.setU64(ptr, value) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
  }),
];
