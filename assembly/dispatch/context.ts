// The user contract: the classes a filter extends and the dispatcher calls.
// Every callback has a default that lets traffic through untouched. The
// stream controls here are the only way to continue, close or answer a
// stream; Envoy defers each until the running callback returns (docs/sdk.md,
// "Stream control").
import {
  proxy_close_stream, proxy_continue_stream, proxy_done, proxy_get_property, proxy_send_local_response,
  proxy_set_tick_period_milliseconds,
} from "../abi/imports";
import {
  FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterStatus, FilterTrailersStatus, GrpcStatus, PeerType,
  StreamType, WasmResult,
} from "../abi/enums";
import { HeaderPair, serializePairs } from "../runtime/wire";
import { OUT_PTR, OUT_SIZE, stage, stagedLen, stagedPtr, takeResultString } from "../runtime/memory";
import { utf8 } from "../runtime/text";
import { callbackSerial, currentContextId, enterContext, setEffectiveContext } from "../runtime/callback";

/** @internal Resumes a paused request or response (or TCP read side) once the current callback returns. */
export function continueStream(streamType: StreamType): WasmResult {
  return <WasmResult>proxy_continue_stream(streamType);
}

function closeStream(streamType: StreamType): WasmResult {
  return <WasmResult>proxy_close_stream(streamType);
}

/** @internal The plugin_root_id property of the effective context's plugin; "" when the host has none. */
export function readPluginRootId(): string {
  stage("plugin_root_id");
  return proxy_get_property(stagedPtr, stagedLen, OUT_PTR, OUT_SIZE) == WasmResult.Ok ? takeResultString() : "";
}

/** Which callbacks the dispatcher routes to a context. */
export const enum ContextKind {
  Root = 0,
  Http = 1,
  Tcp = 2,
}

/** What every context has: its id and the end-of-life callbacks. */
export class BaseContext {
  /** Set by each subclass: which callbacks the dispatcher routes here. */
  kind: ContextKind = ContextKind.Root;

  constructor(public readonly contextId: u32) {}

  /** The host is done with this context. Roots return false to finish later with `done()`; the value is ignored for streams. */
  onDone(): bool { return true; }
  /** The context is gone: drop whatever refers to it. */
  onDelete(): void {}
  /** Access-log point (HTTP: after the response, before onDone). */
  onLog(): void {}

  /**
   * Makes header, body, property and stream-control calls act on this context
   * for the rest of the running callback, and callouts made now belong to it:
   * how a root's timer or another context's callout reply resumes a stream it
   * holds (docs/sdk.md, "Stream control"). `NotFound` when the context is gone.
   */
  makeEffective(): WasmResult { return setEffectiveContext(this.contextId); }
}

/** One per plugin (per VM and worker): configuration, timers, queues, and the factory for stream contexts. */
export class RootContext extends BaseContext {
  private knownRootId: string | null = null;

  /** The root id Envoy gave this plugin (root_id / WasmPlugin pluginName); may be "". Asked of the host on first use. */
  get rootId(): string {
    const known = this.knownRootId;
    if (known !== null) return known;
    // The property belongs to the plugin of the effective context: make it this root's for the read.
    if (callbackSerial == 0) return "";
    const running = currentContextId;
    enterContext(this.contextId);
    const rootId = readPluginRootId();
    enterContext(running);
    this.knownRootId = rootId;
    return rootId;
  }

  /** @internal The dispatcher read the root id to choose the factory. */
  knowRootId(rootId: string): void {
    this.knownRootId = rootId;
  }

  /** The VM started; `vmConfigurationSize` bytes of VM configuration are readable. Return false to fail the VM. */
  onVmStart(vmConfigurationSize: u32): bool { return true; }
  /** New plugin configuration (`pluginConfiguration()` reads it). Return false to reject it. */
  onConfigure(pluginConfigurationSize: u32): bool { return true; }
  /** The timer set with setTickPeriod fired. */
  onTick(): void {}
  /** A shared queue this root registered has data. */
  onQueueReady(queueId: u32): void {}
  /** A foreign function called this plugin; `callData()` reads its `argumentsSize` bytes of arguments. */
  onForeignFunction(functionId: u32, argumentsSize: u32): void {}
  /**
   * Make the context for a new HTTP stream; null lets the stream pass
   * untouched. A filter that keeps no per-stream state may return one shared
   * context for every stream: nothing is allocated per request then (its
   * `contextId` is the id it was made with, not the current stream's).
   */
  newHttpContext(contextId: u32): HttpContext | null { return null; }
  /** Make the context for a new TCP connection (network filter); null lets it pass untouched. */
  newStreamContext(contextId: u32): StreamContext | null { return null; }

