// The public test API: start a plugin from a module, drive HTTP streams through it, and
// inspect what the host saw (state-style, like proxy-wasm-go-sdk's proxytest).
import { readFile } from "node:fs/promises";
import { Buffer } from "node:buffer";
import { LogLevel, type WasmResult } from "./abi/enums.js";
import { ModuleError, tryParse } from "./abi/module-info.js";
import { limitsOf, type HostLimits } from "./limits.js";
import { Plugin } from "./plugin.js";
import { ProxyProcess, clockOf } from "./process.js";
import { encodePropertyValue, pathKey, type PropertyValue } from "./properties.js";
import type { Clock } from "./clock.js";
import { Chain, orderChain, type Phase } from "./chain.js";
import { Callouts } from "./services/callouts.js";
import type { HostTrace } from "./vm.js";

export {
  LogLevel,
  WasmResult,
  FilterHeadersStatus,
  FilterDataStatus,
  FilterTrailersStatus,
  FilterStatus,
  PeerType,
  MapType,
  BufferType,
  AbiVersion,
  StreamType,
  GrpcStatus,
  MetricType,
} from "./abi/enums.js";
export { HeaderMap, type HeaderInput } from "./header-map.js";
export type { LogEntry, HostTrace } from "./vm.js";
export type { CrashReport, StackFrame, SourcePosition } from "./stack-trace.js";
export { HttpStream, type HttpStreamOptions } from "./http-stream.js";
export type { LocalReply } from "./local-reply.js";
export { TcpConnection, type TcpConnectionOptions, type CloseCause } from "./tcp-connection.js";
export { Plugin, type HttpCallResponse, type GrpcCallResponse } from "./plugin.js";
export { Chain, ChainStream, PHASES, orderChain, type Phase, type ChainEdges } from "./chain.js";
export { VirtualClock, RealClock, RealTimerClock, DEFAULT_VIRTUAL_START_MS, type Clock, type TimerHandle } from "./clock.js";
export type { HttpCallRequest, GrpcCallRequest, GrpcStreamState } from "./services/callouts.js";
export type { MetricStat } from "./services/metrics.js";
export { ProxyProcess, type ProxyProcessOptions } from "./process.js";
export { DEFAULT_LIMITS, type HostLimits } from "./limits.js";
export { decodePairs, encodePairs } from "./abi/pairs.js";
export type { PropertyValue } from "./properties.js";

export interface PluginOptions {
  /** Path to a .wasm file, its bytes, or a compiled module (no signature checks then). */
  module: string | Uint8Array | WebAssembly.Module;
  /** Default "". */
  rootId?: string;
  /** Default: rootId. */
  pluginName?: string;
  /** Default "". Scopes shared data and queues within the process. */
  vmId?: string;
  /**
   * The Envoy process the plugin runs in: shared data, shared queues, connection ids and
   * the clock. Default: a fresh one per plugin. Give plugins the same process to let them
   * share data and queues.
   */
  process?: ProxyProcess;
  /** Plugin configuration (buffer 7). */
  configuration?: string | Uint8Array;
  /** VM configuration (buffer 6). */
  vmConfiguration?: string | Uint8Array;
  /** The host's wasm log level: reported by proxy_get_log_level; lower messages are dropped. Default Trace. */
  logLevel?: LogLevel;
  /** Properties by path with segments joined by "." (use Plugin.setProperty for segments containing "."). */
  properties?: Record<string, PropertyValue>;
  /** Default false (fail closed: 503 wasm_fail_stream after a trap). */
  failOpen?: boolean;
  /** Envoy ≥ 1.35 `allow_on_headers_stop_iteration`. Default false. */
  allowOnHeadersStopIteration?: boolean;
  /** Cluster names proxy_http_call may use; other names give BadArgument. Default none. "*" accepts any name. */
  clusters?: string[];
  /** Cluster names gRPC calls and streams may use (unknown → ParseFailure). Default: `clusters`. */
  grpcClusters?: string[];
  /**
   * Foreign functions the module may call with proxy_call_foreign_function, by name (see
   * Plugin.registerForeignFunction). Unknown names give NotFound.
   */
  foreignFunctions?: Record<string, (args: Uint8Array) => Uint8Array | string | WasmResult>;
  /** WASI environment variables (vm_config.environment_variables). */
  environment?: Record<string, string>;
  /**
   * Where time comes from: the process's clock (default; real time for a fresh process),
   * "real", "virtual" (a fresh VirtualClock starting at 2024-01-01T00:00:00Z) or a clock
   * object (share one VirtualClock between plugins). On a virtual clock
   * `plugin.advanceTime(ms)` fires ticks and HTTP-callout timeouts.
   */
  clock?: Clock | "virtual" | "real";
  /** Sees every callback and log line in order, from start-up on. */
  trace?: HostTrace;
  /** Bounds on what the host keeps (logs, histogram samples); see HostLimits for the defaults. */
  limits?: HostLimits;
  /**
   * The source map for crash reports, or false for none. Default: the one the module's
   * sourceMappingURL names, else `<module>.map` next to a module given by path.
   */
  sourceMap?: string | false;
}

