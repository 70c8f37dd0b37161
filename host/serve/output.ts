// What serve prints for people: filter log lines under the plugin's name, one access-log
// line per request, and the proxy's own notices. Colours only on a terminal.
import { LogLevel } from "../abi/enums.js";
import { LOG_LEVELS } from "./options.js";

const COLOURS: Record<string, string> = { dim: "2", red: "31", green: "32", yellow: "33", blue: "34", magenta: "35", cyan: "36" };
const LEVEL_COLOUR = ["dim", "dim", "green", "yellow", "red", "magenta", "dim"];

/** One finished request as the access log shows it. */
export interface AccessRecord {
  method: string;
  path: string;
  protocol: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** The filter that replied locally ("" for the proxy itself), with the reply's details. */
  localReply: { plugin: string; details: string } | null;
  /** Filters that held the request or the response at some point. */
  paused: string[];
  /** Why the stream was reset, if it was. */
  reset: string | null;
}

export class Output {
  level: LogLevel;
  constructor(
    private readonly write: (line: string) => void,
    private readonly color: boolean,
    level: LogLevel,
    private readonly accessLog: boolean,
  ) {
    this.level = level;
  }

  get accessLogging(): boolean {
    return this.accessLog;
  }

  paint(colour: string, text: string): string {
    return this.color ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
  }

  /** A log line from a filter: `[level] plugin: message`. */
  filterLog(plugin: string, level: LogLevel, message: string): void {
    if (level < this.level || level >= LogLevel.Off) return;
    this.write(`${this.paint(LEVEL_COLOUR[level]!, `[${LOG_LEVELS[level]}]`)} ${this.paint("cyan", plugin)}: ${message}`);
  }

  /** A notice from the proxy itself (start-up, reloads, failures). */
  notice(message: string, level: LogLevel = LogLevel.Info): void {
    if (level < this.level && level < LogLevel.Warn) return;
    this.write(level >= LogLevel.Warn ? this.paint("yellow", message) : message);
  }

  access(r: AccessRecord): void {
    if (!this.accessLog) return;
    const status = this.paint(r.status >= 500 || r.status === 0 ? "red" : r.status >= 400 ? "yellow" : "green", String(r.status || "-"));
    let line = `${r.method} ${r.path} ${r.protocol} ${status} in=${r.bytesIn} out=${r.bytesOut} ${r.durationMs.toFixed(1)}ms`;
    if (r.localReply !== null) line += ` local_reply=${r.localReply.plugin || "proxy"}:${r.localReply.details}`;
    if (r.paused.length > 0) line += ` paused_by=${r.paused.join(",")}`;
    if (r.reset !== null) line += ` reset=${r.reset}`;
    this.write(this.paint("dim", "access ") + line);
  }
}
