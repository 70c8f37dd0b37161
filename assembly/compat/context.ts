// proxy-runtime's contexts, forwarded from the SDK's dispatcher.
//
// proxy-runtime's BaseContext, RootContext and Context are classes of their
// own here (a writable `context_id`, usize body sizes the SDK's u32 methods
// cannot be overridden with). The dispatcher gets one small bridge per
// context instead: RootBridge for a plugin, HttpBridge for an HTTP stream,
// TcpBridge for a TCP connection, each handing every callback to the
// proxy-runtime-shaped context the filter made (docs/compat.md).
import {
  BaseContext as SdkBaseContext, HttpContext, RootContext as SdkRootContext, StreamContext as SdkStreamContext,
} from "../dispatch/context";
import { contextFor } from "../dispatch/roots";
import { HttpCallResponse, HttpCallback as SdkHttpCallback, httpCallFor } from "../api/callouts";
import { pluginConfiguration } from "../api/body";
import { enterContext, setEffectiveContext } from "../runtime/callback";
import {
  FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterStatus, FilterTrailersStatus, PeerType,
} from "../abi/enums";
import {
  FilterDataStatusValues, FilterHeadersStatusValues, FilterMetadataStatusValues, FilterStatusValues,
  FilterTrailersStatusValues, PeerTypeValues, WasmResultValues,
} from "./enums";
import { Headers, encodeHeaders } from "./headers";
import { anyRoot, anyStream } from "./effective";

/** proxy-runtime master's reply callback type; 0.1.x declared the first parameter as Context, which httpCall accepts too. */
export type HttpCallResponseCallback = (origin_context: BaseContext, headers: u32, body_size: usize, trailers: u32) => void;

/** What RootContext and Context share. */
export class BaseContext {
  context_id: u32;

  constructor(context_id: u32) {
    this.context_id = context_id;
  }

  /** Resumes the current stream's paused request. */
  continueRequest(): WasmResultValues { return anyStream.continueRequest(); }
  /** The host is done with this context (a root may return false and call done() later). */
  onDone(): bool { return true; }
  /** The context is gone. */
  onDelete(): void {}
}

/** An HTTP call made through RootContext.httpCall that has not been answered. */
export class HttpCallback extends SdkHttpCallback {
  /** The host's token for the call (0 until it accepted the call). */
  token: u32 = 0;

  constructor(public readonly root_context: RootContext, public readonly origin_context: BaseContext) {
    super();
  }

  /** Runs the filter's callback (with the origin effective). */
  run(headers: u32, body_size: usize, trailers: u32): void {}

  // The SDK delivers the reply with the origin effective (and drops it when
  // the origin is gone); proxy-runtime hands every reply to the root first.
  onResponse(response: HttpCallResponse): void {
    const root = this.root_context;
    root.onHttpCallResponse(this.token, response.headerCount, response.bodySize, response.trailerCount);
    root.forgetCall(this.token);
  }
}

/** A call's callback, of either declared type. */
class TypedHttpCallback<F> extends HttpCallback {
  constructor(root_context: RootContext, origin_context: BaseContext, private readonly cb: F) {
    super(root_context, origin_context);
  }

  run(headers: u32, body_size: usize, trailers: u32): void {
    deliverReply(this.cb, this.origin_context, this.root_context, headers, body_size, trailers);
  }
}

/**
 * Calls `cb` with the origin when it is of the type `cb` declares. A root
 * origin for a callback declared with Context (proxy-runtime 0.1.x) gets a
 * Context that stands for the root: its id, with the root as root_context.
 */
function deliverReply<P>(
  cb: (origin_context: P, headers: u32, body_size: usize, trailers: u32) => void, origin: BaseContext, root: RootContext,
  headers: u32, body_size: usize, trailers: u32,
): void {
  if (origin instanceof P) cb(<P>origin, headers, body_size, trailers);
  else cb(<P>(<BaseContext>new Context(origin.context_id, root)), headers, body_size, trailers);
}

/** One per plugin: configuration, timers, queues, HTTP calls, and the factory for stream contexts. */
export class RootContext extends BaseContext {
  /** The plugin configuration as text, stored by the default onConfigure. */
  configuration_: string = "";
  private readonly http_calls_: Map<u32, HttpCallback> = new Map();
  private pruneAt: i32 = 64;

  constructor(context_id: u32) {
    super(context_id);
  }

  getConfiguration(): string { return this.configuration_; }

  /** Makes the context of a new HTTP stream or TCP connection. The default lets traffic through untouched. */
  createContext(context_id: u32): Context { return new Context(context_id, this); }

  /** The VM started. Return false to fail it. */
  onStart(vm_configuration_size: usize): bool { return true; }

  /** Stores the plugin configuration in `configuration_`. Overrides call super.onConfigure to keep that. */
  onConfigure(configuration_size: u32): bool {
    const bytes = configuration_size > 0 ? pluginConfiguration() : null;
    this.configuration_ = bytes !== null ? String.UTF8.decode(bytes) : "";
    return true;
  }

  onTick(): void {}
  onQueueReady(token: u32): void {}

  /** Plugin shutdown: cancels pending HTTP calls (their callbacks run with zeros). */
  onDone(): bool {
    this.cancelPendingRequests();
    return true;
  }

