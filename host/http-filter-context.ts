// What the host calls see of an HTTP stream's filter context (docs/envoy-semantics.md,
// "HTTP streams"): the header maps, body and trailers inside their windows, stream
// control and local replies (deferred until the callback returns), route-cache clearing
// and the request/response attributes. The state machine that moves the windows is
// HttpFilter (http-filter.ts).
import { LogLevel, MapType, StreamType, WasmResult } from "./abi/enums.js";
import { applySetBufferBytes } from "./body-buffer.js";
import type { LocalResponseRequest } from "./context.js";
import { FilterContext, type ConnectionOptions, type FilterSettings } from "./filter-context.js";
import type { HeaderMap } from "./header-map.js";
import { REQUEST_INLINE, RESPONSE_INLINE } from "./header-map.js";
import type { LocalReply } from "./local-reply.js";
import { requestAttribute, responseAttribute, type RequestFacts } from "./stream-attributes.js";
import { Side } from "./stream-side.js";
import type { Vm } from "./vm.js";

const EMPTY = new Uint8Array(0);

export interface StreamSettings extends FilterSettings {
  allowOnHeadersStopIteration: boolean;
}

export interface HttpStreamOptions extends ConnectionOptions {
  /** "HTTP/1.0", "HTTP/1.1", "HTTP/2" or "HTTP/3"; default HTTP/1.1. */
  protocol?: string;
}

/** Deferred operations, run once the running callback has returned. */
export const enum Op {
  ContinueRequest = 1,
  ContinueResponse = 2,
  Close = 3,
  LocalReply = 4,
}

/** The HTTP callbacks, indexed by Cb. */
export const CALLBACKS = [
  "proxy_on_context_create",
  "proxy_on_request_headers",
  "proxy_on_request_body",
  "proxy_on_request_trailers",
  "proxy_on_response_headers",
  "proxy_on_response_body",
  "proxy_on_response_trailers",
  "proxy_on_log",
  "proxy_on_done",
  "proxy_on_delete",
  "proxy_on_request_metadata",
  "proxy_on_response_metadata",
] as const;
export const enum Cb {
  ContextCreate = 0,
  RequestHeaders = 1,
  RequestBody = 2,
  RequestTrailers = 3,
  ResponseHeaders = 4,
  ResponseBody = 5,
  ResponseTrailers = 6,
  Log = 7,
  Done = 8,
  Delete = 9,
  RequestMetadata = 10,
  ResponseMetadata = 11,
}

/** Plugin-wide stream settings; the stream callbacks are looked up once, not per call. */
export function streamSettings(
  vm: Vm,
  rootId: number,
  options: { failOpen: boolean; allowOnHeadersStopIteration: boolean },
): StreamSettings {
  return { vm, rootId, ...options, callbacks: CALLBACKS.map((name) => vm.exportFn(name)) };
}

export abstract class HttpFilterContext extends FilterContext<StreamSettings> {
  // Fields are assigned in the constructor (see Side).
  protected declare readonly req: Side;
  protected declare readonly resp: Side;
  protected declare inAccessLogPhase: boolean;
  /** A local reply was requested during the running callback: its status becomes Stop. */
  protected declare forceStop: boolean;
  protected declare pendingReply: LocalResponseRequest | null;
  protected declare reply: LocalReply | null;
  private declare readonly startMs: number;
  private declare readonly protocol: string;
  /** How often the route cache was cleared (request header edits, clear_route_cache). */
  declare routeCacheClears: number;

  constructor(settings: StreamSettings, options?: HttpStreamOptions) {
    // On a failed VM, fail-closed replies 503 at the first event.
    super(settings, CALLBACKS, options);
    this.req = new Side(REQUEST_INLINE);
    this.resp = new Side(RESPONSE_INLINE);
    this.inAccessLogPhase = this.forceStop = false;
    this.pendingReply = null;
    this.reply = null;
    this.startMs = this.vm.clock.nowMs();
    this.protocol = options?.protocol ?? "HTTP/1.1";
    this.routeCacheClears = 0;
  }

  override get inAccessLog(): boolean {
    return this.inAccessLogPhase;
  }

