// proxy-runtime's contexts on the SDK's dispatcher.
//
// RootContext extends the SDK's RootContext: onStart is reached through
// onVmStart, createContext through newHttpContext / newStreamContext, and the
// default onConfigure stores the plugin configuration in `configuration_`.
//
// Context extends the SDK's BaseContext, not HttpContext: proxy-runtime
// declares onRequestBody / onResponseBody / onDownstreamData / onUpstreamData
// with a usize size, and AssemblyScript does not let a usize parameter
// override the SDK's u32 one. The dispatcher therefore gets a small bridge per
// stream (HttpBridge for HTTP, TcpBridge for TCP connections) that forwards
// every callback to the Context the root created.
import {
  BaseContext, HttpContext, RootContext as SdkRootContext, StreamContext as SdkStreamContext,
} from "../dispatch/context";
import { contextFor, registerRootContext as registerSdkRoot, registerRootContextFor as registerSdkRootFor } from "../dispatch/roots";
import { HttpCallResponse, HttpCallback as SdkHttpCallback, httpCallFor } from "../api/callouts";
import { pluginConfiguration } from "../api/body";
import { continueStream } from "../dispatch/context";
import { enterContext } from "../runtime/callback";
import { setEffectiveContext } from "../runtime/callback";
import {
  FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterStatus, FilterTrailersStatus, PeerType, StreamType,
} from "../abi/enums";
import {
  FilterDataStatusValues, FilterHeadersStatusValues, FilterMetadataStatusValues, FilterStatusValues,
  FilterTrailersStatusValues, PeerTypeValues, WasmResultValues,
} from "./enums";
import { Headers, encodeHeaders } from "./headers";

export { BaseContext };

/** What RootContext.httpCall calls with the reply: `headers` 0 means the call failed (reset) or was cancelled. */
export type HttpCallResponseCallback = (origin_context: Context, headers: u32, body_size: usize, trailers: u32) => void;

// Calls made through RootContext.httpCall and not answered yet, by token, for
// cancelPendingRequests. A call whose origin context is gone gets no reply
// (the SDK drops it), so such entries are pruned as the table grows.
const pendingCalls = new Map<u32, HttpCallback>();
let pruneAt: i32 = 64;

function track(call: HttpCallback): void {
  if (pendingCalls.size >= pruneAt) {
    const calls = pendingCalls.values();
    for (let i = 0; i < calls.length; i++) {
      const old = unchecked(calls[i]);
      if (contextFor(old.origin_context.contextId) === null) pendingCalls.delete(old.token);
    }
    pruneAt = max(64, pendingCalls.size * 2);
  }
  pendingCalls.set(call.token, call);
}

/** An HTTP call's origin context and the function its reply goes to. */
export class HttpCallback extends SdkHttpCallback {
  /** The call's token (0 until the host accepted the call). */
  token: u32 = 0;
  /** The root whose httpCall made the call. */
  root_context: RootContext | null = null;
  private settled: bool = false;

  constructor(public origin_context: BaseContext, public cb: HttpCallResponseCallback) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    this.deliver(response.headerCount, <usize>response.bodySize, response.trailerCount);
  }

  /** Runs the callback once: a reply after cancellation is ignored. */
  deliver(headers: u32, body_size: usize, trailers: u32): void {
    if (this.settled) return;
    this.settled = true;
    pendingCalls.delete(this.token);
    const cb = this.cb;
    // proxy-runtime types the origin as Context; a root origin arrives as it was given.
    cb(changetype<Context>(this.origin_context), headers, body_size, trailers);
  }
}

/** One per plugin: configuration, timers, queues, HTTP calls, and the factory for stream contexts. */
export class RootContext extends SdkRootContext {
  /** The plugin configuration as text, stored by the default onConfigure. */
  configuration_: string = "";

  constructor(context_id: u32) {
    super(context_id);
  }

  get context_id(): u32 { return this.contextId; }

  getConfiguration(): string { return this.configuration_; }

  /** Makes the context of a new HTTP stream or TCP connection. The default lets traffic through untouched. */
  createContext(context_id: u32): Context { return new Context(context_id, this); }

  /** Kept for source compatibility; Envoy never asks. */
  validateConfiguration(configuration_size: usize): bool { return true; }

  /** The VM started. Return false to fail it. */
  onStart(vm_configuration_size: usize): bool { return true; }

  /** Stores the plugin configuration in `configuration_`. Overrides call super.onConfigure to keep that. */
  onConfigure(configuration_size: u32): bool {
    this.configuration_ = configuration_size > 0 ? String.UTF8.decode(pluginConfiguration()!) : "";
    return true;
  }

  /** Plugin shutdown: cancels pending HTTP calls (their callbacks run with zeros). */
  onDone(): bool {
    this.cancelPendingRequests();
    return true;
  }

  /** Runs the callback of every call this root made that is still waiting, with (origin, 0, 0, 0). */
  cancelPendingRequests(): void {
    const calls = pendingCalls.values();
    for (let i = 0; i < calls.length; i++) {
      const call = unchecked(calls[i]);
      if (call.root_context !== this) continue;
      const origin = call.origin_context.contextId;
      if (contextFor(origin) === null) {
        pendingCalls.delete(call.token);
        continue;
      }
      enterContext(origin);
      call.deliver(0, 0, 0);
    }
    enterContext(this.contextId);
  }

  continueRequest(): WasmResultValues { return continueStream(StreamType.HttpRequest); }