  /** Finishes a shutdown this root delayed by returning false from onDone. */
  done(): WasmResultValues { return anyRoot.done(); }

  /** Runs the callback of every call this root made that is still waiting, with (origin, 0, 0, 0). */
  cancelPendingRequests(): void {
    const calls = this.http_calls_.values();
    this.http_calls_.clear();
    for (let i = 0; i < calls.length; i++) {
      const call = unchecked(calls[i]);
      const origin = call.origin_context.context_id;
      if (contextFor(origin) === null) continue;
      enterContext(origin);
      call.run(0, 0, 0);
    }
    enterContext(this.context_id);
  }

  /**
   * Sends an HTTP request to an Envoy cluster; `headers` must include
   * :method, :path and :authority. The reply runs `cb` with `origin_context`
   * effective; a reply for an origin that is gone is dropped. `cb` may
   * declare its first parameter as BaseContext (proxy-runtime master) or as
   * Context (0.1.x); an arrow function with untyped parameters gets master's
   * types. Returns the host's status (BadArgument for an unknown cluster).
   */
  httpCall<F = HttpCallResponseCallback>(
    cluster: string, headers: Headers, body: ArrayBuffer, trailers: Headers, timeout_milliseconds: u32,
    origin_context: BaseContext, cb: F,
  ): WasmResultValues {
    if (!isFunction<F>()) ERROR("httpCall: cb must be a function (origin_context, headers, body_size, trailers) => void");
    const callback = new TypedHttpCallback<F>(this, origin_context, cb);
    const call = httpCallFor(
      origin_context.context_id, cluster, encodeHeaders(headers), body,
      trailers.length > 0 ? encodeHeaders(trailers) : null, timeout_milliseconds, callback);
    if (call.ok) {
      callback.token = call.token;
      this.track(callback);
    }
    return call.status;
  }

  /**
   * Every reply to this root's httpCall comes here first, with the call's
   * origin effective. The default runs the call's callback; an override that
   * handles replies itself may skip super.
   */
  onHttpCallResponse(token: u32, headers: u32, body_size: u32, trailers: u32): void {
    if (!this.http_calls_.has(token)) return;
    this.http_calls_.get(token).run(headers, <usize>body_size, trailers);
  }

  /** @internal The reply to `token` was handled. */
  forgetCall(token: u32): void {
    this.http_calls_.delete(token);
  }

  // A call whose origin is gone gets no reply (the SDK drops it), so such
  // entries are pruned as the table grows.
  private track(call: HttpCallback): void {
    const calls = this.http_calls_;
    if (calls.size >= this.pruneAt) {
      const waiting = calls.values();
      for (let i = 0; i < waiting.length; i++) {
        const old = unchecked(waiting[i]);
        if (contextFor(old.origin_context.context_id) === null) calls.delete(old.token);
      }
      this.pruneAt = max(64, calls.size * 2);
    }
    calls.set(call.token, call);
  }
}

/** One per HTTP stream or TCP connection. Override the callbacks you need; each default continues. */
export class Context extends BaseContext {
  root_context: RootContext;

  constructor(context_id: u32, root_context: RootContext) {
    super(context_id);
    this.root_context = root_context;
  }

  /** Resumes the current stream's paused response. */
  continueResponse(): WasmResultValues { return anyStream.continueResponse(); }

  /** Makes host calls act on this context (a reply to httpCall already runs with its origin effective). */
  setEffectiveContext(): WasmResultValues { return setEffectiveContext(this.context_id); }

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

  /** Access-log point, after the stream ends. */
  onLog(): void {}
}

/** Hands a plugin's callbacks to its RootContext. */
export class RootBridge extends SdkRootContext {
  constructor(contextId: u32, readonly target: RootContext) {
    super(contextId);
  }

  onVmStart(vmConfigurationSize: u32): bool { return this.target.onStart(<usize>vmConfigurationSize); }
  onConfigure(pluginConfigurationSize: u32): bool { return this.target.onConfigure(pluginConfigurationSize); }
  onTick(): void { this.target.onTick(); }
  onQueueReady(queueId: u32): void { this.target.onQueueReady(queueId); }
  onDone(): bool { return this.target.onDone(); }
  onDelete(): void { this.target.onDelete(); }

  newHttpContext(contextId: u32): HttpContext | null {
    return new HttpBridge(contextId, this, this.target.createContext(contextId));
  }

  newStreamContext(contextId: u32): SdkStreamContext | null {
    return new TcpBridge(contextId, this, this.target.createContext(contextId));
  }
}

/** Hands an HTTP stream's callbacks to its Context. */
class HttpBridge extends HttpContext {
  constructor(contextId: u32, root: RootBridge, readonly target: Context) {
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
  constructor(contextId: u32, root: RootBridge, readonly target: Context) {
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

/** The proxy-runtime context the dispatcher's context for an id forwards to; null when there is none. */
export function compatContextOf(context: SdkBaseContext | null): BaseContext | null {
  if (context === null) return null;
  if (context instanceof RootBridge) return (<RootBridge>context).target;
  if (context instanceof HttpBridge) return (<HttpBridge>context).target;
  if (context instanceof TcpBridge) return (<TcpBridge>context).target;
  return null;
}
