// The public test API: start a plugin from a module, drive HTTP streams through it, and
// inspect what the host saw (state-style, like proxy-wasm-go-sdk's proxytest).
import { readFile } from "node:fs/promises";
import { Buffer } from "node:buffer";
import { LogLevel } from "./abi/enums.js";
import { ModuleError, tryParse } from "./abi/module-info.js";
import { Plugin } from "./plugin.js";
import { encodePropertyValue, pathKey, type PropertyValue } from "./properties.js";
import { RootContext } from "./root-context.js";
import { Callouts } from "./services/callouts.js";
import { Vm } from "./vm.js";

export {
  LogLevel,
  WasmResult,
  FilterHeadersStatus,
  FilterDataStatus,
  FilterTrailersStatus,
  MapType,
  BufferType,
  AbiVersion,
  StreamType,
  GrpcStatus,
  MetricType,
} from "./abi/enums.js";
export { HeaderMap, type HeaderInput } from "./header-map.js";
export type { LogEntry } from "./vm.js";
export { HttpStream, type LocalReply, type HttpStreamOptions } from "./http-stream.js";
export { Plugin, type HttpCallResponse } from "./plugin.js";
export type { HttpCallRequest } from "./services/callouts.js";
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
  /** Cluster names proxy_http_call may use; other names give BadArgument. Default none. */
  clusters?: string[];
  /** WASI environment variables (vm_config.environment_variables). */
  environment?: Record<string, string>;
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
  vm.callouts = new Callouts(new Set(options.clusters ?? []));
  vm.environment = Object.entries(options.environment ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const [path, value] of Object.entries(options.properties ?? {})) vm.userProps.set(pathKey(path), encodePropertyValue(value));

  const plugin = new Plugin(vm, root, {
    failOpen: options.failOpen ?? false,
    allowOnHeadersStopIteration: options.allowOnHeadersStopIteration ?? false,
  });
  plugin.boot();
  return plugin;
}
