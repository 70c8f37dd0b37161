// Replacements for the AssemblyScript standard library's own imports
// (`env.abort`, `env.trace`, `env.seed`, `env.Date.now`), which Envoy does not
// provide. asconfig.json wires them in with `use` aliases.
import { wasi_clock_time_get, wasi_random_get } from "../abi/imports";
import { LogLevel } from "../abi/enums";
import { OUT_U64 } from "./memory";
import { decimal } from "./text";
import { writeLog } from "./log";

let panicking = false;

/** A panic: log at critical with the message and source location, then trap. */
export function panic(message: string | null, fileName: string | null, line: u32, column: u32): void {
  // A panic while reporting a panic (say, out of memory) just traps.
  if (panicking) unreachable();
  panicking = true;
  let text = "panic: " + (message !== null ? message : "abort");
  if (fileName !== null) text += " at " + fileName + ":" + decimal(line) + ":" + decimal(column);
  writeLog(LogLevel.Critical, text);
  unreachable();
}

/** `trace()` goes to the host log at trace level. */
export function traceToLog(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let text = "trace: " + message;
  if (n > 0) text += " " + a0.toString();
  if (n > 1) text += ", " + a1.toString();
  if (n > 2) text += ", " + a2.toString();
  if (n > 3) text += ", " + a3.toString();
  if (n > 4) text += ", " + a4.toString();
  writeLog(LogLevel.Trace, text);
}

/** Seed for Math.random from the host's random source (WASI random_get, which Envoy provides). */
export function randomSeed(): f64 {
  if (wasi_random_get(OUT_U64, 8) == 0) return <f64>load<u64>(OUT_U64);
  return 1;
}

/** `Date.now()` from the host's wall clock, in milliseconds. WASI's clock works in _initialize too, where Envoy refuses proxy_get_current_time_nanoseconds. */
export class HostDate extends Date {
  static now(): i64 {
    return wasi_clock_time_get(0 /* realtime */, 1000, OUT_U64) == 0 ? <i64>(load<u64>(OUT_U64) / 1_000_000) : 0;
  }
}
