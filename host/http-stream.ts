// One HTTP stream through the plugin, with Envoy's semantics (reference §4.4, §4.5,
// §9.2-§9.6, §9.14): lazy context creation, callback order, map and body windows,
// status conversion, buffering, deferred continue/close/local reply, and fail-closed or
// fail-open handling when the VM traps.
import { Buffer } from "node:buffer";
import {
  FilterDataStatus,
  FilterHeadersStatus,
  FilterMetadataStatus,
  FilterTrailersStatus,
  GrpcStatus,
  LogLevel,
  MapType,
  StreamType,
  WasmResult,
} from "./abi/enums.js";
import { applySetBufferBytes, concatBytes, PassedBytes, toBytes } from "./body-buffer.js";
import { msToNs } from "./clock.js";
import type { LocalResponseRequest } from "./context.js";
import { FilterContext, type ConnectionOptions, type FilterSettings } from "./filter-context.js";
import { HeaderMap, REQUEST_INLINE, RESPONSE_INLINE, TRAILER_INLINE, type HeaderInput } from "./header-map.js";
import { encodeInt64, encodeMap, encodeString, requestHeaderAttribute } from "./properties.js";
import type { Vm } from "./vm.js";

const EMPTY = new Uint8Array(0);

export interface LocalReply {
  status: number;
  details: string;
  body: Uint8Array;
  bodyText: string;
  /** The reply's headers as sent downstream (after the plugin's own response callbacks). */
  headers: HeaderMap;
  grpcStatus: number | null;
}

export interface StreamSettings extends FilterSettings {
  allowOnHeadersStopIteration: boolean;
}

/** Builds the headers of a local reply like Envoy's local reply path. */
function replyHeaders(r: LocalResponseRequest): HeaderMap {
  const h = new HeaderMap(null, RESPONSE_INLINE);
  h.add(":status", String(r.status));
  for (const [k, v] of r.headers) h.add(k, v);
  if (r.grpcStatus >= GrpcStatus.Ok && r.grpcStatus <= GrpcStatus.Unauthenticated) h.set("grpc-status", String(r.grpcStatus));
  if (r.body.length > 0) {
    h.set("content-length", String(r.body.length));
    if (!h.has("content-type")) h.set("content-type", "text/plain");
  } else {
    h.remove("content-length");
    h.remove("content-type");
  }
  return h;
}

/** @internal The local reply sent for a request, with the headers Envoy gives it. */
export function localReplyOf(r: LocalResponseRequest): LocalReply {
  return {
    status: r.status,
    details: r.details,
    body: r.body,
    bodyText: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.length).toString("utf8"),
    headers: replyHeaders(r),
    grpcStatus: r.grpcStatus >= 0 && r.grpcStatus <= 16 ? r.grpcStatus : null,
  };
}

/**
 * Where a stream in a filter chain passes what it lets through: the next filter (request)
 * or the previous one (response). Single-plugin streams have none.
 * @internal
 */
export interface StreamSink {
  headers(response: boolean, headers: HeaderMap, endOfStream: boolean): void;
  data(response: boolean, data: Uint8Array, endOfStream: boolean): void;
  trailers(response: boolean, trailers: HeaderMap): void;
  /** The filter asked for a local reply (or failed closed): the chain sends it. */
  localReply(from: HttpStream, reply: LocalResponseRequest): void;
  /** The filter closed the stream (proxy_close_stream): the chain resets every filter. */
  reset(from: HttpStream, reason: string): void;
  /** A callback ran; `index` is its position in the stream's action list. */
  callback(from: HttpStream, index: number): void;
}

export interface HttpStreamOptions extends ConnectionOptions {
  /** "HTTP/1.0", "HTTP/1.1", "HTTP/2" or "HTTP/3"; default HTTP/1.1. */
  protocol?: string;
}

/** Where a direction is held by the filter. */
const enum Stop {
  None = 0,
  /** StopAllIteration from headers: no body/trailer callbacks until continued. */
  HeadersAll = 1,
  /** StopIteration from headers (allow_on_headers_stop_iteration): body callbacks still run. */
  Headers = 2,
  Body = 3,
  Trailers = 4,
}

