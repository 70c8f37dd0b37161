// The public test API: start a plugin from a module, drive HTTP streams through it, and
// inspect what the host saw (state-style, like proxy-wasm-go-sdk's proxytest).
import { readFile } from "node:fs/promises";
import { Buffer } from "node:buffer";
import { LogLevel, type WasmResult } from "./abi/enums.js";
import { ModuleError, tryParse } from "./abi/module-info.js";
import { Plugin } from "./plugin.js";
import { encodePropertyValue, pathKey, type PropertyValue } from "./properties.js";
import { REAL_CLOCK, VirtualClock, type Clock } from "./clock.js";
import { RootContext } from "./root-context.js";
import { Chain, orderChain, type Phase } from "./chain.js";
import { Callouts } from "./services/callouts.js";
import { Vm, type HostTrace } from "./vm.js";

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
export { HttpStream, type LocalReply, type HttpStreamOptions } from "./http-stream.js";
export { TcpConnection, type TcpConnectionOptions, type CloseCause } from "./tcp-connection.js";
export { Plugin, type HttpCallResponse, type GrpcCallResponse } from "./plugin.js";
export { Chain, ChainStream, PHASES, orderChain, type Phase, type ChainEdges } from "./chain.js";
export { VirtualClock, RealClock, RealTimerClock, DEFAULT_VIRTUAL_START_MS, type Clock, type TimerHandle } from "./clock.js";
export type { HttpCallRequest, GrpcCallRequest, GrpcStreamState } from "./services/callouts.js";
export type { MetricStat } from "./services/metrics.js";
export { clearSharedData } from "./services/shared.js";
export { decodePairs, encodePairs } from "./abi/pairs.js";
export type { PropertyValue } from "./properties.js";

export interface PluginOptions {
  /** Path to a .wasm file, its bytes, or a compiled module (no signature checks then). */
  module: string | Uint8Array | WebAssembly.Module;
  /** Default "". */
  rootId?: string;
  /** Default: rootId. */
  pluginName?: string;
  /** Default "". Scopes shared data and queues. */
  vmId?: string;
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
   * Where time comes from: real time (default), "virtual" (a fresh VirtualClock starting at
   * 2024-01-01T00:00:00Z) or a clock object (share one VirtualClock between plugins).
   * On a virtual clock `plugin.advanceTime(ms)` fires ticks and HTTP-callout timeouts.
   */
  clock?: Clock | "virtual" | "real";
  /** Sees every callback and log line in order, from start-up on. */
  trace?: HostTrace;
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

function clockOf(c: PluginOptions["clock"]): Clock {
  if (c === undefined || c === "real") return REAL_CLOCK;
  if (c === "virtual") return new VirtualClock();
  return c;
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
 * context_create → vm_start → configure. A trap during start-up does not throw: the
 * plugin comes back with `failed` set and `configured` false.
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

  let vm: Vm;
  try {
    vm = await Vm.load(module, tryParse(bytes), options.logLevel ?? LogLevel.Trace);
  } catch (e) {
    if (e instanceof ModuleError) throw new PluginLoadError(e.message);
    throw e;
  }

  const rootId = options.rootId ?? "";
  const root = new RootContext(
    vm.newContextId(),
    { pluginName: options.pluginName ?? rootId, rootId, vmId: options.vmId ?? "" },
    bytesOf(options.vmConfiguration),
    bytesOf(options.configuration),
  );
  vm.root = root;
  vm.trace = options.trace ?? null;
  vm.callouts = new Callouts(clusterSet(options.clusters), clusterSet(options.grpcClusters ?? options.clusters));
  vm.environment = Object.entries(options.environment ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const [path, value] of Object.entries(options.properties ?? {})) vm.userProps.set(pathKey(path), encodePropertyValue(value));

  const plugin: Plugin = new Plugin(vm, root, {
    failOpen: options.failOpen ?? false,
    allowOnHeadersStopIteration: options.allowOnHeadersStopIteration ?? false,
    clock: clockOf(options.clock),
  });
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
 * first), then name. Every plugin gets its own VM and root context; plugins with the same
 * vmId share shared data and queues. `clock` is shared by the plugins that do not set
 * their own ("virtual" makes one VirtualClock for the whole chain).
 */
export async function startChain(entries: ChainEntry[], options: { clock?: PluginOptions["clock"] } = {}): Promise<Chain> {
  if (entries.length === 0) throw new Error("startChain needs at least one plugin");
  const ordered = orderChain(entries);
  const clock = clockOf(options.clock);
  const plugins = [];
  for (const e of ordered) {
    plugins.push(await startPlugin({ ...e.options, pluginName: e.options.pluginName ?? e.name, clock: e.options.clock ?? clock }));
  }
  return new Chain(ordered.map((e) => e.name), plugins, clock);
}
