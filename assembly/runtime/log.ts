// The log writer under every SDK log call: the host's level, asked once per
// callback, and the unconditional writer the panic and trace hooks use. A
// message below the host's level costs one comparison: no encoding, no host
// call. The filter-facing `log` namespace is in api/log.ts.
import { proxy_get_log_level, proxy_log } from "../abi/imports";
import { LogLevel, WasmResult } from "../abi/enums";
import { OUT_PTR, stage, stagedLen, stagedPtr } from "./memory";
import { callbackSerial } from "./callback";

let hostLevel: i32 = LogLevel.Trace;
/** The callback the level was read in (0: never read). */
let levelSerial: u32 = 0;

/** The host's current log level (Trace when the host cannot say, or before the first callback). */
export function hostLogLevel(): LogLevel {
  // In _initialize Envoy allows proxy_log but not proxy_get_log_level: let the host filter.
  const serial = callbackSerial;
  if (serial == 0) return LogLevel.Trace;
  if (levelSerial != serial) {
    hostLevel = proxy_get_log_level(OUT_PTR) == WasmResult.Ok ? <i32>load<u32>(OUT_PTR) : LogLevel.Trace;
    levelSerial = serial;
  }
  return hostLevel;
}

/** Whether a message at `level` would be written. */
export function logEnabled(level: LogLevel): bool {
  return level >= hostLogLevel() && level <= LogLevel.Critical;
}

/** Writes `message` at `level` if the host's level lets it through. */
export function logAt(level: LogLevel, message: string): void {
  if (logEnabled(level)) writeLog(level, message);
}

/** Writes `message` at `level` whatever the host's level (the host still filters). */
export function writeLog(level: LogLevel, message: string): void {
  stage(message);
  proxy_log(level, stagedPtr, stagedLen);
}