  override readMap(type: MapType): HeaderMap | null {
    const log = this.inAccessLogPhase;
    switch (type) {
      case MapType.HttpRequestHeaders:
        return this.req.headersAvail || (log && this.req.started) ? this.req.headers : null;
      case MapType.HttpRequestTrailers:
        return this.req.trailersAvail && !log ? this.req.trailers : null;
      case MapType.HttpResponseHeaders:
        return this.resp.headersAvail || (log && this.resp.started) ? this.resp.headers : null;
      case MapType.HttpResponseTrailers:
        return this.resp.trailersAvail || log ? this.resp.trailers : null;
      default:
        return null;
    }
  }

  override writeMap(type: MapType): HeaderMap | null {
    if (this.inAccessLogPhase) return null;
    switch (type) {
      case MapType.HttpRequestHeaders:
        return this.req.headersAvail ? this.req.headers : null;
      case MapType.HttpResponseHeaders:
        return this.resp.headersAvail ? this.resp.headers : null;
      case MapType.HttpRequestTrailers:
        return this.trailersForWrite(this.req);
      case MapType.HttpResponseTrailers:
        return this.trailersForWrite(this.resp);
      default:
        return null;
    }
  }

  /** Trailers are writable in their window, or created in the last body callback. */
  protected trailersForWrite(side: Side): HeaderMap | null {
    if (side.trailersAvail) return side.trailers;
    if (side.trailers === null && side.bodyAvail && side.bodyEos) {
      return side.setTrailers(null);
    }
    return null;
  }

  override headersModified(type: MapType): void {
    // Envoy clears the route cache when request headers change (ABI ≤ 0.2.1).
    if (type === MapType.HttpRequestHeaders) this.routeCacheClears++;
  }

  override clearRouteCache(): void {
    this.routeCacheClears++;
  }

  override body(type: number): Uint8Array {
    if (type > 1) return EMPTY; // TCP data: no network connection on an HTTP stream
    const side = type === 0 ? this.req : this.resp;
    return side.bodyAvail ? side.buf : EMPTY;
  }

  override setBody(type: number, start: number, size: number, data: Uint8Array): WasmResult {
    if (type > 1) return WasmResult.BadArgument;
    const side = type === 0 ? this.req : this.resp;
    if (!side.bodyAvail) return WasmResult.BadArgument;
    const next = applySetBufferBytes(side.buf, start, size, data);
    if (next === null) return WasmResult.BadArgument;
    side.buf = next;
    return WasmResult.Ok;
  }

  override continueStream(type: StreamType): WasmResult {
    if (type !== StreamType.HttpRequest && type !== StreamType.HttpResponse) return WasmResult.Ok;
    // Envoy drops its references at once; the continuation itself waits for the callback to end.
    const side = type === StreamType.HttpRequest ? this.req : this.resp;
    side.dropRefs();
    this.defer(type === StreamType.HttpRequest ? Op.ContinueRequest : Op.ContinueResponse);
    return WasmResult.Ok;
  }

  override closeStream(type: StreamType): WasmResult {
    if (type === StreamType.HttpRequest || type === StreamType.HttpResponse) this.defer(Op.Close);
    return WasmResult.Ok;
  }

  override sendLocalResponse(r: LocalResponseRequest): void {
    if (this.reply !== null || this.pendingReply !== null) {
      this.vm.log(
        LogLevel.Error,
        `proxy_send_local_response(${r.status}) ignored: a local reply was already sent on this stream`,
        this.id,
      );
      return;
    }
    if (this.completed) return;
    this.pendingReply = r;
    this.forceStop = true;
    this.defer(Op.LocalReply);
  }

  protected override scopedProperty(top: string, name: string): Uint8Array | null {
    if (top === "request") return requestAttribute(name, this.requestFacts());
    if (top === "response") {
      const r = this.resp;
      return responseAttribute(
        name,
        r,
        this.reply ? this.reply.details : "via_upstream",
        this.readMap(MapType.HttpResponseHeaders) !== null,
        this.readMap(MapType.HttpResponseTrailers) !== null,
      );
    }
    return null;
  }

  private requestFacts(): RequestFacts {
    return { req: this.req, startMs: this.startMs, protocol: this.protocol, completed: this.completed, inAccessLog: this.inAccessLogPhase, clock: this.vm.clock };
  }
}