  /** Calls onTick every `periodMs` milliseconds; 0 stops the timer. */
  setTickPeriod(periodMs: u32): WasmResult { return <WasmResult>proxy_set_tick_period_milliseconds(periodMs); }
  /** Finishes a shutdown this root delayed by returning false from onDone. */
  done(): WasmResult { return <WasmResult>proxy_done(); }
}

/** One per HTTP stream. Override the callbacks you need. */
export class HttpContext extends BaseContext {
  constructor(contextId: u32, public readonly root: RootContext) {
    super(contextId);
    this.kind = ContextKind.Http;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onRequestTrailers(trailerCount: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onRequestMetadata(elementCount: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }
  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onResponseTrailers(trailerCount: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onResponseMetadata(elementCount: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }

  /** Resumes a request paused by a headers/body/trailers callback. */
  continueRequest(): WasmResult { return continueStream(StreamType.HttpRequest); }
  /** Resumes a paused response. */
  continueResponse(): WasmResult { return continueStream(StreamType.HttpResponse); }
  /** Resets the stream. */
  resetStream(): WasmResult { return closeStream(StreamType.HttpRequest); }

  /**
   * Answers the request from the filter instead of the upstream. The reply
   * goes out when the current callback returns, whatever that callback
   * returns. `details` ends up in Envoy's response code details (spaces
   * become '_'). A context shared by every stream answers the current one.
   */
  sendLocalResponse(
    status: u32, body: string = "", headers: HeaderPair[] | null = null, details: string = "",
    grpcStatus: GrpcStatus = GrpcStatus.InvalidCode,
  ): WasmResult {
    return this.sendLocalResponseBytes(status, utf8(body), headers, details, grpcStatus);
  }

  /** sendLocalResponse with a body of bytes. */
  sendLocalResponseBytes(
    status: u32, body: ArrayBuffer, headers: HeaderPair[] | null = null, details: string = "",
    grpcStatus: GrpcStatus = GrpcStatus.InvalidCode,
  ): WasmResult {
    const encodedDetails = utf8(details);
    const encodedHeaders = serializePairs(headers !== null ? headers : new Array<HeaderPair>());
    return <WasmResult>proxy_send_local_response(
      status,
      changetype<usize>(encodedDetails), <usize>encodedDetails.byteLength,
      changetype<usize>(body), <usize>body.byteLength,
      changetype<usize>(encodedHeaders), <usize>encodedHeaders.byteLength,
      grpcStatus,
    );
  }
}

/** One per TCP connection (network filter). Override the callbacks you need. */
export class StreamContext extends BaseContext {
  constructor(contextId: u32, public readonly root: RootContext) {
    super(contextId);
    this.kind = ContextKind.Tcp;
  }

  /** A client connected. */
  onNewConnection(): FilterStatus { return FilterStatus.Continue; }
  /** Bytes from the client; `downstreamData` reads and rewrites them. */
  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus { return FilterStatus.Continue; }
  /** Bytes toward the client; `upstreamData` reads and rewrites them. */
  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus { return FilterStatus.Continue; }
  onDownstreamConnectionClose(peer: PeerType): void {}
  onUpstreamConnectionClose(peer: PeerType): void {}

  /** Resumes reading from the client after StopIteration. */
  continueDownstream(): WasmResult { return continueStream(StreamType.Downstream); }
  /** Closes the client connection. */
  closeDownstream(): WasmResult { return closeStream(StreamType.Downstream); }
  /** Closes the upstream connection. */
  closeUpstream(): WasmResult { return closeStream(StreamType.Upstream); }
}
