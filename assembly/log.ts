// Level-aware logging. The host's level is asked once per callback, and a
// message below it costs one comparison: no encoding, no host call.
import { proxy_get_log_level, proxy_log } from "./abi/imports";
import { LogLevel, WasmResult } from "./types";
import { OUT_PTR, stage, stagedLen, stagedPtr } from "./runtime/memory";
import { insideCallbacks } from "./runtime/callback";

let hostLevel: i32 = -1;

/** Forgets the cached host level; the dispatcher calls this as each callback starts. */
export function refreshLogLevel(): void {
  hostLevel = -1;
}

/** The host's current log level (Trace when the host cannot say, or before the first callback). */
export function hostLogLevel(): LogLevel {
  // In _initialize Envoy allows proxy_log but not proxy_get_log_level: let the host filter.
  if (!insideCallbacks) return LogLevel.Trace;
  if (hostLevel < 0) {
    hostLevel = proxy_get_log_level(OUT_PTR) == WasmResult.Ok ? <i32>load<u32>(OUT_PTR) : LogLevel.Trace;
  }
  return hostLevel;
}

/** Whether a message at `level` would be written. Use it to skip building costly messages. */
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

export namespace log {
  export function trace(message: string): void { logAt(LogLevel.Trace, message); }
  export function debug(message: string): void { logAt(LogLevel.Debug, message); }
  export function info(message: string): void { logAt(LogLevel.Info, message); }
  export function warn(message: string): void { logAt(LogLevel.Warn, message); }
  export function error(message: string): void { logAt(LogLevel.Error, message); }
  export function critical(message: string): void { logAt(LogLevel.Critical, message); }
  export function enabled(level: LogLevel): bool { return logEnabled(level); }
}