/** A set of cluster names; "*" makes every name known. */
function clusterSet(names: string[] | undefined): ReadonlySet<string> {
  const set = new Set(names ?? []);
  if (!set.has("*")) return set;
  return new (class extends Set<string> {
    override has(): boolean {
      return true;
    }
  })(set);
}

/** A module that cannot be compiled, linked or instantiated (the message names the problem). */
export class PluginLoadError extends Error {
  override name = "PluginLoadError";
}

function bytesOf(v: string | Uint8Array | undefined): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  return typeof v === "string" ? new Uint8Array(Buffer.from(v, "utf8")) : new Uint8Array(v);
}

/**
 * Loads the module, runs its start-up entry points and the root context's
 * context_create → vm_start → configure. A trap during start-up, or a vm_start or configure
 * that returns false, does not throw: the plugin comes back with `failed` set,
 * `configured` false and `startupFailure` saying why.
 */
export async function startPlugin(options: PluginOptions): Promise<Plugin> {
  let module: WebAssembly.Module;
  let bytes: Uint8Array | undefined;
  if (options.module instanceof WebAssembly.Module) {
    module = options.module;
  } else {
    try {
      bytes = typeof options.module === "string" ? new Uint8Array(await readFile(options.module)) : options.module;
    } catch (e) {
      throw new PluginLoadError(`Cannot read Wasm module ${String(options.module)}: ${(e as Error).message}`);
    }
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new PluginLoadError(`Failed to compile Wasm module: ${(e as Error).message}`);
    }
  }

  const process = options.process ?? new ProxyProcess({ clock: options.clock });
  const rootId = options.rootId ?? "";
  let plugin: Plugin;
  try {
    plugin = new Plugin(module, tryParse(bytes), {
      process,
      clock: options.clock === undefined ? process.clock : clockOf(options.clock),
      names: { pluginName: options.pluginName ?? rootId, rootId, vmId: options.vmId ?? "" },
      vmConfiguration: bytesOf(options.vmConfiguration),
      configuration: bytesOf(options.configuration),
      logLevel: options.logLevel ?? LogLevel.Trace,
      limits: limitsOf(options.limits),
      trace: options.trace ?? null,
      moduleSource: { path: typeof options.module === "string" ? options.module : undefined, sourceMap: options.sourceMap },
      callouts: new Callouts(clusterSet(options.clusters), clusterSet(options.grpcClusters ?? options.clusters)),
      environment: Object.entries(options.environment ?? {}).map(([k, v]) => `${k}=${v}`),
      properties: new Map(Object.entries(options.properties ?? {}).map(([path, value]) => [pathKey(path), encodePropertyValue(value)])),
      failOpen: options.failOpen ?? false,
      allowOnHeadersStopIteration: options.allowOnHeadersStopIteration ?? false,
    });
  } catch (e) {
    if (e instanceof ModuleError) throw new PluginLoadError(e.message);
    throw e;
  }
  for (const [name, fn] of Object.entries(options.foreignFunctions ?? {})) plugin.registerForeignFunction(name, fn);
  plugin.boot();
  return plugin;
}

/** One plugin of a chain (a Maistra ServiceMeshExtension): where it sits and how it starts. */
export interface ChainEntry {
  /** The extension's name (also the plugin name unless options.pluginName is set); breaks ties. */
  name: string;
  phase: Phase;
  /** Higher runs first within a phase. Default 0. */
  priority?: number;
  options: PluginOptions;
}

/**
 * Starts several plugins as one filter chain, ordered by phase, then priority (higher
 * first), then name. Every plugin gets its own VM and root context, all in one process
 * (`options.process`, or a fresh one with `options.clock`): plugins with the same vmId
 * share shared data and queues. A plugin reads the process's clock unless it sets its own.
 */
export async function startChain(
  entries: ChainEntry[],
  options: { clock?: PluginOptions["clock"]; process?: ProxyProcess } = {},
): Promise<Chain> {
  if (entries.length === 0) throw new Error("startChain needs at least one plugin");
  const ordered = orderChain(entries);
  const process = options.process ?? new ProxyProcess({ clock: options.clock });
  const plugins = [];
  for (const e of ordered) {
    if (e.options.process !== undefined && e.options.process !== process) {
      throw new Error(`${e.name}: every plugin of a chain runs in the chain's process`);
    }
    plugins.push(await startPlugin({ ...e.options, process, pluginName: e.options.pluginName ?? e.name }));
  }
  return new Chain(ordered.map((e) => e.name), plugins, process.clock);
}
