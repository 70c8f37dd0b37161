// What `serve` is told to run: the listener, the upstream, the filters and the clusters
// callouts may reach. Addresses default to loopback; see docs/serve.md.
import { LogLevel } from "../abi/enums.js";
import type { Phase } from "../chain.js";

/** One filter of the chain, from --filter or from a document of -f. */
export interface FilterSpec {
  /** The extension's name (chain ordering, log prefixes, the admin listing). */
  name: string;
  /** Path to the .wasm file. */
  file: string;
  configuration: string;
  vmConfiguration: string;
  rootId: string;
  vmId: string;
  phase: Phase;
  priority: number;
  failOpen: boolean;
  /** Envoy's allow_on_headers_stop_iteration: StopIteration from headers lets body callbacks run. */
  allowOnHeadersStopIteration: boolean;
}

export interface HostPort {
  host: string;
  port: number;
}

export type UpstreamSpec = { kind: "echo" } | { kind: "http"; url: URL; h2: boolean } | { kind: "tcp"; host: string; port: number };

export interface ServeOptions {
  listen: HostPort;
  upstream: UpstreamSpec;
  filters: FilterSpec[];
  /** Cluster name → base URL (http:// for HTTP/1.1, h2c:// for cleartext HTTP/2, used by gRPC calls). */
  clusters: Map<string, URL>;
  /** Envoy's per-stream buffer limit for StopIterationAndBuffer (bytes). */
  bufferLimit: number;
  /** Envoy's route timeout in ms (default 15 s; 0 = none). */
  routeTimeoutMs: number;
  /** VMs per plugin (Envoy runs one per worker thread). */
  workers: number;
  admin: HostPort | null;
  /** Filter log lines below this level are not printed (proxy_get_log_level reports it). */
  logLevel: LogLevel;
  /** Reload a plugin when its .wasm changes. */
  watch: boolean;
  /** Run the chain as network filters on TCP connections. */
  tcp: boolean;
  /** Print one access-log line per request. */
  accessLog: boolean;
  /** Colour the output (a terminal). */
  color: boolean;
}

export const DEFAULT_LISTEN: HostPort = { host: "127.0.0.1", port: 10000 };
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "critical", "off"] as const;

export function parseLogLevel(v: string): LogLevel {
  const i = (LOG_LEVELS as readonly string[]).indexOf(v.toLowerCase());
  if (i < 0) throw new Error(`unknown log level "${v}" (one of ${LOG_LEVELS.join(", ")})`);
  return i as LogLevel;
}

/** "host:port", "[v6]:port" or ":port"/"port" (loopback). */
export function parseHostPort(v: string, what: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):?(\d+)$/.exec(v.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`${what} "${v}": expected host:port (for example 127.0.0.1:10000)`);
  return { host: m[1] ?? (m[2] || DEFAULT_LISTEN.host), port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** "echo", "http://host:port", "h2c://host:port" or "tcp://host:port". */
export function parseUpstream(v: string): UpstreamSpec {
  if (v === "echo") return { kind: "echo" };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`--upstream "${v}": expected echo, http://HOST:PORT, h2c://HOST:PORT or tcp://HOST:PORT`);
  }
  if (url.protocol === "tcp:") return { kind: "tcp", host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) };
  if (url.protocol !== "http:" && url.protocol !== "h2c:") throw new Error(`--upstream "${v}": only http://, h2c:// and tcp:// (cleartext) are supported`);
  return { kind: "http", url: new URL(`http://${url.host}${url.pathname === "/" ? "" : url.pathname}`), h2: url.protocol === "h2c:" };
}

/** "NAME=http://host:port" (or h2c://). */
export function parseCluster(v: string): [string, URL] {
  const i = v.indexOf("=");
  if (i <= 0) throw new Error(`--cluster "${v}": expected NAME=http://HOST:PORT`);
  const name = v.slice(0, i);
  let url: URL;
  try {
    url = new URL(v.slice(i + 1));
  } catch {
    throw new Error(`--cluster "${v}": "${v.slice(i + 1)}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "h2c:") throw new Error(`--cluster "${v}": only http:// and h2c:// are supported`);
  return [name, url];
}