  /**
   * Sends an HTTP request to an Envoy cluster. `headers` must include
   * :method, :path and :authority. The reply runs `cb` with `origin_context`
   * effective, so stream_context acts on that stream; a reply for a stream
   * that is gone is dropped. Returns the host's status (BadArgument for an
   * unknown cluster).
   */
  httpCall(
    cluster: string, headers: Headers, body: ArrayBuffer, trailers: Headers, timeout_milliseconds: u32,
    origin_context: BaseContext, cb: HttpCallResponseCallback,
  ): WasmResultValues {
    const callback = new HttpCallback(origin_context, cb);
    const call = httpCallFor(
      origin_context.contextId, cluster, encodeHeaders(headers), body,
      trailers.length > 0 ? encodeHeaders(trailers) : null, timeout_milliseconds, callback);
    if (call.ok) {
      callback.token = call.token;
      callback.root_context = this;
      track(callback);
    }
    return call.status;
  }

  // The SDK's side: what the dispatcher calls.

  onVmStart(vmConfigurationSize: u32): bool { return this.onStart(<usize>vmConfigurationSize); }

  newHttpContext(contextId: u32): HttpContext | null {
    return new HttpBridge(contextId, this, this.createContext(contextId));
  }

  newStreamContext(contextId: u32): SdkStreamContext | null {
    return new TcpBridge(contextId, this, this.createContext(contextId));
  }
}

/** One per HTTP stream or TCP connection. Override the callbacks you need; each default continues. */
export class Context extends BaseContext {
  root_context: RootContext;

  constructor(context_id: u32, root_context: RootContext) {
    super(context_id);
    this.root_context = root_context;
  }

  get context_id(): u32 { return this.contextId; }

  continueRequest(): WasmResultValues { return continueStream(StreamType.HttpRequest); }
  continueResponse(): WasmResultValues { return continueStream(StreamType.HttpResponse); }

  /** Makes host calls act on this context (a reply to httpCall already runs with its origin effective). */
  setEffectiveContext(): WasmResultValues { return setEffectiveContext(this.contextId); }

  // TCP
  onNewConnection(): FilterStatusValues { return FilterStatusValues.Continue; }
  onDownstreamData(size: usize, end: bool): FilterStatusValues { return FilterStatusValues.Continue; }
  onUpstreamData(size: usize, end: bool): FilterStatusValues { return FilterStatusValues.Continue; }
  onDownstreamConnectionClose(t: PeerTypeValues): void {}
  onUpstreamConnectionClose(t: PeerTypeValues): void {}

  // HTTP
  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues { return FilterHeadersStatusValues.Continue; }
  onRequestMetadata(a: u32): FilterMetadataStatusValues { return FilterMetadataStatusValues.Continue; }
  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues { return FilterDataStatusValues.Continue; }
  onRequestTrailers(a: u32): FilterTrailersStatusValues { return FilterTrailersStatusValues.Continue; }
  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues { return FilterHeadersStatusValues.Continue; }
  onResponseMetadata(a: u32): FilterMetadataStatusValues { return FilterMetadataStatusValues.Continue; }
  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues { return FilterDataStatusValues.Continue; }
  onResponseTrailers(s: u32): FilterTrailersStatusValues { return FilterTrailersStatusValues.Continue; }
}

/** Hands an HTTP stream's callbacks to its Context. */
class HttpBridge extends HttpContext {
  constructor(contextId: u32, root: RootContext, private readonly target: Context) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    return this.target.onRequestHeaders(headerCount, endOfStream);
  }
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    return this.target.onRequestBody(<usize>bodySize, endOfStream);
  }
  onRequestTrailers(trailerCount: u32): FilterTrailersStatus { return this.target.onRequestTrailers(trailerCount); }
  onRequestMetadata(elementCount: u32): FilterMetadataStatus { return this.target.onRequestMetadata(elementCount); }
  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    return this.target.onResponseHeaders(headerCount, endOfStream);
  }
  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    return this.target.onResponseBody(<usize>bodySize, endOfStream);
  }
  onResponseTrailers(trailerCount: u32): FilterTrailersStatus { return this.target.onResponseTrailers(trailerCount); }
  onResponseMetadata(elementCount: u32): FilterMetadataStatus { return this.target.onResponseMetadata(elementCount); }
  onLog(): void { this.target.onLog(); }
  onDone(): bool { return this.target.onDone(); }
  onDelete(): void { this.target.onDelete(); }
}

/** Hands a TCP connection's callbacks to its Context. */
class TcpBridge extends SdkStreamContext {
  constructor(contextId: u32, root: RootContext, private readonly target: Context) {
    super(contextId, root);
  }

  onNewConnection(): FilterStatus { return this.target.onNewConnection(); }
  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    return this.target.onDownstreamData(<usize>dataSize, endOfStream);
  }
  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    return this.target.onUpstreamData(<usize>dataSize, endOfStream);
  }
  onDownstreamConnectionClose(peer: PeerType): void { this.target.onDownstreamConnectionClose(peer); }
  onUpstreamConnectionClose(peer: PeerType): void { this.target.onUpstreamConnectionClose(peer); }
  onLog(): void { this.target.onLog(); }
  onDone(): bool { return this.target.onDone(); }
  onDelete(): void { this.target.onDelete(); }
}

/**
 * Registers the root context factory for the root id `name` (Envoy's
 * root_id, a WasmPlugin's pluginName). A root id nobody registered, the empty
 * one included, gets the factory registered under "" or else the first one
 * registered, rather than aborting the VM.
 */
export function registerRootContext(root_context_factory: (context_id: u32) => RootContext, name: string = ""): void {
  if (name.length == 0) registerSdkRoot(root_context_factory);
  else registerSdkRootFor(name, root_context_factory);
}
