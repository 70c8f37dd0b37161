// Time from the host: wall clock in nanoseconds since the Unix epoch.
import { proxy_get_current_time_nanoseconds } from "../abi/imports";
import { WasmResult } from "../abi/enums";
import { OUT_U64 } from "../runtime/memory";

/** The host's wall clock in nanoseconds; `fallback` when the host cannot say (Envoy refuses during _initialize). */
export function currentTimeNanoseconds(fallback: u64 = 0): u64 {
  return proxy_get_current_time_nanoseconds(OUT_U64) == WasmResult.Ok ? load<u64>(OUT_U64) : fallback;
}
