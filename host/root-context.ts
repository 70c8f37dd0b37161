// The plugin's root context (parent 0): owns the plugin configuration window, tick period,
// callout status and responses, and answers the HTTP-call maps (docs/envoy-semantics.md,
// "Plugin lifecycle", "Buffers").
import { MapType } from "./abi/enums.js";
import { Context } from "./context.js";
import type { HeaderMap } from "./header-map.js";

export interface PluginNames {
  pluginName: string;
  rootId: string;
  vmId: string;
}

export interface HttpCallResponseData {
  headers: HeaderMap;
  body: Uint8Array;
  trailers: HeaderMap;
}

export class RootContext extends Context {
  /** Buffer 7 is readable only in configure and the first context_create. */
  pluginConfigReadable = false;
  /** Buffer 8 while a foreign-function style callback runs. */
  callData: Uint8Array | null = null;
  tickPeriodMs = 0;
  /** Last status, read by proxy_get_status. */
  statusCode = 0;
  statusMessage = "";
  /** The response being delivered by proxy_on_http_call_response. */
  httpCallResponse: HttpCallResponseData | null = null;
  /** Buffer 5 during proxy_on_grpc_receive. */
  grpcMessage: Uint8Array | null = null;
  /** Map 4 / map 5 during the gRPC metadata callbacks. */
  grpcInitialMetadata: HeaderMap | null = null;
  grpcTrailingMetadata: HeaderMap | null = null;
  /** proxy_on_done returned 0: waiting for proxy_done. */
  waitingForDone = false;
  doneCalled = false;

  constructor(
    id: number,
    readonly names: PluginNames,
    readonly vmConfig: Uint8Array,
    readonly pluginConfig: Uint8Array,
  ) {
    super(id);
  }

  get rootId(): number {
    return this.id;
  }

  override readMap(type: MapType): HeaderMap | null {
    if (type === MapType.GrpcReceiveInitialMetadata) return this.grpcInitialMetadata;
    if (type === MapType.GrpcReceiveTrailingMetadata) return this.grpcTrailingMetadata;
    const r = this.httpCallResponse;
    if (r === null) return null;
    if (type === MapType.HttpCallResponseHeaders) return r.headers;
    if (type === MapType.HttpCallResponseTrailers) return r.trailers;
    return null;
  }
}
