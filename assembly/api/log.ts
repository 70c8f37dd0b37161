// Logging for filters: one function per level, and `enabled` to skip building
// a costly message. The level check and the writer are runtime/log.ts.
import { LogLevel } from "../abi/enums";
import { logAt, logEnabled } from "../runtime/log";

export namespace log {
  export function trace(message: string): void { logAt(LogLevel.Trace, message); }
  export function debug(message: string): void { logAt(LogLevel.Debug, message); }
  export function info(message: string): void { logAt(LogLevel.Info, message); }
  export function warn(message: string): void { logAt(LogLevel.Warn, message); }
  export function error(message: string): void { logAt(LogLevel.Error, message); }
  export function critical(message: string): void { logAt(LogLevel.Critical, message); }
  /** Whether a message at `level` would be written (the host's level, read once per callback). */
  export function enabled(level: LogLevel): bool { return logEnabled(level); }
}