const enum Op {
  ContinueRequest = 1,
  ContinueResponse = 2,
  Close = 3,
  LocalReply = 4,
}

const CALLBACKS = [
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
const enum Cb {
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

/**
 * One direction (request = decoding, response = encoding) of the stream.
 *
 * Per-stream classes assign their fields in the constructor (`declare` fields) instead of
 * using field initialisers: compiled to ES2022, each initialiser is a property definition,
 * measurably slower than an assignment on this once-per-request path.
 */
class Side {
  declare headers: HeaderMap;
  declare trailers: HeaderMap | null;
  /** Headers received from the peer. */
  declare started: boolean;
  /** End of stream received from the peer. */
  declare ended: boolean;
  /** No more filter callbacks for this direction (local reply, reset, failure). */
  declare done: boolean;
  declare stop: Stop;
  declare headersForwarded: boolean;
  /** The headers arrived with end of stream. */
  declare headersEos: boolean;
  /** End of stream was passed on (chains). */
  declare eosEmitted: boolean;
  // Envoy's references to the maps and body: set while the filter may use them.
  declare headersAvail: boolean;
  declare trailersAvail: boolean;
  declare bodyAvail: boolean;
  declare bodyEos: boolean;
  /** Last body callback returned StopIterationAndBuffer/Watermark: next chunk accumulates. */
  declare buffering: boolean;
  /** Body bytes the filter currently sees / holds. */
  declare buf: Uint8Array;
  /** Data that arrived while stopped by StopAllIteration, not yet shown to the filter. */
  declare held: Uint8Array;
  declare trailersPending: boolean;
  /** Body bytes passed on (upstream for the request, downstream for the response); null = none yet. */
  private declare forwarded: PassedBytes | null;

  constructor(inline: ReadonlySet<string>) {
    this.headers = new HeaderMap(null, inline);
    this.trailers = null;
    this.started = this.ended = this.done = false;
    this.stop = Stop.None;
    this.headersForwarded = this.headersEos = this.eosEmitted = false;
    this.headersAvail = this.trailersAvail = this.bodyAvail = this.bodyEos = false;
    this.buffering = false;
    this.buf = this.held = EMPTY;
    this.trailersPending = false;
    this.forwarded = null;
  }

  /** Envoy drops its references to the maps and the body. */
  dropRefs(): void {
    this.headersAvail = this.bodyAvail = this.trailersAvail = false;
  }

  /** No more filter callbacks for this direction (local reply, reset, failure). */
  finish(): void {
    this.done = true;
    this.stop = Stop.None;
    this.dropRefs();
  }

  /** The filter lets everything it holds pass. */
  release(): void {
    this.stop = Stop.None;
    this.headersForwarded = true;
    this.buffering = false;
    this.pass(this.buf);
    this.buf = EMPTY;
  }

  /** Passes body bytes on (most directions never pass any, so the record is made on demand). */
  pass(data: Uint8Array): void {
    if (data.length > 0) (this.forwarded ??= new PassedBytes()).push(data);
  }

  /** The body bytes passed on so far. */
  passed(): Uint8Array {
    return this.forwarded === null ? EMPTY : this.forwarded.bytes();
  }

  /** Forgets what was passed (a local reply replaces the response). */
  clearPassed(): void {
    this.forwarded = null;
  }
}

/** The reply when the VM fails under a stream that fails closed. */
const FAIL_STREAM_REPLY: LocalResponseRequest = { status: 503, details: "wasm_fail_stream", body: EMPTY, headers: [], grpcStatus: GrpcStatus.Unavailable };

export class HttpStream extends FilterContext<StreamSettings> {
  // Fields are assigned in the constructor (see Side).
  private declare readonly req: Side;
  private declare readonly resp: Side;
  /** proxy_on_context_create has run. */
  private declare created: boolean;
  /** The VM failed with this stream alive and the failure was applied to it. */
  private declare failureHandled: boolean;
  private declare inAccessLogPhase: boolean;
  /** A local reply was requested during the running callback: its status becomes Stop. */
  private declare forceStop: boolean;
  private declare pendingReply: LocalResponseRequest | null;
  private declare reply: LocalReply | null;
  private declare readonly startMs: number;
  private declare readonly protocol: string;
  /** @internal Set by a filter chain. */
  declare sink: StreamSink | null;
  /** Set when the stream was reset instead of completing normally (e.g. "wasm_close_stream"). */
  declare resetReason: string | null;
  /** How often the route cache was cleared (request header edits, clear_route_cache). */
  declare routeCacheClears: number;

  constructor(settings: StreamSettings, options?: HttpStreamOptions) {
    // On a failed VM, fail-closed replies 503 at the first event.
    super(settings, CALLBACKS, options);
    this.req = new Side(REQUEST_INLINE);
    this.resp = new Side(RESPONSE_INLINE);
    this.created = this.failureHandled = this.inAccessLogPhase = this.forceStop = false;
    this.pendingReply = null;
    this.reply = null;
    this.startMs = this.vm.clock.nowMs();
    this.protocol = options?.protocol ?? "HTTP/1.1";
    this.sink = null;
    this.resetReason = null;
    this.routeCacheClears = 0;
  }

  // ---- public state -------------------------------------------------------------------

  get requestHeaders(): HeaderMap {
    return this.req.headers;
  }
  get responseHeaders(): HeaderMap {
    return this.resp.headers;
  }
  get requestTrailers(): HeaderMap {
    return this.req.trailers ?? new HeaderMap(null, TRAILER_INLINE);
  }
  get responseTrailers(): HeaderMap {
    return this.resp.trailers ?? new HeaderMap(null, TRAILER_INLINE);
  }
  get requestBody(): Uint8Array {
    return this.req.passed();
  }
  get responseBody(): Uint8Array {
    return this.resp.passed();
  }
  get localReply(): LocalReply | null {
    return this.reply;
  }
  get paused(): { request: boolean; response: boolean } {
    return { request: this.req.stop !== Stop.None, response: this.resp.stop !== Stop.None };
  }

  // ---- events from the test ------------------------------------------------------------

  sendRequestHeaders(headers: HeaderInput, endOfStream = false): number {
    return this.onHeaders(this.req, headers, endOfStream);
  }
  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number {
    return this.onData(this.req, toBytes(chunk), endOfStream);
  }
  sendRequestTrailers(trailers: HeaderInput): number {
    return this.onTrailers(this.req, trailers);
  }
  sendResponseHeaders(headers: HeaderInput, endOfStream = false): number {
    if (this.reply !== null) return FilterHeadersStatus.Continue; // the local reply is the response
    return this.onHeaders(this.resp, headers, endOfStream);
  }
  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number {
    if (this.reply !== null) return FilterDataStatus.Continue;
    return this.onData(this.resp, toBytes(chunk), endOfStream);
  }
  sendResponseTrailers(trailers: HeaderInput): number {
    if (this.reply !== null) return FilterTrailersStatus.Continue;
    return this.onTrailers(this.resp, trailers);
  }

  /**
   * An HTTP/2 METADATA frame with `elementCount` entries: proxy_on_request_metadata. Envoy
   * treats the result as Continue whatever the module returns, and has no map type through
   * which the entries could be read (§3.3), so only the count reaches the module.
   */
  sendRequestMetadata(elementCount: number): number {
    return this.onMetadata(this.req, Cb.RequestMetadata, elementCount);
  }
  /** A METADATA frame on the response: proxy_on_response_metadata (see sendRequestMetadata). */
  sendResponseMetadata(elementCount: number): number {
    return this.onMetadata(this.resp, Cb.ResponseMetadata, elementCount);
  }

  /** End of the stream: proxy_on_log, proxy_on_done, proxy_on_delete (§9.3). */
  complete(): void {
    if (this.completed) return;
    this.accessLog();
    this.destroy();
  }

  /** @internal The access-log phase (a chain logs every filter before destroying any). */
  accessLog(): void {
    if (this.completed) return;
    this.completed = true;
    const vm = this.vm;
    if (this.passthrough || this.id === 0 || vm.failed) return;
    this.ensureCreated();
    this.inAccessLogPhase = true;
    this.callback(Cb.Log);
    this.inAccessLogPhase = false;
  }

  /** @internal proxy_on_done and proxy_on_delete, after accessLog(). */
  destroy(): void {
    const vm = this.vm;
    if (this.passthrough || this.id === 0 || vm.failed) {
      vm.removeContext(this.id);
      return;
    }
    this.callback(Cb.Done);
    this.callback(Cb.Delete);
    vm.removeContext(this.id);
    vm.flushDeferred();
  }

  /** @internal A chain delivers the response (or a local reply) from the next filter. */
  encodeHeaders(headers: HeaderInput, endOfStream: boolean): number {
    return this.onHeaders(this.resp, headers, endOfStream);
  }
  /** @internal */
  encodeData(data: Uint8Array, endOfStream: boolean): number {
    return this.onData(this.resp, data, endOfStream);
  }
  /** @internal */
  encodeTrailers(trailers: HeaderInput): number {
    return this.onTrailers(this.resp, trailers);
  }

  /** @internal A chain records the local reply this filter asked for. */
  setLocalReply(reply: LocalReply): void {
    this.reply = reply;
  }

  /** @internal A chain stops this filter's request side (a local reply elsewhere). */
  endRequest(): void {
    this.req.finish();
  }

  /** @internal A chain resets the stream. */
  reset(reason: string): void {
    this.resetStream(reason);
  }

  /** @internal Whether response headers went on from this filter. */
  get responseHeadersForwarded(): boolean {
    return this.resp.headersForwarded;
  }

  /** @internal Whether response headers reached this filter. */
  get responseStarted(): boolean {
    return this.resp.started;
  }

  // ---- the state machine ----------------------------------------------------------------

  private isResponse(side: Side): boolean {
    return side === this.resp;
  }

  /** Runs a callback if exported; returns its raw u32 result (0 when not exported). */
  private callback(cb: Cb, a?: number, b?: number): number {
    const r = cb === Cb.ContextCreate ? this.run(cb, this.id, this.settings.rootId) : this.run(cb, this.id, a, b);
    if (this.recordedAt >= 0 && this.sink !== null) this.sink.callback(this, this.recordedAt >> 1);
    return r;
  }

  private ensureCreated(): void {
    if (this.created) return;
    this.created = true;
    this.callback(Cb.ContextCreate);
  }

  /**
   * The filter is skipped: events pass through untouched (fail-open; in a chain also the
   * response of a filter whose context was never created, as Envoy's encode callbacks do).
   */
  private bypass(side: Side): boolean {
    return this.passthrough || (this.sink !== null && !this.created && side === this.resp);
  }

  /** Lets everything the filter holds on `side` pass, telling the chain (if any). */
  private release(side: Side, withTrailers = false): void {
    const sink = this.sink;
    if (sink === null) {
      side.release();
      return;
    }
    const headersFirst = !side.headersForwarded;
    const data = side.buf;
    side.release();
    const response = side === this.resp;
    if (headersFirst) {
      sink.headers(response, side.headers, side.headersEos);
      if (side.headersEos) side.eosEmitted = true;
    }
    // Trailers the filter created in the last body callback follow the body.
    const createdTrailers = !withTrailers && side.bodyEos && side.trailers !== null && !side.eosEmitted;
    const trailers = withTrailers || createdTrailers;
    const eos = !side.eosEmitted && !trailers && side.bodyEos;
    if (data.length > 0 || eos) sink.data(response, data, eos);
    if (eos) side.eosEmitted = true;
    if (trailers && !side.eosEmitted && side.trailers !== null) {
      side.eosEmitted = true;
      sink.trailers(response, side.trailers);
    }
  }

  /** The direction is over for the filter (local reply, reset, completed): events are dropped. */
  private dropped(side: Side): boolean {
    return this.completed || side.done;
  }

  private onHeaders(side: Side, input: HeaderInput, eos: boolean): number {
    if (side.started) throw new Error(`${this.isResponse(side) ? "response" : "request"} headers were already sent on this stream`);
    side.started = true;
    side.ended = eos;
    const map = side.headers;
    if (Array.isArray(input)) {
      for (let i = 0; i < input.length; i++) map.add(input[i]![0], input[i]![1]);
    } else {
      for (const k in input) map.add(k, input[k]!);
    }
    side.headersEos = eos;
    if (this.bypass(side)) {
      this.release(side);
      return FilterHeadersStatus.Continue;
    }
    if (this.dropped(side)) return FilterHeadersStatus.Continue;
    if (this.vm.failed) return this.failed(FilterHeadersStatus.StopAllIterationAndWatermark);
    this.ensureCreated();
    if (this.vm.failed) return this.failed(FilterHeadersStatus.StopAllIterationAndWatermark);
    return this.runHeaders(side);
  }

  private runHeaders(side: Side): number {
    const response = this.isResponse(side);
    side.headersAvail = true;
    this.forceStop = false;
    const r = this.callback(response ? Cb.ResponseHeaders : Cb.RequestHeaders, side.headers.size, side.ended ? 1 : 0);
    if (this.vm.failed) return this.failed(FilterHeadersStatus.StopAllIterationAndWatermark);
    let status: number;
    if (this.forceStop || r > FilterHeadersStatus.StopAllIterationAndWatermark) status = FilterHeadersStatus.StopAllIterationAndWatermark;
    else if (r === FilterHeadersStatus.StopIteration) {
      status = this.settings.allowOnHeadersStopIteration ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.StopAllIterationAndWatermark;
    } else if (r === FilterHeadersStatus.ContinueAndEndStream) status = FilterHeadersStatus.Continue;
    else status = r;
    this.recordStatus(status);
    if (status === FilterHeadersStatus.Continue) {
      side.headersAvail = false; // Envoy drops the map once headers continue
      this.release(side);
    } else {
      side.stop = status === FilterHeadersStatus.StopIteration ? Stop.Headers : Stop.HeadersAll;
    }
    this.vm.flushDeferred();
    return status;
  }

  private onData(side: Side, data: Uint8Array, eos: boolean): number {
    if (!side.started) throw new Error("send headers before the body");
    if (side.ended) throw new Error("the body was sent after the end of stream");
    side.ended = eos;
    if (this.bypass(side)) {
      side.buf = data;
      side.bodyEos = eos;
      this.release(side);
      return FilterDataStatus.Continue;
    }
    if (this.dropped(side)) return FilterDataStatus.Continue;
    if (this.vm.failed) return this.failed(FilterDataStatus.StopIterationNoBuffer);
    if (side.stop === Stop.HeadersAll) {
      // Held by Envoy under flow control until the filter continues (§9.4).
      side.held = concatBytes(side.held, data);
      return FilterDataStatus.StopIterationAndWatermark;
    }
    return this.runBody(side, side.buffering ? concatBytes(side.buf, data) : data, eos);
  }

  private runBody(side: Side, data: Uint8Array, eos: boolean): number {
    side.buf = data;
    side.bodyAvail = true;
    side.bodyEos = eos;
    this.forceStop = false;
    if (this.settings.callbacks[this.isResponse(side) ? Cb.ResponseBody : Cb.RequestBody] === undefined) {
      side.bodyAvail = false;
      this.release(side);
      return FilterDataStatus.Continue;
    }
    const r = this.callback(this.isResponse(side) ? Cb.ResponseBody : Cb.RequestBody, data.length, eos ? 1 : 0);
    if (this.vm.failed) return this.failed(FilterDataStatus.StopIterationNoBuffer);
    const status = this.forceStop || r > FilterDataStatus.StopIterationNoBuffer ? FilterDataStatus.StopIterationNoBuffer : r;
    this.recordStatus(status);
    side.buffering = false;
    switch (status) {
      case FilterDataStatus.Continue:
        side.bodyAvail = false;
        this.release(side);
        break;
      case FilterDataStatus.StopIterationAndBuffer:
      case FilterDataStatus.StopIterationAndWatermark:
        side.buffering = true;
        side.stop = Stop.Body;
        break;
      default:
        // StopIterationNoBuffer: Envoy keeps nothing of this chunk.
        side.buf = EMPTY;
        side.stop = Stop.Body;
    }
    this.vm.flushDeferred();
    return status;
  }

  private onMetadata(side: Side, cb: Cb, elementCount: number): number {
    if (!side.started) throw new Error("send headers before metadata");
    if (this.bypass(side) || this.dropped(side) || this.vm.failed) return FilterMetadataStatus.Continue;
    this.callback(cb, elementCount);
    this.recordStatus(FilterMetadataStatus.Continue);
    this.vm.flushDeferred();
    return FilterMetadataStatus.Continue;
  }

  private onTrailers(side: Side, input: HeaderInput): number {
    if (!side.started) throw new Error("send headers before trailers");
    if (side.ended) throw new Error("trailers were sent after the end of stream");
    side.ended = true;
    side.trailers = new HeaderMap(input, TRAILER_INLINE);
    if (this.bypass(side)) {
      this.release(side, true);
      return FilterTrailersStatus.Continue;
    }
    if (this.dropped(side)) return FilterTrailersStatus.Continue;
    if (this.vm.failed) return this.failed(FilterTrailersStatus.StopIteration);
    if (side.stop === Stop.HeadersAll) {
      side.trailersPending = true;
      return FilterTrailersStatus.StopIteration;
    }
    return this.runTrailers(side);
  }

  private runTrailers(side: Side): number {
    side.trailersPending = false;
    side.trailersAvail = true;
    this.forceStop = false;
    const r = this.callback(this.isResponse(side) ? Cb.ResponseTrailers : Cb.RequestTrailers, side.trailers!.size);
    if (this.vm.failed) return this.failed(FilterTrailersStatus.StopIteration);
    const status = this.forceStop || r > FilterTrailersStatus.StopIteration ? FilterTrailersStatus.StopIteration : r;
    this.recordStatus(status);
    if (status === FilterTrailersStatus.Continue) {
      side.trailersAvail = false;
      side.bodyAvail = false;
      this.release(side, true);
    } else {
      side.stop = Stop.Trailers;
    }
    this.vm.flushDeferred();
    return status;
  }

  /** A deferred proxy_continue_stream: pass on what the filter holds (§9.4). */
  private resume(side: Side): void {
    if (side.done || this.passthrough) return;
    const stop = side.stop;
    if (stop === Stop.None) return;
    if (stop !== Stop.HeadersAll) {
      this.release(side, stop === Stop.Trailers);
      return;
    }
    // After StopAllIteration the filter itself receives the held body and trailers.
    side.stop = Stop.None;
    if (this.sink !== null) this.release(side);
    side.headersForwarded = true;
    const held = side.held;
    side.held = EMPTY;
    if (held.length > 0) {
      this.runBody(side, held, side.ended && !side.trailersPending);
      if (this.vm.failed || side.done) return;
    }
    if (side.trailersPending) this.runTrailers(side);
  }

  // ---- deferred actions -----------------------------------------------------------------

  runDeferred(): void {
    const ops = this.ops;
    this.ops = null;
    if (this.completed || ops === null) return; // nothing is left to continue, close or reply to
    for (const op of ops) {
      if (this.vm.failed && op !== Op.Close) break;
      switch (op) {
        case Op.ContinueRequest:
          this.resume(this.req);
          break;
        case Op.ContinueResponse:
          this.resume(this.resp);
          break;
        case Op.Close:
          this.resetStream("wasm_close_stream");
          this.sink?.reset(this, "wasm_close_stream");
          break;
        case Op.LocalReply: {
          const r = this.pendingReply!;
          this.pendingReply = null;
          this.executeLocalReply(r);
          break;
        }
      }
    }
  }

  private resetStream(reason: string): void {
    if (this.resetReason === null) this.resetReason = reason;
    this.req.finish();
    this.resp.finish();
  }

  private executeLocalReply(r: LocalResponseRequest): void {
    const resp = this.resp;
    this.req.finish();
    if (this.sink !== null) {
      // In a chain the reply goes through every filter's encoder side: the chain sends it.
      this.sink.localReply(this, r);
      return;
    }
    if (resp.headersForwarded) {
      // Response headers already went downstream: Envoy resets instead (§9.6).
      this.resetStream("local_reply_after_response_headers_sent");
      return;
    }
    this.reply = localReplyOf(r);
    const viaFilter = !resp.started;
    resp.started = true;
    resp.headers = this.reply.headers;
    resp.trailers = null;
    resp.clearPassed();
    resp.buf = resp.held = EMPTY;
    resp.buffering = false;
    resp.stop = Stop.None;
    resp.dropRefs();
    resp.ended = r.body.length === 0;
    if (!viaFilter) {
      // Sent while the filter was handling the upstream response: Envoy replies directly.
      resp.headersForwarded = true;
      resp.pass(r.body);
      resp.done = true;
      return;
    }
    // The reply passes through the encoder chain, so the plugin sees its own reply.
    this.runHeaders(resp);
    if (r.body.length > 0 && !resp.done && !this.vm.failed) {
      resp.ended = true;
      if ((resp.stop as Stop) === Stop.HeadersAll) resp.held = r.body;
      else this.runBody(resp, resp.buffering ? concatBytes(resp.buf, r.body) : r.body, true);
    }
  }

  /** The VM failed during (or before) this stream's callback: apply the failure policy (§9.14). */
  private failed<T extends number>(stopStatus: T): number {
    if (!this.failureHandled) {
      this.failureHandled = true;
      if (this.settings.failOpen) {
        this.passthrough = true;
        for (const side of [this.req, this.resp]) {
          side.dropRefs();
          side.buf = concatBytes(side.buf, side.held);
          side.held = EMPTY;
          if (side.ended) side.bodyEos = side.trailers === null;
          if (side.started) this.release(side, side.trailers !== null && side.ended);
        }
      } else {
        this.pendingReply = null;
        this.ops = null;
        this.failStream();
      }
    }
    this.recordStatus(this.settings.failOpen ? 0 : stopStatus);
    return this.passthrough ? 0 : stopStatus;
  }

  private failStream(): void {
    if (this.sink !== null) {
      // The failed filter passes the chain's 503 through (its VM takes no more callbacks).
      this.passthrough = true;
      this.req.finish();
      this.resp.stop = Stop.None;
      this.resp.dropRefs();
      this.sink.localReply(this, FAIL_STREAM_REPLY);
      return;
    }
    if (this.reply !== null || this.resp.headersForwarded) {
      this.resetStream("wasm_fail_stream");
      return;
    }
    this.reply = localReplyOf(FAIL_STREAM_REPLY);
    this.req.finish();
    this.resp.finish();
    this.resp.started = true;
    this.resp.headers = this.reply.headers;
    this.resp.clearPassed();
    this.resp.headersForwarded = true;
  }

  // ---- what the host calls see (Context) -------------------------------------------------

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

  /** Trailers are writable in their window, or created in the last body callback (§4.4). */
  private trailersForWrite(side: Side): HeaderMap | null {
    if (side.trailersAvail) return side.trailers;
    if (side.trailers === null && side.bodyAvail && side.bodyEos) {
      side.trailers = new HeaderMap(null, TRAILER_INLINE);
      return side.trailers;
    }
    return null;
  }

  override headersModified(type: MapType): void {
    // Envoy clears the route cache when request headers change (ABI ≤ 0.2.1, §9.13).
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
    if (top === "request") return this.requestProperty(name);
    if (top === "response") return this.responseProperty(name);
    return null;
  }

  private requestProperty(name: string): Uint8Array | null {
    switch (name) {
      case "time":
        return encodeInt64(msToNs(this.startMs));
      case "protocol":
        return encodeString(this.protocol);
      case "duration":
        return this.completed ? encodeInt64(this.vm.clock.now() - msToNs(this.startMs)) : null;
    }
    // Header-derived attributes need the request header map (§9.12).
    const req = this.req;
    if (!req.started || !(req.headersAvail || this.inAccessLogPhase)) return null;
    return requestHeaderAttribute(name, req.headers);
  }

  private responseProperty(name: string): Uint8Array | null {
    const resp = this.resp;
    if (!resp.started) return null;
    switch (name) {
      case "code": {
        const code = Number(resp.headers.get(":status"));
        return Number.isInteger(code) ? encodeInt64(code) : null;
      }
      case "code_details":
        return encodeString(this.reply ? this.reply.details : "via_upstream");
      case "headers":
        return this.readMap(MapType.HttpResponseHeaders) ? encodeMap(resp.headers.joined()) : null;
      case "trailers":
        return resp.trailers && this.readMap(MapType.HttpResponseTrailers) ? encodeMap(resp.trailers.joined()) : null;
      default:
        return null;
    }
  }
}
