// Logging, time and timers (docs/envoy-semantics.md, "Timers and time").
import { LogLevel, WasmResult } from "../abi/enums.js";
import { logText, MAX_LOG_MESSAGE_BYTES } from "../memory.js";
import { hostCall, type ImportDef } from "./registry.js";

export const loggingImports: ImportDef[] = [
  hostCall("proxy_log", (vm) => (level: number, ptr: number, len: number) => {
      level >>>= 0;
      if (level > LogLevel.Critical) return WasmResult.BadArgument;
      if (!vm.mem.inBounds(ptr, len)) return WasmResult.InvalidMemoryAccess;
      // Decode only what will be kept: dropped levels cost nothing.
      if (vm.wantsLog(level)) {
        const text = len >>> 0 <= MAX_LOG_MESSAGE_BYTES ? vm.mem.string(ptr, len)! : logText(vm.mem.view(ptr, len)!);
        vm.log(level, text, vm.effective.id);
      }
      return WasmResult.Ok;
    }
  ),
  hostCall("proxy_get_log_level", (vm) => (ptr: number) => (vm.mem.setU32(ptr, vm.logLevel) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess)
  ),
  hostCall("proxy_get_current_time_nanoseconds", (vm) => (ptr: number) =>
    vm.mem.setU64(ptr, vm.clock.now()) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess,
  ),
  hostCall("proxy_set_tick_period_milliseconds", (vm) => (period: number) => {
    // The timer belongs to the root context of the calling context.
    vm.root.tickPeriodMs = period >>> 0;
    vm.events.tickPeriodChanged(period >>> 0);
    return WasmResult.Ok;
  }),
];
